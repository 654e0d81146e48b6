/**
 * The agent (pull mode): keeps every app of its environments in sync with a branch of the config
 * repo by driving the Engine. This file wires its parts together and is what server/ talks to
 * (`AgentApi`):
 * - app-table.ts: the apps at the current revision, their state, and the events it emits;
 * - revisions.ts: fetching the branch and following capstan.yaml from commit to commit;
 * - scheduler.ts: the queue, one operation per app, dependencies first, a concurrency limit;
 * - reconciler.ts: compare an app with git, decide (decide.ts), sync, record the outcome;
 * - retry-policy.ts: backoff and retries of failing apps;
 * - triggers.ts: poll, sync windows, drift, other capstan processes, shards, dependencies;
 * - orphans.ts: apps removed from capstan.yaml whose objects are still there.
 *
 * Nothing is kept outside git and the cluster: what an app applied and its history are the
 * engine's inventory, so a restarted agent (or another replica) picks up where this one stopped.
 */
import { ConflictError, NotFoundError, ValidationError } from '../core/index.ts';
import type { RetryOptions } from '../config/index.ts';
import type { DiffReport, Engine, RepoRevision } from '../engine/index.ts';
import type { HistoryEntry, Inventory, InventoryObject } from '../inventory/index.ts';
import type { KubeClient, LogStream } from '../kube/index.ts';
import type { GitCache, Remote } from '../source/index.ts';
import { AppTable, type Tracked } from './app-table.ts';
import { isoNow, message } from './helpers.ts';
import type { InventoryWatcherApi } from './inventory-watcher.ts';
import { silentLogger, type AgentLogger } from './logger.ts';
import { Orphans } from './orphans.ts';
import { ReleaseWatch } from './release-watch.ts';
import { disabledNotifier, type CrashReport, type KubeEventRecorder, type NotificationEvent, type Notifier, type ReleaseInfo } from '../notify/index.ts';
import { objectEvents, podLog, readObject, type AppScope } from './app-objects.ts';
import { CrashWatcher, type CrashWatcherOptions } from './crash-watcher.ts';
import { AgentNotifications } from './notifications.ts';
import { runningRelease, type Releases } from '../release/index.ts';
import { Reconciler, reconcileEngine } from './reconciler.ts';
import { appResources } from './resources.ts';
import { RetryPolicy } from './retry-policy.ts';
import { Revisions, type Cause } from './revisions.ts';
import { Scheduler, type Job } from './scheduler.ts';
import { Triggers } from './triggers.ts';
import { appId, noMetrics, type AgentApi, type AgentEvent, type AgentMetrics, type AppRef, type AppState, type CommitInfo, type DriftWatcherApi, type DriftWatcherOptions, type LiveObject, type ObjectEvent, type ObjectRef, type PodLogRequest, type RefreshOptions, type ResourceState, type ShardCoordinatorApi, type SyncActionOptions, type SyncActionResult, type Trigger } from './types.ts';

/** Builds the drift watcher once the agent exists, given the callback that reports drift to it. */
export type DriftWatcherFactory = (onDrift: DriftWatcherOptions['onDrift']) => DriftWatcherApi;

/** Builds the inventory watcher once the agent exists, given the callback that reports a changed inventory. */
export type InventoryWatcherFactory = (onChange: (inventory: Inventory) => void) => InventoryWatcherApi;

