/**
 * Release management as commits: push an artifact, record a CI step, release / promote / roll
 * back a service in an environment, apply and delete policies. Each is exactly one commit on the
 * newest commit of the config repo (redone when someone published first), authored by the person
 * and saying what moved where and why; releasing what already runs is not a commit.
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import {
  artifactFile,
  artifactManifests,
  formatDuration,
  listArtifacts,
  policiesFile,
  readArtifact,
  readPolicies,
  readRelease,
  releaseFile,
  releaseHistoryLimit,
  serializeArtifact,
  serializeReleaseRecord,
  type Artifact,
  type Policy,
  type Project,
  type ReleaseAction,
  type ReleaseEntry,
  type ReleaseRecord,
  type StepStatus,
} from '../config/index.ts';
import { ValidationError } from '../core/index.ts';
import type { GitIdentity, RepoWriter } from '../source/index.ts';
import { artifactEdits, checkArtifactInput, newArtifactId, readArtifactFiles, type ArtifactInput } from './artifacts.ts';
import { autoReleaseTargets, checkBranchRestrictions, checkPolicyInput, describePolicy, environmentOf, PolicyRefusal, withoutPolicy, withPolicy, type PolicyInput } from './policies.ts';
import { planLayoutPromotion, type LayoutMove } from './layout-promotion.ts';
import { commitChange, type ChangeContext, type ChangeOutcome, type CommitChangeOptions, type Made, type RepoChange } from './repo-change.ts';

/** Who is acting: the commit's author, and the name recorded as `releasedBy`. */
export interface Actor {
  /** A token's name or the person's git name. */
  name: string;
  identity: GitIdentity;
}

/**
 * The promotion gate of an environment (`promotion.requireHealthyFor`): undefined when the service
 * has been Synced and Healthy there long enough, else why not and how long is left.
 */
export type GateCheck = (input: { service: string; env: string; requireHealthyForMs: number; project: Project; dir: string; commit: string; apps?: string[] }) => Promise<string | undefined>;

export interface ReleasesOptions {
  writer: RepoWriter;
  /** Checks promotion gates; without one, a gated promote is refused unless forced. */
  gate?: GateCheck;
  now?: () => Date;
  commit?: CommitChangeOptions;
}

export type ReleaseTarget = { artifact: string } | { branch: string } | { previous: true } | { promoteFrom: 'promotesFrom' };

export interface ReleaseRequest {
  service: string;
  env: string;
  target: ReleaseTarget;
  actor: Actor;
  /** Overrides a promotion gate (recorded in the commit and the release file). */
  force?: boolean;
  /** Why, in the person's words; added to the commit message. */
  reason?: string;
  /** Set by auto-release. */
  action?: ReleaseAction;
}

/** What a release did: the release now in effect, or why it was not a commit. */
export interface ReleaseResult {
  service: string;
  env: string;
  artifact: Artifact;
  action: ReleaseAction;
  from?: string;
  forced?: string;
  /** The artifact that ran before; undefined for a first release. */
  previous?: string;
}

export type ReleaseOutcome = ChangeOutcome<ReleaseResult>;

/** A release's outcome as plain data: what `capstan release -o json` prints and the API answers. */
export function releaseSummary(outcome: ReleaseOutcome): Record<string, unknown> {
  const { result } = outcome;
  return {
    committed: outcome.committed,
    ...(outcome.committed ? { commit: outcome.commit } : { reason: outcome.reason }),
    service: result.service,
    env: result.env,
    action: result.action,
    artifact: result.artifact.id,
    branch: result.artifact.branch,
    ...(result.from ? { from: result.from } : {}),
    ...(result.previous ? { previous: result.previous } : {}),
    ...(result.forced ? { forced: result.forced } : {}),
  };
}

/** A promotion of another layout (pins, image overrides, overlays): what it copied. */
export interface LayoutPromoteResult {
  service: string;
  env: string;
  from: string;
  moves: LayoutMove[];
  forced?: string;
}

/** What `promote` did: an artifact release, or a copy in another layout. */
export type PromoteResult = { release: ReleaseResult; layout?: undefined } | { layout: LayoutPromoteResult; release?: undefined };
export type PromoteOutcome = ChangeOutcome<PromoteResult>;

