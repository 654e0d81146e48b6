/**
 * The agent's revision: fetches the watched branch (on a poll, a webhook, a push, a refresh) and,
 * on a new commit, brings the app table up to it — apps added, changed, removed — and schedules
 * the apps the commit touched (their files, or their settings in capstan.yaml). A push or webhook
 * that names its commit is remembered, so whichever fetch brings that commit records who caused it.
 */
import { NotFoundError } from '../core/index.ts';
import { appsInEnvironment, projectFileName, type AppEnvironment, type Project } from '../config/index.ts';
import type { Engine, RepoRevision } from '../engine/index.ts';
import type { GitCache, Remote } from '../source/index.ts';
import { appInputs, touches } from './app-inputs.ts';
import { newTracked, type AppTable, type Tracked } from './app-table.ts';
import { message, short } from './helpers.ts';
import type { AgentLogger } from './logger.ts';
import { syncWindowOpen } from './sync-windows.ts';
import { diffTrees } from './tree-diff.ts';
import { appId, type AgentMetrics, type ShardCoordinatorApi, type Trigger } from './types.ts';

/** Who and what brought a commit, for the syncs it leads to (see `RefreshOptions.revision`). */
export interface Cause {
  trigger: Trigger;
  who?: string;
}

/** Causes of commits not fetched yet, kept at most. */
const maxCauses = 64;

export interface RevisionsOptions {
  engine: Engine;
  repo: Remote;
  /** To list the files a commit changed; without it the two checked-out trees are compared. */
  git?: GitCache;
  /** The branch watched; default the remote's HEAD branch. */
  branch?: string;
  /** The environments reconciled; default every environment of capstan.yaml. */
  envs?: string[];
  apps: AppTable;
  shards?: ShardCoordinatorApi;
  metrics: AgentMetrics;
  log: AgentLogger;
  now(): Date;
  stopping(): boolean;
  reconcileLater(t: Tracked, trigger: Trigger, who?: string): Promise<unknown>;
  /** Stops the agent's work on an app removed from capstan.yaml. */
  untrack(t: Tracked, reason: string): void;
  checkOrphans(): Promise<void>;
  /** Told of each new commit after the first (release management follows its commits); never throws. */
  newCommit?(old: RepoRevision, next: RepoRevision, files: string[]): Promise<void>;
}

export class Revisions {
  private current?: RepoRevision;
  /** Commits pushed or announced by a webhook, and who did it, until a fetch brings them. */
  private readonly causes = new Map<string, Cause>();
  private lock: Promise<unknown> = Promise.resolve();

  constructor(private readonly options: RevisionsOptions) {}

  /** The newest commit fetched; undefined before the first fetch. */
  get head(): RepoRevision | undefined {
    return this.current;
  }

  /** Remembers who brought a commit until a fetch brings it (the oldest are forgotten first). */
  noteCause(revision: string, cause: Cause): void {
    this.causes.delete(revision);
    this.causes.set(revision, cause);
    for (const old of this.causes.keys()) {
      if (this.causes.size <= maxCauses) break;
      this.causes.delete(old);
    }
  }

  /**
   * Fetches the branch (one fetch at a time); on a new commit, updates every app and schedules
   * those whose inputs changed, caused by what brought that commit when it is known (a push, a
   * webhook), else by `given`. Resolves with the reconciles it scheduled.
   */
  advance(given: Trigger | Cause): Promise<Promise<unknown>[]> {
    const cause = typeof given === 'string' ? { trigger: given } : given;
    const run = this.lock.then(() => this.advanceNow(cause));
    this.lock = run.catch(() => undefined);
    return run;
  }