export interface AgentOptions {
  engine: Engine;
  /** The config repo. */
  repo: Remote;
  /**
   * A client for a kubeconfig context: the same function the engine was given (with the same
   * `context` override applied), used for live health and resources.
   */
  clientFor(context: string | undefined): Promise<KubeClient>;
  /**
   * The engine's git cache, to list the files a commit changed (`git diff --name-only`). Without
   * it the two checked-out trees are compared file by file.
   */
  git?: GitCache;
  /** The branch watched; default the remote's HEAD branch. */
  branch?: string;
  /** The environments reconciled; default every environment of capstan.yaml. */
  envs?: string[];
  /** How often git is fetched; default 60 s; 0 turns polling off (webhooks and refresh only). */
  pollIntervalMs?: number;
  /** Syncs running at once across all apps; default 4. */
  concurrency?: number;
  /** Overrides every app's `syncOptions.retry` (tests and benchmarks). */
  backoff?: Partial<RetryOptions>;
  /** How often closed sync windows are re-checked for deferred syncs; default 30 s. */
  windowCheckIntervalMs?: number;
  /** Watches the apps' objects; a factory is given the agent's drift callback. Default: no drift watch. */
  driftWatcher?: DriftWatcherApi | DriftWatcherFactory;
  /**
   * Watches the inventories, to follow what other capstan processes apply, roll back or delete;
   * a factory is given the agent's callback. Default: none (seen at the app's next check).
   */
  inventoryWatcher?: InventoryWatcherFactory;
  /** Splits the apps between replicas; the agent starts and stops it. Default: this agent owns every app. */
  shards?: ShardCoordinatorApi;
  metrics?: AgentMetrics;
  logger?: AgentLogger;
  /** Recorded in the history for automatic syncs; default `agent`. */
  who?: string;
  /** The clock sync windows are read with (tests). */
  now?: () => Date;
  /** Commits auto-releases for artifacts that reach the repo without them (release management); default: none. */
  releases?: Releases;
  /**
   * Where notifications go: the agent's own (a sync failing, once per streak; drift; crashes) and
   * release management's, through `agent.notifier`. Its targets follow capstan.yaml's
   * `notifications:` at each revision. Default: none.
   */
  notifier?: Notifier;
  /** Records each sync result, and each crash, as a Kubernetes Event. Default: none. */
  events?: KubeEventRecorder;
  /** Watches the pods of the apps for crashes, reported to the notifier and as Events (`true`, or tuning). Default: off. */
  watchCrashes?: boolean | Pick<CrashWatcherOptions, 'logLines' | 'episodeQuietMs' | 'backoffMs' | 'maxBackoffMs'>;
  /** The release running in an app's environment (artifact, author, commit), for crash reports. Default: none. */
  releaseInfo?: (ref: { app: string; env: string }) => Promise<ReleaseInfo | undefined>;
}

const defaultConcurrency = 4;

/** Creates an agent; call `start()` to fetch and run the first reconcile pass. */
export function createAgent(options: AgentOptions): Agent {
  return new Agent(options);
}

export class Agent implements AgentApi {
  private readonly log: AgentLogger;
  private readonly table: AppTable;
  private readonly scheduler: Scheduler<Tracked>;
  private readonly retries: RetryPolicy<Tracked>;
  private readonly reconciler: Reconciler;
  private readonly revisions: Revisions;
  private readonly orphans: Orphans;
  private readonly triggers: Triggers;
  private readonly crashWatcher?: CrashWatcher;
  private started = false;
  private stopping = false;
  /** Where the agent's and release management's notifications go (`AgentOptions.notifier`; one that drops them without). */
  readonly notifier: Notifier;