export interface ArtifactPushResult {
  artifact: Artifact;
  /** The artifact commit; undefined when the same artifact was already pushed. */
  commit?: string;
  /** Auto-releases that followed: each its own commit, or refused by a policy (with why). */
  autoReleases: Array<{ env: string; outcome?: ReleaseOutcome; refused?: string }>;
}

/** A promotion the gate of the environment it comes from refuses (without --force). */
export class GateRefusal extends ValidationError {
  constructor(
    readonly env: string,
    message: string,
  ) {
    super(message);
  }
}

export class Releases {
  private readonly now: () => Date;

  constructor(private readonly options: ReleasesOptions) {
    this.now = options.now ?? (() => new Date());
  }

  /** Publishes an artifact (one commit), then runs the auto-release policies its branch triggers. */
  async pushArtifact(input: ArtifactInput, actor: Actor): Promise<ArtifactPushResult> {
    const builtAt = this.now().toISOString();
    const id = input.id ?? newArtifactId(this.now(), input.commit);
    let read: Awaited<ReturnType<typeof readArtifactFiles>> | undefined;
    const outcome = await this.commit(async ({ dir, project }): Promise<Made<Artifact>> => {
      checkArtifactInput(input, project);
      read ??= await readArtifactFiles(input.dir, project);
      const { artifact, edits } = await artifactEdits(dir, input, read, id, builtAt);
      if (!edits) return { reason: `artifact "${id}" of service "${input.service}" is already published with these manifests`, result: artifact };
      const where = artifact.environments ? `manifests for ${artifact.environments.join(', ')}` : 'one set of manifests for every environment';
      return {
        result: artifact,
        change: {
          edits,
          subject: `artifact ${input.service} ${id} from branch ${input.branch}`,
          body: [`${where}${input.commit ? `, built from ${input.commit}` : ''}${input.author ? ` by ${input.author}` : ''}`, input.message ? `\n${input.message}` : '', input.url ? `\n${input.url}` : ''].join(''),
          trailers: { 'Capstan-Action': 'artifact-push', 'Capstan-Service': input.service, 'Capstan-Artifact': id, 'Capstan-Branch': input.branch },
          author: actor.identity,
        },
      };
    });
    const artifact = outcome.result;
    const autoReleases: ArtifactPushResult['autoReleases'] = [];
    if (outcome.committed) {
      const policies = await readPolicies(this.options.writer.dir);
      for (const env of autoReleaseTargets(policies, artifact)) {
        try {
          autoReleases.push({ env, outcome: await this.release({ service: artifact.service, env, target: { artifact: artifact.id }, actor, action: 'auto-release' }) });
        } catch (error) {
          if (!(error instanceof PolicyRefusal)) throw error;
          autoReleases.push({ env, refused: error.message });
        }
      }
    }
    return { artifact, commit: outcome.committed ? outcome.commit : undefined, autoReleases };
  }

  /** Records the outcome of a CI step in an artifact's artifact.json (one commit). */
  async recordStep(input: { service: string; artifact: string; name: string; status: StepStatus; url?: string }, actor: Actor): Promise<ChangeOutcome<Artifact>> {
    return this.commit(async ({ dir }): Promise<Made<Artifact>> => {
      const artifact = await readArtifact(dir, input.service, input.artifact);
      if (!artifact) throw new ValidationError(`artifact "${input.artifact}" of service "${input.service}" is not in the config repo: push it first with capstan artifact push`);
      const step = { name: input.name, status: input.status, at: this.now().toISOString(), ...(input.url ? { url: input.url } : {}) };
      const current = artifact.steps.find((s) => s.name === input.name);
      if (current && current.status === input.status && current.url === input.url) return { reason: `step ${input.name} of ${input.artifact} is already ${input.status}`, result: artifact };
      const updated: Artifact = { ...artifact, steps: [...artifact.steps.filter((s) => s.name !== input.name), step] };
      return {
        result: updated,
        change: {
          edits: [{ path: artifactFile(input.service, input.artifact), content: serializeArtifact(updated) }],
          subject: `artifact ${input.service} ${input.artifact}: step ${input.name} ${input.status}`,
          trailers: { 'Capstan-Action': 'artifact-step', 'Capstan-Service': input.service, 'Capstan-Artifact': input.artifact, 'Capstan-Step': input.name, 'Capstan-Status': input.status },
          author: actor.identity,
        },
      };
    });
  }

