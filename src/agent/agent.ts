/**
 * The agent (pull mode): keeps every app of its environments in sync with a branch of the config
 * repo by driving the Engine. Scheduling lives here: a FIFO queue with a global concurrency limit,
 * one operation per app at a time, dependencies first, backoff and retry for failing apps, sync
 * windows, drift handling and sharding between replicas.
 *
 * Nothing is kept outside git and the cluster: what an app applied and its history are the
 * engine's inventory, so a restarted agent (or another replica) picks up where this one stopped.
 */
import { ConflictError, NotFoundError, ValidationError, formatKey, keyOf, keyString, type CapstanError, type HealthStatusCode } from '../core/index.ts';
import { appsInEnvironment, projectFileName, type AppEnvironment, type Project, type RetryOptions } from '../config/index.ts';
import type { DiffReport, Engine, RepoRevision, SyncResult } from '../engine/index.ts';
import { assessHealth } from '../health/index.ts';
import type { HistoryEntry, Inventory, InventoryObject } from '../inventory/index.ts';
import type { KubeClient } from '../kube/index.ts';
import type { GitCache, Remote } from '../source/index.ts';
import { appInputs, touches } from './app-inputs.ts';
import { silentLogger, type AgentLogger } from './logger.ts';
import { syncWindowOpen } from './sync-windows.ts';
import { diffTrees } from './tree-diff.ts';
import { ownedTree, uidOf } from './resource-tree.ts';
import type { InventoryWatcherApi } from './inventory-watcher.ts';
import {
  appId,
  noMetrics,
  type AgentApi,
  type AgentEvent,
  type AgentMetrics,
  type AppRef,
  type AppState,
  type DriftWatcherApi,
  type DriftWatcherOptions,
  type LastSync,
  type RefreshOptions,
  type ResourceNode,
  type ResourceState,
  type ShardCoordinatorApi,
  type SyncActionOptions,
  type SyncActionResult,
  type Trigger,
} from './types.ts';

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
}

type JobKind = 'reconcile' | 'sync' | 'rollback';

interface Waiter {
  resolve(result: SyncActionResult | undefined): void;
  reject(error: unknown): void;
}

/** One operation on one app, waiting in the queue or to run after the current one. */
interface Job {
  kind: JobKind;
  trigger: Trigger;
  /** For a reconcile: who caused it (a pusher, a webhook's sender), recorded if it syncs; default the agent. */
  who?: string;
  since: string;
  sync?: SyncActionOptions;
  rollback?: { who: string; to?: number };
  waiters: Waiter[];
}

/** The agent's bookkeeping of one app in one environment. */
interface Tracked {
  ref: AppRef;
  id: string;
  /** Resolved at the agent's current revision. */
  app: AppEnvironment;
  /** JSON of `app`, to see whether a capstan.yaml change concerns it. */
  settings: string;
  state: AppState;
  jobs: Job[];
  queued: boolean;
  running: boolean;
  owned: boolean;
  /** The first reconcile since it became owned has finished. */
  checked: boolean;
  /** An automatic sync is waiting for the sync window: its trigger, and who caused it. */
  deferred?: Trigger;
  deferredWho?: string;
  retryTimer?: NodeJS.Timeout;
  /** Automatic retries used at `attemptsRevision`. */
  attempts: number;
  attemptsRevision: string;
  /** What the drift watcher was last told (keys), to tell it only about changes. */
  trackedObjects?: string;
  /** When a poll last re-checked it (apps with their own `syncOptions.pollInterval`). */
  polledAt?: number;
  /** Objects the drift watcher saw change, to be compared with git by value at the next reconcile. */
  suspects?: Set<string>;
  /** An inventory changed by another capstan process while this app was busy: looked at afterwards. */
  external?: Inventory;
}

/** Who and what brought a commit, for the syncs it leads to (see `RefreshOptions.revision`). */
interface Cause {
  trigger: Trigger;
  who?: string;
}

/** Causes of commits not fetched yet, kept at most. */
const maxCauses = 64;

const defaultPollIntervalMs = 60_000;
const defaultConcurrency = 4;
const defaultWindowCheckMs = 30_000;

/** Creates an agent; call `start()` to fetch and run the first reconcile pass. */
export function createAgent(options: AgentOptions): Agent {
  return new Agent(options);
}

export class Agent implements AgentApi {
  private readonly engine: Engine;
  private readonly log: AgentLogger;
  private readonly metrics: AgentMetrics;
  private readonly who: string;
  private readonly concurrency: number;
  private readonly now: () => Date;
  private readonly listeners = new Set<(event: AgentEvent) => void>();
  private readonly tracked = new Map<string, Tracked>();
  /** Apps removed from capstan.yaml whose objects are still in the cluster, by id. */
  private readonly orphans = new Map<string, AppState>();
  private orphansChecking: Promise<void> | undefined;
  private orphansAgain = false;
  /** Ids in the order `apps()` lists them: environment order, then declaration order. */
  private order: string[] = [];
  private readonly queue: Tracked[] = [];
  private readonly running = new Set<Promise<void>>();
  private head?: RepoRevision;
  /** Commits pushed or announced by a webhook, and who did it, until a fetch brings them. */
  private readonly causes = new Map<string, Cause>();
  private revisionLock: Promise<unknown> = Promise.resolve();
  private driftWatcher?: DriftWatcherApi;
  private inventoryWatcher?: InventoryWatcherApi;
  private pollTimer?: NodeJS.Timeout;
  private windowTimer?: NodeJS.Timeout;
  private unsubscribeShards?: () => void;
  private started = false;
  private stopping = false;
  /** Aborted by stop(): running syncs stop waiting, record themselves and let go of their locks. */
  private stopSignal = new AbortController();

  constructor(private readonly options: AgentOptions) {
    this.engine = options.engine;
    this.log = (options.logger ?? silentLogger).child({ component: 'agent' });
    this.metrics = options.metrics ?? noMetrics;
    this.who = options.who ?? 'agent';
    this.concurrency = Math.max(1, options.concurrency ?? defaultConcurrency);
    this.now = options.now ?? (() => new Date());
  }