  private async advanceNow(given: Cause): Promise<Promise<unknown>[]> {
    const { apps, log: agentLog, metrics, repo, branch } = this.options;
    let trigger = given.trigger;
    if (this.options.stopping()) return [];
    const started = performance.now();
    let next: RepoRevision;
    try {
      next = await this.options.engine.open(repo, branch);
      metrics.gitFetchDuration((performance.now() - started) / 1000, true);
    } catch (error) {
      metrics.gitFetchDuration((performance.now() - started) / 1000, false);
      agentLog.error({ trigger, err: message(error) }, `fetching ${branch ?? 'HEAD'} failed: ${message(error)}`);
      throw error;
    }
    const old = this.current;
    if (old && old.commit === next.commit) return [];
    const cause = this.causes.get(next.commit) ?? given;
    this.causes.delete(next.commit);
    trigger = cause.trigger;
    let resolved: AppEnvironment[];
    try {
      resolved = this.resolveAll(next.project);
    } catch (error) {
      agentLog.error({ revision: next.commit, err: message(error) }, `revision ${short(next.commit)} cannot be reconciled: ${message(error)}`);
      if (!old) throw error;
      return [];
    }
    const files = old ? await this.changedFiles(old, next) : [];
    const changed = old ? await this.changedApps(files, next, resolved) : new Set(resolved.map((a) => appId({ app: a.name, env: a.env })));
    this.current = next;
    const log = agentLog.child({ revision: next.commit });

    const ids = new Set<string>();
    for (const app of resolved) {
      const ref = { app: app.name, env: app.env };
      const id = appId(ref);
      ids.add(id);
      const existing = apps.find(id);
      if (existing) {
        existing.app = app;
        existing.settings = JSON.stringify(app);
        apps.patch(existing, { targetRevision: next.commit, automated: app.syncPolicy.automated, selfHeal: app.syncPolicy.selfHeal, prune: app.syncPolicy.prune, syncWindowOpen: syncWindowOpen(app.syncWindows, this.options.now()) });
      } else {
        apps.add(newTracked(app, next.commit, this.options.now(), this.options.shards));
        if (old) log.info({ app: app.name, env: app.env }, `app ${id} added`);
      }
    }
    for (const t of [...apps.all()]) {
      if (ids.has(t.id)) continue;
      this.options.untrack(t, 'removed from capstan.yaml');
      apps.delete(t.id);
      log.warn({ app: t.ref.app, env: t.ref.env }, `app ${t.id} is no longer in capstan.yaml at ${short(next.commit)}: stopped tracking it; its objects stay in the cluster (capstan delete removes them)`);
    }
    const order = resolved.map((a) => appId({ app: a.name, env: a.env })).sort((a, b) => rank(next.project, a) - rank(next.project, b));
    apps.setOrder(order);

    const changedIds = order.filter((id) => changed.has(id));
    log.info({ trigger, changed: changedIds }, old ? `new commit ${short(next.commit)}: ${changedIds.length} app(s) changed` : `revision ${short(next.commit)}`);
    apps.emit({ type: 'revision', revision: next.commit, trigger, changedApps: changedIds, ...(cause.who ? { who: cause.who } : {}) });
    if (old) void this.options.checkOrphans();
    if (old) void this.options.newCommit?.(old, next, files);
    const scheduled: Promise<unknown>[] = [];
    for (const id of changedIds) {
      const t = apps.find(id)!;
      // a new commit that changes a deleted app is the way to bring it back
      if (old && t.state.deleted) {
        log.info({ app: t.ref.app, env: t.ref.env }, `${t.id}: commit ${short(next.commit)} changes it: no longer held as deleted by ${t.state.deleted.by}`);
        apps.patch(t, { deleted: undefined });
      }
      if (!t.owned) continue;
      scheduled.push(this.options.reconcileLater(t, trigger, cause.who));
    }
    return scheduled;
  }

  /** Every app of the agent's environments at a revision, each environment in dependency order. */
  private resolveAll(project: Project): AppEnvironment[] {
    const known = project.environments.map((e) => e.name);
    const envs = this.options.envs && this.options.envs.length > 0 ? this.options.envs : known;
    for (const env of envs) {
      if (!known.includes(env)) throw new NotFoundError(`unknown environment "${env}": capstan.yaml declares ${known.join(', ') || 'none'}`);
    }
    return envs.flatMap((env) => appsInEnvironment(project, env));
  }

  /** The repo-relative files that differ between two revisions. */
  private async changedFiles(old: RepoRevision, next: RepoRevision): Promise<string[]> {
    const { git, repo } = this.options;
    return git ? git.changedFiles(repo, old.commit, next.commit, { fetch: 'never' }) : diffTrees(old.dir, next.dir);
  }

  /** The apps a commit changed (`files`): their files, their settings in capstan.yaml, or new to it. */
  private async changedApps(files: string[], next: RepoRevision, resolved: AppEnvironment[]): Promise<Set<string>> {
    const changed = new Set<string>();
    if (files.length === 0) return changed;
    const projectChanged = files.includes(projectFileName);
    const sourceFiles = files.filter((f) => f !== projectFileName);
    for (const app of resolved) {
      const id = appId({ app: app.name, env: app.env });
      const t = this.options.apps.find(id);
      if (!t || (projectChanged && t.settings !== JSON.stringify(app))) {
        changed.add(id);
        continue;
      }
      if (sourceFiles.length === 0) continue;
      const inputs = await appInputs(next.dir, app);
      if (sourceFiles.some((f) => touches(inputs, f))) changed.add(id);
    }
    return changed;
  }
}

/** Where an app is listed: environment order, then declaration order. */
function rank(project: Project, id: string): number {
  const [app, env] = id.split('/') as [string, string];
  const e = project.environments.findIndex((x) => x.name === env);
  const a = project.apps.findIndex((x) => x.name === app);
  return e * (project.apps.length + 1) + a;
}