  /**
   * Releases an artifact (by id, the newest of a branch, the one before, or what runs in the
   * environment releases are promoted from) to an environment: one commit, checked against the
   * policies and the promotion gate on the newest commit, redone if someone published first.
   */
  async release(request: ReleaseRequest): Promise<ReleaseOutcome> {
    return this.commit(async (context) => this.makeRelease(context, request));
  }

  private async makeRelease(context: ChangeContext, request: ReleaseRequest): Promise<Made<ReleaseResult>> {
    const { dir, project } = context;
    const { service, env } = request;
    environmentOf(project, env);
    const current = await readRelease(dir, service, env);
    const { artifact, action, from, forced, history } = await this.choose(context, request, current);
    const policies = await readPolicies(dir);
    checkBranchRestrictions(policies, artifact, env);
    if (artifactManifests(artifact, env) === undefined) {
      throw new ValidationError(`artifact "${artifact.id}" of service "${service}" has no manifests for environment "${env}" (it has ${artifact.environments?.join(', ')}): push an artifact with an ${env}/ folder`);
    }
    const result: ReleaseResult = { service, env, artifact, action, ...(from ? { from } : {}), ...(forced ? { forced } : {}), ...(current ? { previous: current.artifact } : {}) };
    if (current?.artifact === artifact.id) return { reason: `artifact "${artifact.id}" already runs in ${env}: nothing to release`, result };
    const entry: ReleaseEntry = { artifact: artifact.id, action, releasedAt: this.now().toISOString(), releasedBy: request.actor.name, ...(from ? { from } : {}), ...(forced ? { forced } : {}) };
    const record: ReleaseRecord = { service, env, ...entry, history };
    const what = `${service} ${artifact.id}`;
    const subject =
      action === 'promote'
        ? `promote ${what} from ${from} to ${env}`
        : action === 'rollback'
          ? `roll back ${service} in ${env} to ${artifact.id}`
          : action === 'auto-release'
            ? `auto-release ${what} (branch ${artifact.branch}) to ${env}`
            : `release ${what} (branch ${artifact.branch}) to ${env}`;
    const why = [
      current ? `replaces ${current.artifact} (${current.action} by ${current.releasedBy}, ${current.releasedAt})` : `first release of ${service} in ${env}`,
      artifact.commit || artifact.author ? `artifact built from ${artifact.commit ?? 'an unnamed commit'}${artifact.author ? ` by ${artifact.author}` : ''}` : '',
      forced ? `forced past the promotion gate: ${forced}` : '',
      request.reason ? `reason: ${request.reason}` : '',
    ].filter(Boolean);
    const change: RepoChange = {
      edits: [{ path: releaseFile(service, env), content: serializeReleaseRecord(record) }],
      subject,
      body: why.join('\n'),
      trailers: {
        'Capstan-Action': action,
        'Capstan-Service': service,
        'Capstan-Environment': env,
        'Capstan-Artifact': artifact.id,
        'Capstan-Branch': artifact.branch,
        'Capstan-Previous': current?.artifact ?? '',
        'Capstan-From': from ?? '',
        'Capstan-Forced': forced ?? '',
        'Capstan-Released-By': request.actor.name,
      },
      author: request.actor.identity,
    };
    return { change, result };
  }