  /** Fetches, loads capstan.yaml, and schedules the first reconcile pass of every owned app. */
  async start(): Promise<void> {
    if (this.started) return;
    this.started = true;
    this.stopping = false;
    this.stopSignal = new AbortController();
    const watcher = this.options.driftWatcher;
    this.driftWatcher = typeof watcher === 'function' ? watcher((ref, objects) => this.reportDrift(ref, objects)) : watcher;
    if (this.options.shards) {
      await this.options.shards.start();
      this.unsubscribeShards = this.options.shards.onChange(() => this.membershipChanged());
    }
    await this.advance('startup');
    void this.checkOrphans();
    this.inventoryWatcher = this.options.inventoryWatcher?.((inventory) => this.inventoryChanged(inventory));
    this.inventoryWatcher?.start();
    if (this.pollTick() > 0) this.schedulePoll();
    this.windowTimer = setInterval(() => this.recheckWindows(), this.options.windowCheckIntervalMs ?? defaultWindowCheckMs);
    this.windowTimer.unref();
    this.log.info({ revision: this.head?.commit, apps: this.tracked.size, owned: this.ownedApps().length }, 'agent started');
  }

  /** Stops polling and retries, waits for running syncs, drops queued work, stops the drift watcher (and the shard coordinator). */
  async stop(): Promise<void> {
    if (!this.started) return;
    this.stopping = true;
    clearTimeout(this.pollTimer);
    clearInterval(this.windowTimer);
    this.unsubscribeShards?.();
    for (const t of this.tracked.values()) {
      clearTimeout(t.retryTimer);
      t.retryTimer = undefined;
    }
    for (const t of this.queue.splice(0)) {
      t.queued = false;
      this.patch(t, { operation: undefined });
    }
    for (const t of this.tracked.values()) this.dropJobs(t, 'the agent stopped');
    this.metrics.queueDepth(0);
    this.stopSignal.abort('the agent is stopping');
    while (this.running.size > 0) await Promise.allSettled([...this.running]);
    await this.driftWatcher?.stop();
    await this.inventoryWatcher?.stop();
    this.inventoryWatcher = undefined;
    await this.options.shards?.stop();
    this.started = false;
    this.log.info({}, 'agent stopped');
  }

  apps(): AppState[] {
    const tracked = this.order.map((id) => this.tracked.get(id)).filter((t): t is Tracked => t !== undefined).map((t) => structuredClone(t.state));
    return [...tracked, ...[...this.orphans.values()].map((state) => structuredClone(state))];
  }

  app(ref: AppRef): AppState | undefined {
    const t = this.tracked.get(appId(ref));
    const state = t?.state ?? this.orphans.get(appId(ref));
    return state ? structuredClone(state) : undefined;
  }

  ready(): boolean {
    if (!this.head) return false;
    for (const t of this.tracked.values()) if (t.owned && !t.checked) return false;
    return true;
  }

  /** Resolves when nothing is queued or running (tests and `capstan up`). */
  async idle(): Promise<void> {
    while (this.running.size > 0 || this.queue.length > 0) {
      if (this.running.size > 0) await Promise.allSettled([...this.running]);
      else await new Promise((resolve) => setTimeout(resolve, 10));
    }
  }

