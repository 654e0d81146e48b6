// Release management for the HTTP API: the agent's one writer of release commits, and the reads
// of release state from the agent's git cache.
import path from 'node:path';
import { listServices, readPolicies, type Policy, type ReleaseAction } from '../config/index.ts';
import { NotFoundError, ValidationError } from '../core/index.ts';
import { healthyForGate, openRevision, type Engine, type RepoRevision } from '../engine/index.ts';
import {
  PolicyRefusal,
  readServiceStatus,
  Releases,
  releaseLog,
  type Actor,
  type ChangeOutcome,
  type CommitChangeOptions,
  type PolicyInput,
  type ReleaseLogEntry,
  type ReleaseLogFilter,
  type ReleaseOutcome,
  type ReleaseRequest,
  type ServiceStatus,
} from '../release/index.ts';
import { CloneWriter, parseRemote, type GitCache, type GitIdentity, type Remote } from '../source/index.ts';
import type { TokenIdentity } from './tokens.ts';

export interface ReleaseDeskOptions {
  /** The config repo the agent follows. */
  repo: Remote;
  /** The branch it follows; default the remote's default branch. */
  branch?: string;
  /** The agent's git cache: status, policies and the log are read through it. */
  git: GitCache;
  /** The agent's engine: promotion gates are judged on its clusters. */
  engine: Engine;
  /** The clone commits are made in; default `<git cache>/work/<remote>.agent` (apart from the CLI's clone of the same remote). */
  dir?: string;
  /**
   * Commit through these Releases instead of the desk's own (its writer must be used by nobody
   * else at the same time: the desk takes one change at a time, but only its own).
   */
  releases?: Releases;
  /** Who commits (the author is the token's name); default capstan. */
  committer?: GitIdentity;
  now?: () => Date;
  commit?: CommitChangeOptions;
}

/** A service as `GET /api/v1/services` lists it: what runs where, and how many artifacts it has. */
export interface ServiceSummary {
  service: string;
  artifacts: number;
  newestArtifact?: { id: string; branch: string; builtAt: string };
  environments: Array<{ env: string; artifact?: string; branch?: string; action?: ReleaseAction; releasedAt?: string; releasedBy?: string }>;
}

/** The person a token stands for: the commit's author and the release's `releasedBy`. */
export function tokenActor(identity: TokenIdentity): Actor {
  const local = identity.name.toLowerCase().replace(/[^a-z0-9.-]+/g, '.').replace(/^\.+|\.+$/g, '') || 'token';
  return { name: identity.name, identity: { name: identity.name, email: `${local}@capstan.invalid` } };
}

/**
 * The agent's desk for release management: one `Releases` on a private clone of the config repo,
 * taking one change at a time in the order asked (another writer, such as a CLI, is handled by
 * the commit's fetch-redo-push loop); reads go through the agent's git cache and wait for no write.
 */
export class ReleaseDesk {
  private queue: Promise<unknown> = Promise.resolve();
  private opened?: Promise<Releases>;
  private branchName?: Promise<string>;

  constructor(private readonly options: ReleaseDeskOptions) {}

  /** Releases (or promotes, or rolls back) as `request` says: one commit, or a no-op with why. */
  async release(request: ReleaseRequest): Promise<ReleaseOutcome> {
    try {
      return await this.change((releases) => releases.release(request));
    } catch (error) {
      if (error instanceof ValidationError && !(error instanceof PolicyRefusal) && !(await this.knows(request.service))) throw unknownService(request.service, error);
      throw error;
    }
  }

  applyPolicy(input: PolicyInput, actor: Actor): Promise<ChangeOutcome<Policy>> {
    return this.change((releases) => releases.applyPolicy(input, actor));
  }

  async deletePolicy(id: string, actor: Actor): Promise<ChangeOutcome<Policy>> {
    try {
      return await this.change((releases) => releases.deletePolicy(id, actor));
    } catch (error) {
      if (error instanceof ValidationError && !(await this.policies().catch(() => [])).some((p) => p.id === id)) throw new NotFoundError(error.message, { cause: error });
      throw error;
    }
  }