  private async choose(
    context: ChangeContext,
    request: ReleaseRequest,
    current: ReleaseRecord | undefined,
  ): Promise<{ artifact: Artifact; action: ReleaseAction; from?: string; forced?: string; history: ReleaseEntry[] }> {
    const { dir, project } = context;
    const { service, env, target } = request;
    const pushed = (record: ReleaseRecord | undefined): ReleaseEntry[] => (record ? [entryOf(record), ...record.history].slice(0, releaseHistoryLimit) : []);
    const artifactOrFail = async (id: string, why: string): Promise<Artifact> => {
      const artifact = await readArtifact(dir, service, id);
      if (!artifact) throw new ValidationError(`artifact "${id}" of service "${service}" is not in the config repo (${why}): list them with capstan status ${service}`);
      return artifact;
    };
    if ('artifact' in target) return { artifact: await artifactOrFail(target.artifact, 'as --artifact names it'), action: request.action ?? 'release', history: pushed(current) };
    if ('branch' in target) {
      const newest = (await listArtifacts(dir, service)).filter((a) => a.branch === target.branch).at(-1);
      if (!newest) throw new ValidationError(`service "${service}" has no artifact of branch "${target.branch}": push one with capstan artifact push --service ${service} --branch ${target.branch} <dir>`);
      return { artifact: newest, action: request.action ?? 'release', history: pushed(current) };
    }
    if ('previous' in target) {
      if (!current) throw new ValidationError(`service "${service}" has no release in ${env}: there is nothing to roll back`);
      const before = current.history[0];
      if (!before) throw new ValidationError(`service "${service}" has had one release in ${env} (${current.artifact}): there is no previous release to roll back to; release another artifact with --artifact`);
      return { artifact: await artifactOrFail(before.artifact, `released in ${env} before ${current.artifact}`), action: 'rollback', history: current.history.slice(1) };
    }
    const from = environmentOf(project, env).promotesFrom;
    if (!from) throw new ValidationError(`environment "${env}" promotes from no environment: set promotesFrom on it in capstan.yaml, or release an artifact with --artifact or --branch`);
    const source = await readRelease(dir, service, from);
    if (!source) throw new ValidationError(`service "${service}" has no release in ${from}, the environment ${env} promotes from: release one there first`);
    const forced = source.artifact === current?.artifact ? undefined : await this.checkGate(context, request, from, undefined, `${service} ${source.artifact} to ${env}`);
    return { artifact: await artifactOrFail(source.artifact, `released in ${from}`), action: 'promote', from, ...(forced ? { forced } : {}), history: pushed(current) };
  }

  /**
   * Promotes a service into `env` from the environment it promotes from: the released artifact
   * when an app of `type: artifact` renders the service, else what the other layouts say (a pin,
   * an image override in capstan.yaml, an overlay's `images:`), copied as one commit.
   */
  async promote(request: Omit<ReleaseRequest, 'target' | 'action'>): Promise<PromoteOutcome> {
    return this.commit(async (context): Promise<Made<PromoteResult>> => {
      const { project } = context;
      const { service, env } = request;
      const byArtifact = project.apps.some((a) => a.type === 'artifact' && (a.service ?? a.name) === service);
      if (byArtifact) {
        const made = await this.makeRelease(context, { ...request, target: { promoteFrom: 'promotesFrom' } });
        return made.change ? { change: made.change, result: { release: made.result } } : { reason: made.reason, result: { release: made.result } };
      }
      const from = environmentOf(project, env).promotesFrom;
      if (!from) throw new ValidationError(`environment "${env}" promotes from no environment: set promotesFrom on it in capstan.yaml`);
      const layout = await planLayoutPromotion(context.dir, project, service, from, env);
      if (!layout) throw new ValidationError(`no app renders service "${service}" in both ${from} and ${env}: an app of type: artifact (service: ${service}), a pins app with a ${service} pin, or an image override or overlay image named ${service}`);
      const result: PromoteResult = { layout: { service, env, from, moves: layout.moves } };
      if (layout.edits.length === 0) return { reason: `${env} already runs what ${from} runs of ${service}`, result };
      const forced = await this.checkGate(context, request, from, [...new Set(layout.moves.map((m) => m.app))], `${service} to ${env}`);
      if (forced) result.layout!.forced = forced;
      return {
        result,
        change: {
          edits: layout.edits,
          subject: `promote ${service} from ${from} to ${env}: ${layout.moves.map((m) => `${m.what} ${m.from === '(none)' ? '' : `${m.from} -> `}${m.to}`).join(', ')}`,
          body: [...layout.moves.map((m) => `${m.app}: ${m.file}: ${m.what} ${m.from} -> ${m.to}`), request.reason ? `reason: ${request.reason}` : ''].filter(Boolean).join('\n'),
          trailers: { 'Capstan-Action': 'promote', 'Capstan-Service': service, 'Capstan-Environment': env, 'Capstan-From': from, 'Capstan-Forced': forced ?? '', 'Capstan-Released-By': request.actor.name },
          author: request.actor.identity,
        },
      };
    });
  }

