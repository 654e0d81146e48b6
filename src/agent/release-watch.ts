/**
 * What the agent does with the release-management commits it fetches: announce each release,
 * promote and rollback (whoever made it: the CLI in CI, the API, a hand-written commit), and
 * run the auto-release policies for artifacts that reached the repo without them (pushed by
 * hand, or by an older CLI), so a new artifact of `master` lands in dev however it came.
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { readArtifact, readPolicies, readRelease, releaseActions, type Artifact, type ReleaseAction } from '../config/index.ts';
import type { RepoRevision } from '../engine/index.ts';
import type { NotificationEvent } from '../notify/index.ts';
import { autoReleaseTargets, parseTrailers, PolicyRefusal, type Actor, type Releases } from '../release/index.ts';
import type { GitCache, Remote } from '../source/index.ts';
import { message, short } from './helpers.ts';
import type { AgentLogger } from './logger.ts';

export interface ReleaseWatchOptions {
  repo: Remote;
  git?: GitCache;
  /** Commits auto-releases; without it the agent only announces. */
  releases?: Releases;
  /** Who the agent's own release commits are from. */
  actor: Actor;
  notify(event: NotificationEvent): void;
  /** Whether this agent runs (and owns) an environment: auto-releases are made by the agent of the target environment. */
  runs(env: string): boolean;
  log: AgentLogger;
}

const artifactJson = /^artifacts\/([a-z0-9][-a-z0-9]*)\/([A-Za-z0-9][A-Za-z0-9._-]*)\/artifact\.json$/;

export class ReleaseWatch {
  constructor(private readonly options: ReleaseWatchOptions) {}

  /** Called with each new commit the agent fetches, the one before and the files between them; never throws. */
  async onCommits(old: RepoRevision, next: RepoRevision, files: string[]): Promise<void> {
    try {
      await this.announce(old, next);
      await this.autoRelease(old, next, files);
    } catch (error) {
      this.options.log.warn({ err: message(error) }, `release management at ${short(next.commit)}: ${message(error)}`);
    }
  }

  private async announce(old: RepoRevision, next: RepoRevision): Promise<void> {
    const { git, repo } = this.options;
    if (!git) return;
    const commits = await git.log(repo, next.commit, { from: old.commit, maxCount: 200, fetch: 'never' });
    for (const commit of commits.reverse()) {
      const t = parseTrailers(commit.message);
      const action = t['Capstan-Action'];
      if (action === 'artifact-step') {
        const status = t['Capstan-Status'] as 'success' | 'failure' | 'running' | 'skipped';
        this.options.notify({ type: 'artifact-step', service: t['Capstan-Service'] ?? '', artifact: t['Capstan-Artifact'] ?? '', step: t['Capstan-Step'] ?? '', status, time: commit.author.date });
        continue;
      }
      if (!releaseActions.includes(action as ReleaseAction)) continue;
      const service = t['Capstan-Service'] ?? '';
      const artifactId = t['Capstan-Artifact'] ?? '';
      const artifact = await readArtifact(next.dir, service, artifactId).catch(() => undefined);
      this.options.notify({
        type: action as ReleaseAction,
        service,
        env: t['Capstan-Environment'] ?? '',
        artifact: artifactId,
        ...(artifact?.branch ? { branch: artifact.branch } : {}),
        ...(artifact?.commit ? { commit: artifact.commit } : {}),
        ...(artifact?.author ? { author: artifact.author } : {}),
        releasedBy: t['Capstan-Released-By'] ?? commit.author.name,
        ...(t['Capstan-From'] ? { fromEnv: t['Capstan-From'] } : {}),
        ...(t['Capstan-Forced'] ? { forced: true } : {}),
        ...(t['Capstan-Previous'] ? { previousArtifact: t['Capstan-Previous'] } : {}),
        reason: commit.subject,
        revision: commit.sha,
        time: commit.author.date,
      });
    }
  }

  /** Artifacts new in `next` whose auto-release did not happen yet. */
  private async autoRelease(old: RepoRevision, next: RepoRevision, files: string[]): Promise<void> {
    const { git, releases } = this.options;
    if (!git || !releases) return;
    const arrived: Artifact[] = [];
    for (const file of files) {
      const match = artifactJson.exec(file);
      if (!match || existsSync(path.join(old.dir, ...file.split('/')))) continue;
      const artifact = await readArtifact(next.dir, match[1], match[2]).catch(() => undefined);
      if (artifact) arrived.push(artifact);
    }
    if (arrived.length === 0) return;
    const policies = await readPolicies(next.dir);
    // the newest arrival of each service, branch and environment is the one released
    const chosen = new Map<string, { artifact: Artifact; env: string }>();
    for (const artifact of arrived) {
      for (const env of autoReleaseTargets(policies, artifact)) {
        if (!this.options.runs(env)) continue;
        const key = `${artifact.service}/${artifact.branch}/${env}`;
        const seen = chosen.get(key);
        if (!seen || Date.parse(seen.artifact.builtAt) <= Date.parse(artifact.builtAt)) chosen.set(key, { artifact, env });
      }
    }
    for (const { artifact, env } of chosen.values()) {
      const current = await readRelease(next.dir, artifact.service, env).catch(() => undefined);
      if (current?.artifact === artifact.id) continue; // released with its push
      const running = current ? await readArtifact(next.dir, artifact.service, current.artifact).catch(() => undefined) : undefined;
      if (running && running.branch === artifact.branch && Date.parse(running.builtAt) > Date.parse(artifact.builtAt)) continue;
      try {
        const outcome = await releases.release({ service: artifact.service, env, target: { artifact: artifact.id }, actor: this.options.actor, action: 'auto-release', reason: 'the artifact reached the config repo without its auto-release' });
        this.options.log.info({ service: artifact.service, env, artifact: artifact.id }, outcome.committed ? `auto-released ${artifact.service} ${artifact.id} to ${env}: ${short(outcome.commit)}` : `auto-release of ${artifact.service} ${artifact.id} to ${env}: ${outcome.reason}`);
      } catch (error) {
        if (error instanceof PolicyRefusal) {
          this.options.notify({ type: 'policy-refused', service: artifact.service, env, artifact: artifact.id, policy: error.policy.id, message: error.message, who: this.options.actor.name });
        }
        this.options.log.warn({ service: artifact.service, env, artifact: artifact.id, err: message(error) }, `auto-release of ${artifact.service} ${artifact.id} to ${env} failed: ${message(error)}`);
      }
    }
  }
}