  subscribe(listener: (event: AgentEvent) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  async resources(ref: AppRef): Promise<ResourceState[]> {
    const t = this.get(ref);
    const checkout = this.current();
    const client = await this.options.clientFor(t.app.cluster);
    const [inventory, report, rendered] = await Promise.all([
      this.engine.history(checkout, t.ref.app, t.ref.env),
      this.engine.diff(checkout, t.ref.app, t.ref.env),
      this.engine.render(checkout, t.ref.app, t.ref.env, client),
    ]);
    const objects = new Map<string, InventoryObject>();
    for (const o of rendered.objects) objects.set(keyString(keyOf(o.manifest)), { apiVersion: o.manifest.apiVersion, key: keyOf(o.manifest) });
    for (const o of inventory.objects) if (!objects.has(keyString(o.key))) objects.set(keyString(o.key), o);
    const differs = new Set(report.diffs.map((d) => keyString(d.key)));
    const rules = t.app.health;
    const live = await Promise.all([...objects.values()].map(async (o) => ({ o, object: await client.get(o.apiVersion, o.key) })));
    // what the objects own (ReplicaSets, Pods, Jobs): shown, not judged; a cluster that will not list them leaves them out
    const owned = await ownedTree(client, live.flatMap((l) => (l.object ? [l.object] : []))).catch((error: unknown) => {
      this.log.warn({ app: t.ref.app, env: t.ref.env, err: message(error) }, `${t.id}: the objects its objects own could not be listed: ${message(error)}`);
      return new Map<string, ResourceNode[]>();
    });
    return live.map(({ o, object }) => {
      const health = assessHealth(object, { rules });
      const state: ResourceState = { apiVersion: o.apiVersion, key: o.key, health: health.status, sync: differs.has(keyString(o.key)) ? 'OutOfSync' : 'Synced' };
      if (health.message) state.healthMessage = health.message;
      const children = object && owned.get(uidOf(object) ?? '');
      if (children) state.children = children;
      return state;
    });
  }

  async diff(ref: AppRef): Promise<DiffReport> {
    const t = this.get(ref);
    return this.engine.diff(this.current(), t.ref.app, t.ref.env);
  }

  async history(ref: AppRef): Promise<HistoryEntry[]> {
    const t = this.get(ref);
    return (await this.engine.history(this.current(), t.ref.app, t.ref.env)).history;
  }

  async sync(ref: AppRef, options: SyncActionOptions): Promise<SyncActionResult> {
    const t = this.get(ref);
    this.checkOwned(t);
    const result = await this.schedule(t, { kind: 'sync', trigger: 'manual', since: this.isoNow(), sync: { ...options }, waiters: [] });
    if (!result) throw new ValidationError(`app ${t.id}: the sync did not run`);
    return result;
  }

  async rollback(ref: AppRef, options: { who: string; to?: number }): Promise<SyncActionResult> {
    const t = this.get(ref);
    this.checkOwned(t);
    const result = await this.schedule(t, { kind: 'rollback', trigger: 'manual', since: this.isoNow(), rollback: { ...options }, waiters: [] });
    if (!result) throw new ValidationError(`app ${t.id}: the rollback did not run`);
    return result;
  }

  /**
   * Fetches git now and reconciles the apps the new commit touched. With `ref`, that app is
   * re-checked too; a `manual` refresh without `ref` re-checks every owned app. Resolves when the
   * apps it scheduled have been reconciled.
   */
  async refresh(trigger: Trigger, ref?: AppRef, options: RefreshOptions = {}): Promise<void> {
    const target = ref ? this.get(ref) : undefined;
    const cause: Cause = { trigger, who: options.who };
    if (options.revision) this.noteCause(options.revision, cause);
    const scheduled = await this.advance(cause);
    this.recheckWindows();
    const extra: Promise<unknown>[] = [];
    if (target) {
      this.checkOwned(target);
      extra.push(this.reconcileLater(target, trigger, options.who));
    } else if (trigger === 'manual') {
      for (const t of this.ownedApps()) extra.push(this.reconcileLater(t, trigger, options.who));
      extra.push(this.checkOrphans());
    }
    await Promise.allSettled([...scheduled, ...extra]);
  }

  /**
   * Objects of an app changed, and not by capstan's own apply (what the drift watcher calls): the
   * app is compared with git again. Drift is what that comparison finds in values (recorded,
   * counted, and with selfHeal synced away); a change that leaves git's values in place is not.
   */
  reportDrift(ref: AppRef, objects: string[]): void {
    const t = this.tracked.get(appId(ref));
    if (!t || !t.owned || this.stopping) return;
    t.suspects = new Set([...(t.suspects ?? []), ...objects]);
    this.log.info({ app: ref.app, env: ref.env, objects }, `${objects.join(', ')} changed in the cluster: comparing ${t.id} with git`);
    void this.reconcileLater(t, 'drift');
  }

  /**
   * An inventory changed (what the inventory watcher calls). A history entry the agent did not
   * write is another capstan process's apply, rollback or delete: the app's revision and last sync
   * follow it at once, and the app is compared with git (automatic syncs away from it only with
   * selfHeal, never away from a rollback until a new commit comes).
   */
  inventoryChanged(inventory: Inventory): void {
    const t = this.tracked.get(appId({ app: inventory.app, env: inventory.env }));
    if (!t) {
      // an app capstan.yaml does not (or no longer) declare: is it, or is it no longer, orphaned?
      if (this.orphans.has(appId({ app: inventory.app, env: inventory.env })) || inventory.objects.length > 0) void this.checkOrphans();
      return;
    }
    // before the first check the agent has not read the inventory yet: that check will
    if (!t.owned || !t.checked || this.stopping) return;
    if (t.running || t.queued) {
      t.external = inventory;
      return;
    }
    t.external = undefined;
    const last = inventory.history.at(-1);
    if (!last || last.id === t.state.lastSync?.id) return;
    const moved = inventory.revision !== this.head?.commit || last.operation === 'delete';
    this.patch(t, { revision: inventory.revision, lastSync: lastSyncOf(last, 'external'), ...(moved ? { sync: 'OutOfSync' as const } : {}) });
    this.log.info({ app: t.ref.app, env: t.ref.env, revision: inventory.revision, who: last.who }, `${t.id}: ${last.operation} #${last.id} of ${short(last.revision)} by ${last.who} ${last.result === 'Succeeded' ? 'succeeded' : 'failed'} outside this agent`);
    void this.reconcileLater(t, 'external');
  }

  // --- revisions -------------------------------------------------------------------------------

  /** Remembers who brought a commit until a fetch brings it (the oldest are forgotten first). */
  private noteCause(revision: string, cause: Cause): void {
    this.causes.delete(revision);
    this.causes.set(revision, cause);
    for (const old of this.causes.keys()) {
      if (this.causes.size <= maxCauses) break;
      this.causes.delete(old);
    }
  }

  /**
   * Fetches the branch; on a new commit, updates every app and schedules those whose inputs changed,
   * caused by what brought that commit when it is known (a push, a webhook), else by `given`.
   */
  private advance(given: Trigger | Cause): Promise<Promise<unknown>[]> {
    const cause = typeof given === 'string' ? { trigger: given } : given;
    const run = this.revisionLock.then(() => this.advanceNow(cause));
    this.revisionLock = run.catch(() => undefined);
    return run;
  }

  private async advanceNow(given: Cause): Promise<Promise<unknown>[]> {
    let trigger = given.trigger;
    if (this.stopping) return [];
    const started = performance.now();
    let next: RepoRevision;
    try {
      next = await this.engine.open(this.options.repo, this.options.branch);
      this.metrics.gitFetchDuration((performance.now() - started) / 1000, true);
    } catch (error) {
      this.metrics.gitFetchDuration((performance.now() - started) / 1000, false);
      this.log.error({ trigger, err: message(error) }, `fetching ${this.options.branch ?? 'HEAD'} failed: ${message(error)}`);
      throw error;
    }
    const old = this.head;
    if (old && old.commit === next.commit) return [];
    const cause = this.causes.get(next.commit) ?? given;
    this.causes.delete(next.commit);
    trigger = cause.trigger;
    let resolved: AppEnvironment[];
    try {
      resolved = this.resolveAll(next.project);
    } catch (error) {
      this.log.error({ revision: next.commit, err: message(error) }, `revision ${short(next.commit)} cannot be reconciled: ${message(error)}`);
      if (!old) throw error;
      return [];
    }
    const changed = old ? await this.changedApps(old, next, resolved) : new Set(resolved.map((a) => appId({ app: a.name, env: a.env })));
    this.head = next;
    const log = this.log.child({ revision: next.commit });

    const ids = new Set<string>();
    for (const app of resolved) {
      const ref = { app: app.name, env: app.env };
      const id = appId(ref);
      ids.add(id);
      const existing = this.tracked.get(id);
      if (existing) {
        existing.app = app;
        existing.settings = JSON.stringify(app);
        this.patch(existing, { targetRevision: next.commit, automated: app.syncPolicy.automated, selfHeal: app.syncPolicy.selfHeal, prune: app.syncPolicy.prune, syncWindowOpen: syncWindowOpen(app.syncWindows, this.now()) });
      } else {
        this.tracked.set(id, this.newTracked(app, next.commit));
        if (old) log.info({ app: app.name, env: app.env }, `app ${id} added`);
      }
    }
    for (const [id, t] of this.tracked) {
      if (ids.has(id)) continue;
      this.untrack(t, 'removed from capstan.yaml');
      this.tracked.delete(id);
      log.warn({ app: t.ref.app, env: t.ref.env }, `app ${id} is no longer in capstan.yaml at ${short(next.commit)}: stopped tracking it; its objects stay in the cluster (capstan delete removes them)`);
    }
    this.order = resolved.map((a) => appId({ app: a.name, env: a.env })).sort((a, b) => this.rank(next.project, a) - this.rank(next.project, b));

    const changedIds = this.order.filter((id) => changed.has(id));
    log.info({ trigger, changed: changedIds }, old ? `new commit ${short(next.commit)}: ${changedIds.length} app(s) changed` : `revision ${short(next.commit)}`);
    this.emit({ type: 'revision', revision: next.commit, trigger, changedApps: changedIds, ...(cause.who ? { who: cause.who } : {}) });
    if (old) void this.checkOrphans();
    const scheduled: Promise<unknown>[] = [];
    for (const id of changedIds) {
      const t = this.tracked.get(id)!;
      if (!t.owned) continue;
      scheduled.push(this.reconcileLater(t, trigger, cause.who));
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

  /** The apps a commit changed: their files, their settings in capstan.yaml, or new to it. */
  private async changedApps(old: RepoRevision, next: RepoRevision, resolved: AppEnvironment[]): Promise<Set<string>> {
    const files = this.options.git ? await this.options.git.changedFiles(this.options.repo, old.commit, next.commit, { fetch: 'never' }) : await diffTrees(old.dir, next.dir);
    const changed = new Set<string>();
    if (files.length === 0) return changed;
    const projectChanged = files.includes(projectFileName);
    const sourceFiles = files.filter((f) => f !== projectFileName);
    for (const app of resolved) {
      const id = appId({ app: app.name, env: app.env });
      const t = this.tracked.get(id);
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

  private rank(project: Project, id: string): number {
    const [app, env] = id.split('/') as [string, string];
    const e = project.environments.findIndex((x) => x.name === env);
    const a = project.apps.findIndex((x) => x.name === app);
    return e * (project.apps.length + 1) + a;
  }

  private newTracked(app: AppEnvironment, revision: string): Tracked {
    const ref = { app: app.name, env: app.env };
    const shards = this.options.shards;
    const state: AppState = {
      ...ref,
      revision: '',
      targetRevision: revision,
      sync: 'Unknown',
      health: 'Unknown',
      automated: app.syncPolicy.automated,
      selfHeal: app.syncPolicy.selfHeal,
      prune: app.syncPolicy.prune,
      failures: 0,
      syncWindowOpen: syncWindowOpen(app.syncWindows, this.now()),
    };
    if (shards) state.owner = shards.ownerOf(ref);
    return { ref, id: appId(ref), app, settings: JSON.stringify(app), state, jobs: [], queued: false, running: false, owned: shards ? shards.owns(ref) : true, checked: false, attempts: 0, attemptsRevision: '' };
  }

  // --- orphaned apps ---------------------------------------------------------------------------

  /** Looks for apps removed from capstan.yaml whose objects are still there (one look at a time, again if asked meanwhile). */
  private checkOrphans(): Promise<void> {
    if (this.orphansChecking) {
      this.orphansAgain = true;
      return this.orphansChecking;
    }
    this.orphansChecking = (async () => {
      do {
        this.orphansAgain = false;
        await this.findOrphans();
      } while (this.orphansAgain && !this.stopping);
    })().finally(() => (this.orphansChecking = undefined));
    return this.orphansChecking;
  }

  /**
   * Reports every app of the agent's environments that capstan.yaml no longer declares but whose
   * inventory lists objects (`orphaned`, in the API, status and metrics); with `pruneRemovedApps`
   * the replica that would own it deletes what it applied.
   */
  private async findOrphans(): Promise<void> {
    const head = this.head;
    if (!head || this.stopping) return;
    let found: Inventory[];
    try {
      found = await this.engine.orphans(head, this.options.envs);
    } catch (error) {
      this.log.warn({ err: message(error) }, `looking for apps removed from capstan.yaml failed: ${message(error)}`);
      return;
    }
    const prune = head.project.pruneRemovedApps === true;
    const seen = new Set<string>();
    for (const inventory of found) {
      const ref = { app: inventory.app, env: inventory.env };
      const id = appId(ref);
      if (this.tracked.has(id)) continue;
      seen.add(id);
      const count = inventory.objects.length + (inventory.pending?.length ?? 0);
      const last = inventory.history.at(-1);
      const state: AppState = {
        ...ref,
        revision: inventory.revision,
        targetRevision: head.commit,
        sync: 'OutOfSync',
        health: 'Unknown',
        automated: false,
        selfHeal: false,
        prune,
        failures: 0,
        syncWindowOpen: true,
        orphaned: true,
        error: `removed from capstan.yaml, yet ${count} of its objects are still in the cluster: ${prune ? 'pruneRemovedApps deletes them' : `capstan delete ${ref.app} --env ${ref.env} removes them, or set pruneRemovedApps: true`}`,
      };
      if (last) state.lastSync = lastSyncOf(last);
      const before = this.orphans.get(id);
      if (JSON.stringify(before) !== JSON.stringify(state)) {
        if (!before) this.log.warn({ app: ref.app, env: ref.env, objects: count }, `app ${id} is orphaned: ${state.error}`);
        this.orphans.set(id, state);
        this.emit({ type: 'app', state: structuredClone(state) });
      }
      const mine = !this.options.shards || this.options.shards.owns(ref);
      if (prune && mine) await this.pruneOrphan(ref, count);
    }
    for (const id of [...this.orphans.keys()]) if (!seen.has(id)) this.orphans.delete(id);
  }

  /** Deletes what an app removed from capstan.yaml applied (pruneRemovedApps). */
  private async pruneOrphan(ref: AppRef, count: number): Promise<void> {
    const id = appId(ref);
    try {
      const result = await this.engine.delete({ repo: this.options.repo, app: ref.app, env: ref.env, waitForLockMs: defaultWindowCheckMs });
      if (result.result === 'Succeeded') {
        this.log.info({ app: ref.app, env: ref.env, counts: result.counts }, `app ${id} was removed from capstan.yaml: deleted ${result.counts.deleted ?? 0} of its ${count} objects (pruneRemovedApps)`);
        const left = (await this.engine.orphans(this.current(), [ref.env])).some((o) => o.app === ref.app);
        if (!left) this.orphans.delete(id);
      } else {
        this.log.warn({ app: ref.app, env: ref.env, err: result.error?.message }, `app ${id} was removed from capstan.yaml; deleting its objects failed: ${result.error?.message ?? ''}`);
      }
    } catch (error) {
      this.log.warn({ app: ref.app, env: ref.env, err: message(error) }, `app ${id} was removed from capstan.yaml; deleting its objects failed: ${message(error)}`);
    }
  }

  // --- scheduling ------------------------------------------------------------------------------

  private reconcileLater(t: Tracked, trigger: Trigger, who?: string): Promise<SyncActionResult | undefined> {
    return this.schedule(t, { kind: 'reconcile', trigger, ...(who ? { who } : {}), since: this.isoNow(), waiters: [] }).catch((error: unknown) => {
      this.log.warn({ app: t.ref.app, env: t.ref.env, err: message(error) }, `reconcile of ${t.id} did not run: ${message(error)}`);
      return undefined;
    });
  }

  /**
   * Queues a job for an app. A reconcile joins whatever the app already has pending; a sync or
   * rollback replaces a pending reconcile (it compares too) or waits after other manual work.
   */
  private schedule(t: Tracked, job: Job): Promise<SyncActionResult | undefined> {
    if (this.stopping || !this.started) return Promise.reject(new ValidationError(`app ${t.id}: the agent is not running`));
    return new Promise((resolve, reject) => {
      job.waiters.push({ resolve, reject });
      const last = t.jobs.at(-1);
      if (job.kind === 'reconcile' && last) {
        last.waiters.push(...job.waiters);
        // a commit someone pushed is what the pending reconcile now syncs: it is theirs
        if (last.kind === 'reconcile' && job.who && !last.who) Object.assign(last, { trigger: job.trigger, who: job.who });
      } else if (job.kind !== 'reconcile' && last?.kind === 'reconcile') {
        job.waiters.push(...last.waiters);
        t.jobs[t.jobs.length - 1] = job;
      } else {
        t.jobs.push(job);
      }
      if (job.kind === 'reconcile' || job.trigger !== 'retry') {
        clearTimeout(t.retryTimer);
        t.retryTimer = undefined;
      }
      if (!t.running && !t.queued) this.enqueue(t);
      else if (t.queued) this.patch(t, { operation: { phase: 'queued', trigger: t.jobs[0]!.trigger, since: t.jobs[0]!.since } });
      this.pump();
    });
  }

  private enqueue(t: Tracked): void {
    t.queued = true;
    this.queue.push(t);
    const first = t.jobs[0]!;
    this.patch(t, { operation: { phase: 'queued', trigger: first.trigger, since: first.since } });
    this.metrics.queueDepth(this.queue.length);
  }

  /** Starts queued apps, first come first served, while slots are free and their dependencies are done. */
  private pump(): void {
    while (!this.stopping && this.running.size < this.concurrency) {
      const index = this.queue.findIndex((t) => !this.waitsForDependency(t));
      if (index < 0) break;
      const [t] = this.queue.splice(index, 1) as [Tracked];
      t.queued = false;
      t.running = true;
      const job = t.jobs.shift()!;
      const run = this.runJob(t, job).finally(() => {
        t.running = false;
        this.running.delete(run);
        if (t.jobs.length > 0 && !this.stopping) this.enqueue(t);
        else this.patch(t, { operation: undefined });
        if (t.external && !t.queued) this.inventoryChanged(t.external);
        this.pump();
      });
      this.running.add(run);
    }
    this.metrics.queueDepth(this.queue.length);
  }

  /** Whether an app's dependency (same environment) is queued or running: it goes after it. */
  private waitsForDependency(t: Tracked): boolean {
    return t.app.dependsOn.some((name) => {
      const dep = this.tracked.get(appId({ app: name, env: t.ref.env }));
      return dep !== undefined && dep.owned && (dep.running || dep.queued);
    });
  }

  private async runJob(t: Tracked, job: Job): Promise<void> {
    this.patch(t, { operation: { phase: 'running', trigger: job.trigger, since: this.isoNow() } });
    try {
      const result = job.kind === 'reconcile' ? await this.reconcile(t, job.trigger, job.who) : await this.syncNow(t, job);
      for (const w of job.waiters) w.resolve(result);
    } catch (error) {
      for (const w of job.waiters) w.reject(error);
    } finally {
      t.checked = true;
    }
  }

  private dropJobs(t: Tracked, reason: string): void {
    const error = new ValidationError(`app ${t.id}: ${reason}`);
    for (const job of t.jobs.splice(0)) for (const w of job.waiters) w.reject(error);
  }

  // --- the work --------------------------------------------------------------------------------

  /**
   * Compares the app with the current revision; when it is out of sync and an automatic sync is
   * allowed (automated; for drift also selfHeal; the sync window open), syncs it.
   */
  private async reconcile(t: Tracked, trigger: Trigger, who?: string): Promise<SyncActionResult | undefined> {
    const checkout = this.current();
    const started = performance.now();
    const log = this.log.child({ app: t.ref.app, env: t.ref.env, revision: checkout.commit, trigger });
    let report: DiffReport;
    let inventory: Inventory;
    try {
      report = await this.engine.diff(checkout, t.ref.app, t.ref.env);
      inventory = await this.engine.history(checkout, t.ref.app, t.ref.env);
    } catch (error) {
      const text = firstLines(message(error));
      log.warn({ err: text }, `${t.id} could not be compared: ${text}`);
      this.patch(t, { sync: 'Unknown', error: text });
      this.metrics.reconcileDuration(seconds(started), t.ref, 'Failed');
      this.failed(t, log);
      return undefined;
    }
    this.trackObjects(t, inventory.objects);
    const health = await this.liveHealth(t, inventory);
    const restored: Partial<AppState> = { revision: inventory.revision, error: undefined, ...health };
    const last = inventory.history.at(-1);
    if (!t.state.lastSync && last) restored.lastSync = lastSyncOf(last);
    const drifted = this.confirmDrift(t, report);
    if (!report.changed) {
      this.patch(t, { ...restored, sync: 'Synced', failures: 0, nextRetryAt: undefined, drift: undefined });
      t.deferred = undefined;
      this.metrics.reconcileDuration(seconds(started), t.ref, 'Unchanged');
      return undefined;
    }
    this.patch(t, { ...restored, sync: 'OutOfSync' });
    if (drifted.length > 0) this.recordDrift(t, drifted);
    const policy = t.app.syncPolicy;
    // changes made outside the agent (by hand, by another capstan) are undone only with selfHeal
    const automatic = policy.automated && ((trigger !== 'drift' && trigger !== 'external') || policy.selfHeal);
    if (!automatic) {
      log.info({ diffs: report.diffs.length }, `${t.id} is OutOfSync (${report.diffs.map((d) => `${d.action} ${formatKey(d.key)}`).slice(0, 5).join(', ')}): ${policy.automated ? 'drift without selfHeal is only reported' : 'manual app, waiting for a sync'}`);
      this.metrics.reconcileDuration(seconds(started), t.ref, 'Unchanged');
      return undefined;
    }
    if (last && heldByRollback(last, checkout.commit)) {
      log.info({ rollback: last.id }, `${t.id} is OutOfSync: rollback #${last.id} holds it at ${last.revision.slice(0, 12)} until a new commit comes`);
      this.metrics.reconcileDuration(seconds(started), t.ref, 'Unchanged');
      return undefined;
    }
    const open = syncWindowOpen(t.app.syncWindows, this.now());
    if (!open) {
      t.deferred = trigger;
      t.deferredWho = who;
      this.patch(t, { syncWindowOpen: false });
      log.info({}, `${t.id} is OutOfSync; the sync window of environment ${t.ref.env} is closed: the sync waits for it to open`);
      this.metrics.reconcileDuration(seconds(started), t.ref, 'Unchanged');
      return undefined;
    }
    t.deferred = undefined;
    t.deferredWho = undefined;
    // Git wins: fields a hand edit took over are taken back unless the app says conflicts: fail.
    return this.syncNow(t, { kind: 'sync', trigger, since: this.isoNow(), sync: { who: who ?? this.who }, waiters: [] });
  }

  /** The objects the drift watcher reported that the comparison with git finds different in value. */
  private confirmDrift(t: Tracked, report: DiffReport): string[] {
    const suspects = t.suspects;
    t.suspects = undefined;
    if (!suspects || !report.changed) return [];
    const differ = new Set(report.diffs.map((d) => formatKey(d.key)));
    return [...suspects].filter((o) => differ.has(o)).sort();
  }

  /** Drift found by value: recorded in the app's state, counted, logged and announced. */
  private recordDrift(t: Tracked, objects: string[]): void {
    const seen = new Set([...(t.state.drift?.objects ?? []), ...objects]);
    this.patch(t, { drift: { detectedAt: this.isoNow(), objects: [...seen].sort() }, drifts: (t.state.drifts ?? 0) + 1 });
    const heals = t.app.syncPolicy.selfHeal && t.app.syncPolicy.automated;
    this.log.warn({ app: t.ref.app, env: t.ref.env, objects, selfHeal: t.app.syncPolicy.selfHeal }, `drift: ${objects.join(', ')} differ from git, changed in the cluster behind capstan's back${heals ? ': self-healing' : ''}`);
    this.metrics.drift(t.ref);
    this.emit({ type: 'drift', state: structuredClone(t.state), objects: [...objects] });
  }

  /** Applies the app (a sync or a rollback) and records the outcome in its state. */
  private async syncNow(t: Tracked, job: Job): Promise<SyncActionResult> {
    const startedAt = this.isoNow();
    const started = performance.now();
    const who = job.sync?.who ?? job.rollback?.who ?? this.who;
    const log = this.log.child({ app: t.ref.app, env: t.ref.env, trigger: job.trigger, who });
    let checkout = this.current();
    let result: SyncResult;
    try {
      if (job.kind === 'rollback') {
        // another capstan syncing this app (CI, a laptop) is waited for, up to the app's sync timeout
        const waitForLockMs = t.app.syncOptions.timeoutMs;
        result = await this.engine.rollback({ repo: this.options.repo, app: t.ref.app, env: t.ref.env, who, trigger: job.trigger, to: job.rollback?.to, waitForLockMs, signal: this.stopSignal.signal });
        checkout = await this.engine.open(this.options.repo, result.revision);
      } else {
        if (job.sync?.revision) checkout = await this.engine.open(this.options.repo, job.sync.revision);
        const waitForLockMs = t.app.syncOptions.timeoutMs;
        result = await this.engine.syncAt(checkout, { repo: this.options.repo, revision: checkout.commit, app: t.ref.app, env: t.ref.env, who, trigger: job.trigger, prune: job.sync?.prune, force: job.sync?.force, waitForLockMs, signal: this.stopSignal.signal });
      }
    } catch (error) {
      // A bad request (unknown history entry, revision not found): nothing was applied.
      if (job.trigger === 'manual') throw error;
      const text = firstLines(message(error));
      this.patch(t, { error: text });
      this.failed(t, log);
      throw error;
    }
    const finishedAt = this.isoNow();
    const counts = { ...result.counts };
    const lastSync: LastSync = { revision: result.revision, result: result.result, startedAt, finishedAt, trigger: job.trigger, who, counts };
    if (result.recorded) lastSync.id = result.recorded.id;
    if (result.error) lastSync.message = firstLines(result.error.message);

    let inventory: Inventory | undefined;
    try {
      inventory = await this.engine.history(checkout, t.ref.app, t.ref.env);
      this.trackObjects(t, inventory.objects);
    } catch (error) {
      log.warn({ err: message(error) }, `${t.id}: reading the inventory after the sync failed: ${message(error)}`);
    }

    const out: SyncActionResult = { ...t.ref, revision: result.revision, result: result.result, changeSet: result.changeSet, counts };
    if (result.result === 'Succeeded') {
      clearTimeout(t.retryTimer);
      t.retryTimer = undefined;
      t.attempts = 0;
      const atHead = result.revision === this.head?.commit;
      const health: Partial<AppState> = result.health ? { health: result.health.status, healthMessage: result.health.message } : inventory ? await this.liveHealth(t, inventory) : {};
      this.patch(t, { revision: result.revision, sync: atHead ? 'Synced' : 'OutOfSync', lastSync, failures: 0, nextRetryAt: undefined, drift: undefined, error: undefined, ...health });
      const changed = counts.created + counts.configured + counts.deleted > 0;
      log.info({ revision: result.revision, counts }, `${t.id} synced to ${short(result.revision)}${changed ? '' : ' (nothing to change)'}`);
      this.metrics.reconcileDuration(seconds(started), t.ref, changed ? 'Succeeded' : 'Unchanged');
      this.wakeDependents(t);
    } else {
      out.message = lastSync.message;
      const health = inventory ? await this.liveHealth(t, inventory) : {};
      this.patch(t, { sync: 'OutOfSync', lastSync, error: lastSync.message, ...health });
      log.warn({ revision: result.revision, err: lastSync.message, category: (result.error as CapstanError | undefined)?.category }, `${t.id} sync to ${short(result.revision)} failed: ${lastSync.message ?? ''}`);
      this.metrics.reconcileDuration(seconds(started), t.ref, 'Failed');
      this.failed(t, log);
    }
    this.metrics.syncResult(t.ref, result.result);
    this.emit({ type: 'sync', state: structuredClone(t.state), result: structuredClone(out) });
    return out;
  }

  /**
   * The one place failures turn into retries: an automated app is retried after `backoffMs`,
   * doubling up to `maxBackoffMs`, at most `limit` times per revision; then it waits for a new
   * commit touching it or a manual sync.
   */
  private failed(t: Tracked, log: AgentLogger): void {
    const failures = t.state.failures + 1;
    const revision = this.head?.commit ?? '';
    if (t.attemptsRevision !== revision) {
      t.attemptsRevision = revision;
      t.attempts = 0;
    }
    const retry: RetryOptions = { ...t.app.syncOptions.retry, ...this.options.backoff };
    clearTimeout(t.retryTimer);
    t.retryTimer = undefined;
    if (!t.app.syncPolicy.automated || this.stopping || !t.owned) {
      this.patch(t, { failures, nextRetryAt: undefined });
      return;
    }
    if (t.attempts >= retry.limit) {
      this.patch(t, { failures, nextRetryAt: undefined });
      log.warn({ failures }, `${t.id} failed ${failures} time(s); ${retry.limit} retries at ${short(revision)} used up: waiting for a new commit or a manual sync`);
      return;
    }
    const delay = Math.min(retry.backoffMs * 2 ** t.attempts, retry.maxBackoffMs);
    t.attempts++;
    this.patch(t, { failures, nextRetryAt: new Date(this.now().getTime() + delay).toISOString() });
    t.retryTimer = setTimeout(() => {
      t.retryTimer = undefined;
      if (!this.stopping && t.owned && this.tracked.get(t.id) === t) void this.reconcileLater(t, 'retry');
    }, delay);
    t.retryTimer.unref();
  }

  /** After a dependency synced, automated dependents that are failing or out of sync try again. */
  private wakeDependents(dep: Tracked): void {
    for (const t of this.tracked.values()) {
      if (t.ref.env !== dep.ref.env || !t.owned || !t.app.dependsOn.includes(dep.ref.app)) continue;
      if (t.app.syncPolicy.automated && (t.state.failures > 0 || t.state.sync === 'OutOfSync') && t.jobs.length === 0 && !t.running) void this.reconcileLater(t, 'dependency');
    }
  }

  /** Health from the live objects the inventory lists (apps this agent did not just sync). */
  private async liveHealth(t: Tracked, inventory: Inventory): Promise<{ health: HealthStatusCode; healthMessage: string | undefined }> {
    if (inventory.objects.length === 0) return { health: 'Missing', healthMessage: undefined };
    try {
      const client = await this.options.clientFor(t.app.cluster);
      const summary = await this.engine.inventoryHealth(client, inventory, t.app);
      return { health: summary.status, healthMessage: summary.message };
    } catch (error) {
      return { health: 'Unknown', healthMessage: firstLines(message(error), 3) };
    }
  }

  private trackObjects(t: Tracked, objects: readonly InventoryObject[]): void {
    if (!this.driftWatcher) return;
    const keys = objects.map((o) => `${o.apiVersion}|${keyString(o.key)}`).sort().join('\n');
    if (keys === t.trackedObjects) return;
    t.trackedObjects = keys;
    this.driftWatcher.track(t.ref, objects.map((o) => ({ apiVersion: o.apiVersion, key: { ...o.key } })));
  }

  // --- timers, windows, shards -----------------------------------------------------------------

  /**
   * How often polls run: the agent's interval, or the shortest `syncOptions.pollInterval` of an
   * app, whichever is shorter (0: no polling at all).
   */
  private pollTick(): number {
    const global = this.options.pollIntervalMs ?? defaultPollIntervalMs;
    const own = [...this.tracked.values()].map((t) => t.app.syncOptions.pollIntervalMs ?? 0).filter((ms) => ms > 0);
    const all = [...(global > 0 ? [global] : []), ...own];
    return all.length > 0 ? Math.min(...all) : 0;
  }

  private schedulePoll(): void {
    const interval = this.pollTick();
    if (interval <= 0) return;
    this.pollTimer = setTimeout(() => {
      void this.poll().finally(() => {
        if (!this.stopping && this.started) this.schedulePoll();
      });
    }, interval);
    this.pollTimer.unref();
  }

  /**
   * Apps with their own poll interval are re-checked against git and the cluster when it has
   * passed (a commit that touched them is handled by `advance` already).
   */
  private recheckPolled(): void {
    const now = Date.now();
    for (const t of this.ownedApps()) {
      const every = t.app.syncOptions.pollIntervalMs;
      if (!every || now - (t.polledAt ?? 0) < every) continue;
      t.polledAt = now;
      void this.reconcileLater(t, 'poll');
    }
  }

  private async poll(): Promise<void> {
    try {
      await this.advance('poll');
    } catch {
      // logged in advance; the next poll tries again
    }
    this.recheckWindows();
    this.recheckPolled();
    void this.checkOrphans();
    // Health that was still settling (a rollout, a restart mid-sync) is looked at again.
    for (const t of this.ownedApps()) {
      if (t.state.health === 'Healthy' || t.running || t.queued || !this.head) continue;
      try {
        const inventory = await this.engine.history(this.head, t.ref.app, t.ref.env);
        this.patch(t, await this.liveHealth(t, inventory));
      } catch {
        // the next poll tries again
      }
    }
  }

  /** Updates `syncWindowOpen`, and schedules the syncs that waited for a window that is now open. */
  private recheckWindows(): void {
    if (this.stopping || !this.head) return;
    const now = this.now();
    for (const t of this.tracked.values()) {
      const open = syncWindowOpen(t.app.syncWindows, now);
      this.patch(t, { syncWindowOpen: open });
      if (open && t.deferred && t.owned) {
        const trigger = t.deferred;
        const who = t.deferredWho;
        t.deferred = undefined;
        t.deferredWho = undefined;
        void this.reconcileLater(t, trigger, who);
      }
    }
  }

  private membershipChanged(): void {
    const shards = this.options.shards;
    if (!shards || this.stopping) return;
    const picked: string[] = [];
    const dropped: string[] = [];
    for (const t of this.tracked.values()) {
      const owns = shards.owns(t.ref);
      this.patch(t, { owner: shards.ownerOf(t.ref) });
      if (owns && !t.owned) {
        t.owned = true;
        t.checked = false;
        picked.push(t.id);
        void this.reconcileLater(t, 'startup');
      } else if (!owns && t.owned) {
        t.owned = false;
        dropped.push(t.id);
        this.untrack(t, `now reconciled by ${shards.ownerOf(t.ref)}`);
      }
    }
    this.log.info({ members: shards.members(), picked, dropped }, `shard membership changed: picked up ${picked.length} app(s), handed over ${dropped.length}`);
  }

  /** Stops the agent's work on an app: retries, queued jobs, deferred syncs, drift watch. A running sync finishes. */
  private untrack(t: Tracked, reason: string): void {
    clearTimeout(t.retryTimer);
    t.retryTimer = undefined;
    t.deferred = undefined;
    const at = this.queue.indexOf(t);
    if (at >= 0) this.queue.splice(at, 1);
    t.queued = false;
    this.dropJobs(t, reason);
    if (!t.running) this.patch(t, { operation: undefined, nextRetryAt: undefined });
    if (this.driftWatcher && t.trackedObjects !== undefined) this.driftWatcher.track(t.ref, []);
    t.trackedObjects = undefined;
    this.metrics.queueDepth(this.queue.length);
  }

  // --- helpers ---------------------------------------------------------------------------------

  private get(ref: AppRef): Tracked {
    const t = this.tracked.get(appId(ref));
    if (t) return t;
    const known = this.order.join(', ');
    throw new NotFoundError(`app ${appId(ref)} is not reconciled by this agent${known ? `: it has ${known}` : ': it has not loaded capstan.yaml yet'}`);
  }

  private checkOwned(t: Tracked): void {
    if (!t.owned) throw new ConflictError(`app ${t.id} is reconciled by agent replica ${this.options.shards?.ownerOf(t.ref) ?? 'another replica'}, not ${this.options.shards?.identity ?? 'this one'}: ask that replica`);
  }

  private current(): RepoRevision {
    if (!this.head) throw new ValidationError('the agent has not fetched the config repo yet: start it first');
    return this.head;
  }

  private ownedApps(): Tracked[] {
    return this.order.map((id) => this.tracked.get(id)).filter((t): t is Tracked => t !== undefined && t.owned);
  }

  /** Applies a change to an app's state and emits an `app` event when anything changed. */
  private patch(t: Tracked, change: Partial<AppState>): void {
    const before = JSON.stringify(t.state);
    const next = { ...t.state } as Record<string, unknown>;
    for (const [key, value] of Object.entries(change)) {
      if (value === undefined) delete next[key];
      else next[key] = value;
    }
    t.state = next as unknown as AppState;
    if (JSON.stringify(t.state) !== before && this.tracked.get(t.id) === t) this.emit({ type: 'app', state: structuredClone(t.state) });
  }

  private emit(event: AgentEvent): void {
    for (const listener of this.listeners) {
      try {
        listener(event);
      } catch (error) {
        this.log.error({ err: message(error) }, `an agent event listener failed: ${message(error)}`);
      }
    }
  }

  private isoNow(): string {
    return new Date().toISOString();
  }
}

const triggers: ReadonlySet<string> = new Set<Trigger>(['startup', 'poll', 'webhook', 'push', 'manual', 'drift', 'external', 'retry', 'dependency']);

/**
 * A history entry as the last sync of an app the agent did not sync itself (before it started, or
 * another process): with the trigger the entry recorded, or `trigger` when it names none (`capstan
 * apply`, an older agent) or when given as `external`.
 */
function lastSyncOf(entry: HistoryEntry, trigger: Trigger = 'startup'): LastSync {
  const recorded = trigger !== 'external' && entry.trigger !== undefined && triggers.has(entry.trigger) ? (entry.trigger as Trigger) : trigger;
  const last: LastSync = { id: entry.id, revision: entry.revision, result: entry.result, startedAt: entry.time, finishedAt: entry.time, trigger: recorded, who: entry.who, counts: { ...entry.changes } };
  if (entry.message) last.message = entry.message;
  return last;
}

function message(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

function firstLines(text: string, lines = 20): string {
  return text.split('\n').slice(0, lines).join('\n');
}

function short(sha: string): string {
  return sha.slice(0, 12);
}

function seconds(startedAt: number): number {
  return (performance.now() - startedAt) / 1000;
}

/**
 * A successful rollback made while HEAD was on this commit: an automatic sync would undo it at
 * once, so none runs until HEAD moves (a new commit is the way forward, as with Argo CD's manual
 * rollbacks); a manual sync or apply still runs.
 */
function heldByRollback(last: HistoryEntry, head: string): boolean {
  return last.operation === 'rollback' && last.result === 'Succeeded' && last.head === head;
}