  constructor(private readonly options: AgentOptions) {
    const log = (this.log = (options.logger ?? silentLogger).child({ component: 'agent' }));
    const metrics = options.metrics ?? noMetrics;
    const now = options.now ?? (() => new Date());
    const stopping = (): boolean => this.stopping;
    const head = (): RepoRevision | undefined => this.revisions.head;
    const reconcileLater = (t: Tracked, trigger: Trigger, who?: string): Promise<unknown> => this.reconcileLater(t, trigger, who);
    const untrack = (t: Tracked, reason: string): void => this.untrack(t, reason);
    const checkOrphans = (): Promise<void> => this.orphans.check();
    const apps = (this.table = new AppTable(log));
    this.scheduler = new Scheduler<Tracked>({
      concurrency: options.concurrency ?? defaultConcurrency,
      run: (t, job) => this.run(t, job),
      find: (ref) => apps.find(ref),
      operation: (t, operation) => apps.patch(t, { operation }),
      queueDepth: (depth) => metrics.queueDepth(depth),
      added: (t, job) => {
        // new work for the app compares it again: the retry that is due is pointless
        if (job.kind === 'reconcile' || job.trigger !== 'retry') this.retries.cancel(t);
      },
      settled: (t) => {
        // an inventory another capstan process changed while the app was busy is looked at now
        if (t.external && !t.queued) this.triggers.inventoryChanged(t.external);
      },
    });
    this.retries = new RetryPolicy<Tracked>({
      backoff: options.backoff,
      now,
      stopping,
      patch: (t, change) => apps.patch(t, change),
      retry: (t) => {
        if (apps.holds(t)) void reconcileLater(t, 'retry');
      },
    });
    const engine = reconcileEngine(options.engine, options.repo, options.clientFor);
    this.notifier = options.notifier ?? disabledNotifier;
    if (options.watchCrashes) {
      const tuning = typeof options.watchCrashes === 'object' ? options.watchCrashes : {};
      // by default, the release an app of type: artifact runs is read from the commit it was synced to
      const releaseInfo =
        options.releaseInfo ??
        (async (ref: AppRef): Promise<ReleaseInfo | undefined> => {
          const t = apps.find(ref);
          const revision = t?.state.revision || head()?.commit;
          if (!t || t.app.type !== 'artifact' || !revision) return undefined;
          return runningRelease((await options.engine.open(options.repo, revision)).dir, t.app);
        });
      this.crashWatcher = new CrashWatcher({ ...tuning, clientFor: options.clientFor, notifier: this.notifier, events: options.events, releaseInfo, logger: log, now });
    }
    const notifications = new AgentNotifications({ notifier: this.notifier, events: options.events, head, clusterOf: (ref) => apps.find(ref)?.app.cluster });
    apps.subscribe((event) => notifications.handle(event));
    const owns = (t: Tracked, objects: readonly InventoryObject[]): void => {
      this.triggers.watch(t, objects);
      this.crashWatcher?.track(t.ref, t.app.cluster, objects);
    };
    const synced = (t: Tracked): void => this.triggers.dependencySynced(t);
    this.reconciler = new Reconciler({ engine, apps, retries: this.retries, metrics, log, who: options.who ?? 'agent', now, head, owns, synced });
    const releaseWatch = new ReleaseWatch({
      repo: options.repo,
      git: options.git,
      releases: options.releases,
      actor: { name: options.who ?? 'agent', identity: { name: `capstan ${options.who ?? 'agent'}`, email: 'agent@capstan.invalid' } },
      notify: (event) => this.notify(event),
      runs: (env) => [...apps.all()].some((t) => t.ref.env === env && t.owned),
      log,
    });
    const newCommit = (old: RepoRevision, next: RepoRevision, files: string[]): Promise<void> => releaseWatch.onCommits(old, next, files);
    this.revisions = new Revisions({ ...options, apps, metrics, log, now, stopping, reconcileLater, untrack, checkOrphans, newCommit });
    this.orphans = new Orphans({ ...options, log, head, tracked: (id) => apps.has(id), stopping, emit: (event) => apps.emit(event) });
    this.triggers = new Triggers({
      ...options,
      apps,
      reconciler: this.reconciler,
      log,
      now,
      head,
      running: () => this.started && !this.stopping,
      stopping,
      advance: (trigger) => this.revisions.advance(trigger),
      checkOrphans,
      isOrphan: (id) => this.orphans.has(id),
      reconcileLater,
      untrack,
    });
  }

  /** Where the agent commits release management (the API's releases use it too); undefined without one. */
  get releases(): Releases | undefined {
    return this.options.releases;
  }

  /** Hands an event to the notifier (release management's announcements and refusals). */
  private notify(event: NotificationEvent): void {
    this.notifier.notify(event);
  }

  /** Fetches, loads capstan.yaml, and schedules the first reconcile pass of every owned app. */
  async start(): Promise<void> {
    if (this.started) return;
    this.started = true;
    this.stopping = false;
    this.scheduler.start();
    this.reconciler.start();
    this.triggers.watchDrift();
    await this.triggers.followShards();
    await this.revisions.advance('startup');
    void this.orphans.check();
    this.triggers.followInventories();
    this.triggers.startTimers();
    this.log.info({ revision: this.revisions.head?.commit, apps: this.table.size, owned: this.table.owned().length }, 'agent started');
  }