  /** The newest commit of the branch, checked out read-only. */
  async read(): Promise<RepoRevision> {
    return openRevision(this.options.git, this.options.repo, await this.branch());
  }

  async services(): Promise<ServiceSummary[]> {
    const { dir, project } = await this.read();
    return Promise.all(
      (await listServices(dir)).map(async (service): Promise<ServiceSummary> => {
        const status = await readServiceStatus(dir, project, service);
        const newest = status.artifacts[0];
        return {
          service,
          artifacts: status.artifacts.length,
          ...(newest ? { newestArtifact: { id: newest.id, branch: newest.branch, builtAt: newest.builtAt } } : {}),
          environments: status.environments.map((e) => ({
            env: e.env,
            ...(e.release
              ? { artifact: e.release.artifact, ...(e.artifact ? { branch: e.artifact.branch } : {}), action: e.release.action, releasedAt: e.release.releasedAt, releasedBy: e.release.releasedBy }
              : {}),
          })),
        };
      }),
    );
  }

  /** A service's release state in every environment; NotFoundError when it has no artifacts and no releases. */
  async service(service: string): Promise<{ revision: string; status: ServiceStatus }> {
    const { dir, project, commit } = await this.read();
    const status = await readServiceStatus(dir, project, service);
    if (status.artifacts.length === 0 && status.environments.every((e) => !e.release)) throw unknownService(service);
    return { revision: commit, status };
  }

  async policies(): Promise<Policy[]> {
    return readPolicies((await this.read()).dir);
  }

  /** The release history of the branch (commits touching `releases/`), newest first. */
  async log(filter: ReleaseLogFilter, maxCount: number): Promise<ReleaseLogEntry[]> {
    const entries = await this.options.git.log(this.options.repo, await this.branch(), { path: 'releases', maxCount: Math.max(maxCount * 4, 200), fetch: 'always' });
    return releaseLog(entries, filter).slice(0, maxCount);
  }

  /** Runs `work` when the changes asked before it are done. */
  private change<T>(work: (releases: Releases) => Promise<T>): Promise<T> {
    const run = this.queue.then(async () => work(await this.open()));
    this.queue = run.catch(() => undefined);
    return run;
  }

  private open(): Promise<Releases> {
    if (this.options.releases) return Promise.resolve(this.options.releases);
    const opened = (this.opened ??= (async () => {
      const { repo, git, engine } = this.options;
      const writer = new CloneWriter({
        dir: this.options.dir ?? path.join(git.dir, 'work', `${parseRemote(repo).cacheName}.agent`),
        remote: repo,
        branch: await this.branch(),
        committer: this.options.committer ?? { name: 'capstan', email: 'capstan@users.capstan.invalid' },
      });
      return new Releases({ writer, gate: healthyForGate(engine), now: this.options.now, commit: this.options.commit });
    })());
    // a failure (the remote did not answer) is not kept: the next change tries again
    opened.catch(() => {
      if (this.opened === opened) this.opened = undefined;
    });
    return opened;
  }

  private branch(): Promise<string> {
    if (this.options.branch !== undefined) return Promise.resolve(this.options.branch);
    const found = (this.branchName ??= this.options.git.defaultBranch(this.options.repo).then((branch) => {
      if (branch === undefined) throw new ValidationError(`${parseRemote(this.options.repo).display} names no default branch: start the agent with --branch <name> to release to it`);
      return branch;
    }));
    found.catch(() => {
      if (this.branchName === found) this.branchName = undefined;
    });
    return found;
  }

  /** Whether the config repo has artifacts or releases of a service (asked when a change was refused: a service it does not know is a 404). */
  private async knows(service: string): Promise<boolean> {
    return (await this.read().then(({ dir }) => listServices(dir)).catch(() => [service])).includes(service);
  }
}

function unknownService(service: string, cause?: Error): NotFoundError {
  return new NotFoundError(`service "${service}" has no artifacts and no releases in the config repo: push one with capstan artifact push --service ${service} --branch <b> <dir>`, cause ? { cause } : undefined);
}