  /**
   * The promotion gate of the environment a promotion comes from: undefined when it is open (or
   * there is none); refused with why and how long is left; with --force, what was overridden.
   */
  private async checkGate(context: ChangeContext, request: Pick<ReleaseRequest, 'service' | 'force'>, from: string, apps: string[] | undefined, what: string): Promise<string | undefined> {
    const { project, dir, commit } = context;
    const gate = project.environments.find((e) => e.name === from)?.promotion;
    if (!gate) return undefined;
    const refusal = this.options.gate
      ? await this.options.gate({ service: request.service, env: from, requireHealthyForMs: gate.requireHealthyForMs, project, dir, commit, ...(apps ? { apps } : {}) })
      : `the promotion gate of ${from} (Synced and Healthy for ${formatDuration(gate.requireHealthyForMs)}) cannot be checked here`;
    if (refusal === undefined) return undefined;
    if (!request.force) throw new GateRefusal(from, `promotion gate of ${from} refuses to promote ${what}: ${refusal}. Wait, or pass --force to promote anyway (the commit records it)`);
    return `gate of ${from} (requireHealthyFor ${formatDuration(gate.requireHealthyForMs)}): ${refusal}`;
  }

  /** Adds (or replaces) a policy: one commit. */
  async applyPolicy(input: PolicyInput, actor: Actor): Promise<ChangeOutcome<Policy>> {
    return this.commit(async ({ dir, project }): Promise<Made<Policy>> => {
      const policy = checkPolicyInput(project, input);
      const text = await readFile(path.join(dir, ...policiesFile.split('/')), 'utf8').catch(() => undefined);
      const existing = (await readPolicies(dir)).find((p) => p.id === policy.id);
      if (existing && JSON.stringify(existing) === JSON.stringify({ ...existing, ...policy })) return { reason: `policy ${policy.id} is already in effect`, result: policy };
      return {
        result: policy,
        change: {
          edits: [{ path: policiesFile, content: withPolicy(text, policy) }],
          subject: `policy ${policy.id}: ${describePolicy(policy)}`,
          trailers: { 'Capstan-Action': 'policy-apply', 'Capstan-Policy': policy.id, 'Capstan-Service': policy.service ?? '', 'Capstan-Environment': policy.env },
          author: actor.identity,
        },
      };
    });
  }

  async deletePolicy(id: string, actor: Actor): Promise<ChangeOutcome<Policy>> {
    return this.commit(async ({ dir }): Promise<Made<Policy>> => {
      const policies = await readPolicies(dir);
      const policy = policies.find((p) => p.id === id);
      if (!policy) throw new ValidationError(`there is no policy "${id}"${policies.length ? ` (there are ${policies.map((p) => p.id).join(', ')})` : ''}: list them with capstan policy list`);
      const text = await readFile(path.join(dir, ...policiesFile.split('/')), 'utf8');
      return {
        result: policy,
        change: {
          edits: [{ path: policiesFile, content: withoutPolicy(text, id)! }],
          subject: `policy ${id} deleted`,
          body: `it said: ${describePolicy(policy)}`,
          trailers: { 'Capstan-Action': 'policy-delete', 'Capstan-Policy': id, 'Capstan-Environment': policy.env },
          author: actor.identity,
        },
      };
    });
  }

  private commit<T>(make: (context: ChangeContext) => Promise<Made<T>>): Promise<ChangeOutcome<T>> {
    return commitChange(this.options.writer, make, this.options.commit);
  }
}

function entryOf(record: ReleaseRecord): ReleaseEntry {
  const { artifact, action, releasedAt, releasedBy, from, forced } = record;
  return { artifact, action, releasedAt, releasedBy, ...(from ? { from } : {}), ...(forced ? { forced } : {}) };
}