  /** Stops polling and retries, waits for running syncs, drops queued work, stops the drift watcher (and the shard coordinator). */
  async stop(): Promise<void> {
    if (!this.started) return;
    this.stopping = true;
    this.triggers.stopTimers();
    for (const t of this.table.all()) this.retries.cancel(t);
    const drained = this.scheduler.stop();
    this.reconciler.stop();
    await drained;
    await this.triggers.stop();
    await this.crashWatcher?.stop();
    this.started = false;
    this.log.info({}, 'agent stopped');
  }

  apps(): AppState[] {
    return [...this.table.ordered().map((t) => t.state), ...this.orphans.states()].map((state) => structuredClone(state));
  }

  app(ref: AppRef): AppState | undefined {
    const state = this.table.find(ref)?.state ?? this.orphans.get(appId(ref));
    return state ? structuredClone(state) : undefined;
  }

  ready(): boolean {
    if (!this.revisions.head) return false;
    for (const t of this.table.all()) if (t.owned && !t.checked) return false;
    return true;
  }

  /** Resolves when nothing is queued or running (tests and `capstan up`). */
  idle(): Promise<void> {
    return this.scheduler.idle();
  }

  subscribe(listener: (event: AgentEvent) => void): () => void {
    return this.table.subscribe(listener);
  }

  async resources(ref: AppRef): Promise<ResourceState[]> {
    const t = this.table.get(ref);
    const checkout = this.current();
    return appResources(this.options.engine, await this.options.clientFor(t.app.cluster), checkout, t.app, this.log);
  }

  async diff(ref: AppRef): Promise<DiffReport> {
    const t = this.table.get(ref);
    return this.options.engine.diff(this.current(), t.ref.app, t.ref.env);
  }

  async history(ref: AppRef): Promise<HistoryEntry[]> {
    const t = this.table.get(ref);
    return (await this.options.engine.history(this.current(), t.ref.app, t.ref.env)).history;
  }

  async object(ref: AppRef, object: ObjectRef): Promise<LiveObject> {
    return readObject(await this.scope(ref), object);
  }

  async objectEvents(ref: AppRef, object: ObjectRef): Promise<ObjectEvent[]> {
    return objectEvents(await this.scope(ref), object);
  }

  async logs(ref: AppRef, request: PodLogRequest, onLine: (line: string) => void): Promise<LogStream> {
    return podLog(await this.scope(ref), request, onLine);
  }

  /** Deletes what the app applied, as one operation of the app's (never beside a sync of it); see `AgentApi.delete`. */
  async delete(ref: AppRef, options: { who: string }): Promise<SyncActionResult> {
    const t = this.owned(ref);
    const result = await this.scheduler.schedule(t, { kind: 'delete', trigger: 'manual', since: isoNow(), delete: { ...options }, waiters: [] });
    if (!result) throw new ValidationError(`app ${t.id}: the delete did not run`);
    return result;
  }

  crashes(): CrashReport[] {
    return this.crashWatcher?.reported() ?? [];
  }

  async commit(sha: string): Promise<CommitInfo> {
    const git = this.options.git;
    if (!git) throw new NotFoundError(`commit ${sha}: this agent reads no commits (it was started without a git cache)`);
    const found = await git.commit(this.options.repo, sha);
    return { sha: found.sha, subject: found.subject, author: `${found.author.name} <${found.author.email}>`, time: found.author.date };
  }

  async sync(ref: AppRef, options: SyncActionOptions): Promise<SyncActionResult> {
    const t = this.owned(ref);
    const result = await this.scheduler.schedule(t, { kind: 'sync', trigger: 'manual', since: isoNow(), sync: { ...options }, waiters: [] });
    if (!result) throw new ValidationError(`app ${t.id}: the sync did not run`);
    return result;
  }

  async rollback(ref: AppRef, options: { who: string; to?: number }): Promise<SyncActionResult> {
    const t = this.owned(ref);
    const result = await this.scheduler.schedule(t, { kind: 'rollback', trigger: 'manual', since: isoNow(), rollback: { ...options }, waiters: [] });
    if (!result) throw new ValidationError(`app ${t.id}: the rollback did not run`);
    return result;
  }

  /**
   * Fetches git now and reconciles the apps the new commit touched. With `ref`, that app is
   * re-checked too; a `manual` refresh without `ref` re-checks every owned app. Resolves when the
   * apps it scheduled have been reconciled.
   */
  async refresh(trigger: Trigger, ref?: AppRef, options: RefreshOptions = {}): Promise<void> {
    const target = ref ? this.table.get(ref) : undefined;
    const cause: Cause = { trigger, who: options.who };
    if (options.revision) this.revisions.noteCause(options.revision, cause);
    const scheduled = await this.revisions.advance(cause);
    this.triggers.recheckWindows();
    const extra: Promise<unknown>[] = [];
    if (target) {
      this.checkOwned(target);
      extra.push(this.reconcileLater(target, trigger, options.who));
    } else if (trigger === 'manual') {
      for (const t of this.table.owned()) extra.push(this.reconcileLater(t, trigger, options.who));
      extra.push(this.orphans.check());
    }
    await Promise.allSettled([...scheduled, ...extra]);
  }

  /**
   * Objects of an app changed, and not by capstan's own apply (what the drift watcher calls): the
   * app is compared with git again. Drift is what that comparison finds in values (recorded,
   * counted, and with selfHeal synced away); a change that leaves git's values in place is not.
   */
  reportDrift(ref: AppRef, objects: string[]): void {
    this.triggers.reportDrift(ref, objects);
  }

  /**
   * An inventory changed (what the inventory watcher calls). A history entry the agent did not
   * write is another capstan process's apply, rollback or delete: the app's revision and last sync
   * follow it at once, and the app is compared with git (automatic syncs away from it only with
   * selfHeal, never away from a rollback until a new commit comes).
   */
  inventoryChanged(inventory: Inventory): void {
    this.triggers.inventoryChanged(inventory);
  }

  /** Runs one job of the scheduler's: a reconcile, or a sync or rollback asked for. */
  private async run(t: Tracked, job: Job): Promise<SyncActionResult | undefined> {
    try {
      if (job.kind === 'reconcile') return await this.reconciler.reconcile(t, job.trigger, job.who);
      return job.kind === 'delete' ? await this.reconciler.delete(t, job) : await this.reconciler.sync(t, job);
    } finally {
      t.checked = true;
    }
  }

  private reconcileLater(t: Tracked, trigger: Trigger, who?: string): Promise<SyncActionResult | undefined> {
    return this.scheduler.schedule(t, { kind: 'reconcile', trigger, ...(who ? { who } : {}), since: isoNow(), waiters: [] }).catch((error: unknown) => {
      this.log.warn({ app: t.ref.app, env: t.ref.env, err: message(error) }, `reconcile of ${t.id} did not run: ${message(error)}`);
      return undefined;
    });
  }

  /** Stops the agent's work on an app: retries, queued jobs, deferred syncs, drift watch. A running sync finishes. */
  private untrack(t: Tracked, reason: string): void {
    this.retries.cancel(t);
    t.deferred = undefined;
    this.scheduler.remove(t, reason);
    if (!t.running) this.table.patch(t, { operation: undefined, nextRetryAt: undefined });
    this.triggers.unwatch(t);
    this.crashWatcher?.track(t.ref, t.app.cluster, []);
  }

  /** The app, when this replica reconciles it. */
  private owned(ref: AppRef): Tracked {
    const t = this.table.get(ref);
    this.checkOwned(t);
    return t;
  }

  private checkOwned(t: Tracked): void {
    if (!t.owned) throw new ConflictError(`app ${t.id} is reconciled by agent replica ${this.options.shards?.ownerOf(t.ref) ?? 'another replica'}, not ${this.options.shards?.identity ?? 'this one'}: ask that replica`);
  }

  /** What an app applied and its cluster's client: the objects the API may show of it. */
  private async scope(ref: AppRef): Promise<AppScope> {
    const t = this.table.get(ref);
    const [client, inventory] = await Promise.all([this.options.clientFor(t.app.cluster), this.options.engine.history(this.current(), t.ref.app, t.ref.env)]);
    return { ref: t.ref, client, inventory };
  }

  private current(): RepoRevision {
    const head = this.revisions.head;
    if (!head) throw new ValidationError('the agent has not fetched the config repo yet: start it first');
    return head;
  }
}
