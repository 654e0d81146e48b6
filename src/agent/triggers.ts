/**
 * What makes the agent look at an app again, besides a new commit (revisions.ts) and the API:
 * - the poll timer: git is fetched every `pollIntervalMs`, apps with their own poll interval are
 *   re-checked, and health still settling is read again;
 * - sync windows: a timer re-checks them and starts the syncs that waited for one to open;
 * - the drift watcher (objects changed behind capstan's back) and the inventory watcher (another
 *   capstan process synced, rolled back or deleted an app);
 * - shard membership: apps picked up from or handed over to other replicas;
 * - dependencies: after an app synced, its failing or out-of-sync dependents try again.
 * Each ends in `reconcileLater`: the scheduler decides when.
 */
import type { RepoRevision } from '../engine/index.ts';
import type { Inventory, InventoryObject } from '../inventory/index.ts';
import { keyString } from '../core/index.ts';
import { lastSyncOf, type AppTable, type Tracked } from './app-table.ts';
import { short } from './helpers.ts';
import type { InventoryWatcherApi } from './inventory-watcher.ts';
import type { AgentLogger } from './logger.ts';
import type { Reconciler } from './reconciler.ts';
import { syncWindowOpen } from './sync-windows.ts';
import { appId, type AppRef, type DriftWatcherApi, type DriftWatcherOptions, type ShardCoordinatorApi, type Trigger } from './types.ts';

const defaultPollIntervalMs = 60_000;
const defaultWindowCheckMs = 30_000;

export interface TriggersOptions {
  apps: AppTable;
  reconciler: Reconciler;
  log: AgentLogger;
  now(): Date;
  /** How often git is fetched; default 60 s; 0 turns polling off. */
  pollIntervalMs?: number;
  /** How often closed sync windows are re-checked; default 30 s. */
  windowCheckIntervalMs?: number;
  driftWatcher?: DriftWatcherApi | ((onDrift: DriftWatcherOptions['onDrift']) => DriftWatcherApi);
  inventoryWatcher?: (onChange: (inventory: Inventory) => void) => InventoryWatcherApi;
  shards?: ShardCoordinatorApi;
  /** The agent's current revision; undefined before the first fetch. */
  head(): RepoRevision | undefined;
  /** The agent is started and not stopping. */
  running(): boolean;
  /** The agent is stopping. */
  stopping(): boolean;
  /** Fetches git and schedules the apps a new commit touched. */
  advance(trigger: Trigger): Promise<unknown>;
  /** Looks for apps removed from capstan.yaml whose objects are still there. */
  checkOrphans(): Promise<void>;
  /** Whether an app capstan.yaml no longer declares is known as orphaned. */
  isOrphan(id: string): boolean;
  reconcileLater(t: Tracked, trigger: Trigger, who?: string): Promise<unknown>;
  /** Stops the agent's work on an app (it is another replica's now). */
  untrack(t: Tracked, reason: string): void;
}

export class Triggers {
  private driftWatcher?: DriftWatcherApi;
  private inventoryWatcher?: InventoryWatcherApi;
  private pollTimer?: NodeJS.Timeout;
  private windowTimer?: NodeJS.Timeout;
  private unsubscribeShards?: () => void;

  constructor(private readonly options: TriggersOptions) {}

  /** Creates the drift watcher (a factory is given `reportDrift`). */
  watchDrift(): void {
    const watcher = this.options.driftWatcher;
    this.driftWatcher = typeof watcher === 'function' ? watcher((ref, objects) => this.reportDrift(ref, objects)) : watcher;
  }

  /** Starts the shard coordinator and follows its membership changes. */
  async followShards(): Promise<void> {
    const shards = this.options.shards;
    if (!shards) return;
    await shards.start();
    this.unsubscribeShards = shards.onChange(() => this.membershipChanged());
  }

  /** Starts the inventory watcher (after the first revision: apps are known). */
  followInventories(): void {
    this.inventoryWatcher = this.options.inventoryWatcher?.((inventory) => this.inventoryChanged(inventory));
    this.inventoryWatcher?.start();
  }

  startTimers(): void {
    if (this.pollTick() > 0) this.schedulePoll();
    this.windowTimer = setInterval(() => this.recheckWindows(), this.options.windowCheckIntervalMs ?? defaultWindowCheckMs);
    this.windowTimer.unref();
  }

  /** Stops the timers and membership changes: what can start new work. */
  stopTimers(): void {
    clearTimeout(this.pollTimer);
    clearInterval(this.windowTimer);
    this.unsubscribeShards?.();
  }

  /** Stops the watchers and the shard coordinator (after the running work finished). */
  async stop(): Promise<void> {
    await this.driftWatcher?.stop();
    await this.inventoryWatcher?.stop();
    this.inventoryWatcher = undefined;
    await this.options.shards?.stop();
  }

  // --- poll --------------------------------------------------------------------------------------

  /**
   * How often polls run: the agent's interval, or the shortest `syncOptions.pollInterval` of an
   * app, whichever is shorter (0: no polling at all).
   */
  private pollTick(): number {
    const global = this.options.pollIntervalMs ?? defaultPollIntervalMs;
    const own = [...this.options.apps.all()].map((t) => t.app.syncOptions.pollIntervalMs ?? 0).filter((ms) => ms > 0);
    const all = [...(global > 0 ? [global] : []), ...own];
    return all.length > 0 ? Math.min(...all) : 0;
  }

  private schedulePoll(): void {
    const interval = this.pollTick();
    if (interval <= 0) return;
    this.pollTimer = setTimeout(() => {
      void this.poll().finally(() => {
        if (this.options.running()) this.schedulePoll();
      });
    }, interval);
    this.pollTimer.unref();
  }

  private async poll(): Promise<void> {
    try {
      await this.options.advance('poll');
    } catch {
      // logged in advance; the next poll tries again
    }
    this.recheckWindows();
    this.recheckPolled();
    void this.options.checkOrphans();
    // Health that was still settling (a rollout, a restart mid-sync) is looked at again.
    for (const t of this.options.apps.owned()) {
      const head = this.options.head();
      if (t.state.health === 'Healthy' || t.running || t.queued || !head) continue;
      try {
        await this.options.reconciler.recheckHealth(t, head);
      } catch {
        // the next poll tries again
      }
    }
  }

  /**
   * Apps with their own poll interval are re-checked against git and the cluster when it has
   * passed (a commit that touched them is handled by `advance` already).
   */
  private recheckPolled(): void {
    const now = Date.now();
    for (const t of this.options.apps.owned()) {
      const every = t.app.syncOptions.pollIntervalMs;
      if (!every || now - (t.polledAt ?? 0) < every) continue;
      t.polledAt = now;
      void this.options.reconcileLater(t, 'poll');
    }
  }

  // --- sync windows ------------------------------------------------------------------------------

  /** Updates `syncWindowOpen`, and schedules the syncs that waited for a window that is now open. */
  recheckWindows(): void {
    if (this.options.stopping() || !this.options.head()) return;
    const now = this.options.now();
    for (const t of this.options.apps.all()) {
      const open = syncWindowOpen(t.app.syncWindows, now);
      this.options.apps.patch(t, { syncWindowOpen: open });
      if (open && t.deferred && t.owned) {
        const trigger = t.deferred;
        const who = t.deferredWho;
        t.deferred = undefined;
        t.deferredWho = undefined;
        void this.options.reconcileLater(t, trigger, who);
      }
    }
  }

  // --- drift and other capstan processes ---------------------------------------------------------

  /** Tells the drift watcher what an app owns now (only when that changed). */
  watch(t: Tracked, objects: readonly InventoryObject[]): void {
    if (!this.driftWatcher) return;
    const keys = objects.map((o) => `${o.apiVersion}|${keyString(o.key)}${o.patchExisting ? '|patch' : ''}`).sort().join('\n');
    if (keys === t.trackedObjects) return;
    t.trackedObjects = keys;
    this.driftWatcher.track(t.ref, objects.map((o) => ({ apiVersion: o.apiVersion, key: { ...o.key }, ...(o.patchExisting ? { patchExisting: true } : {}) })));
  }

  /** Stops watching an app's objects. */
  unwatch(t: Tracked): void {
    if (this.driftWatcher && t.trackedObjects !== undefined) this.driftWatcher.track(t.ref, []);
    t.trackedObjects = undefined;
  }

  /** See `Agent.reportDrift`. */
  reportDrift(ref: AppRef, objects: string[]): void {
    const t = this.options.apps.find(ref);
    if (!t || !t.owned || this.options.stopping()) return;
    t.suspects = new Set([...(t.suspects ?? []), ...objects]);
    this.options.log.info({ app: ref.app, env: ref.env, objects }, `${objects.join(', ')} changed in the cluster: comparing ${t.id} with git`);
    void this.options.reconcileLater(t, 'drift');
  }

  /** See `Agent.inventoryChanged`. */
  inventoryChanged(inventory: Inventory): void {
    const { apps } = this.options;
    const t = apps.find({ app: inventory.app, env: inventory.env });
    if (!t) {
      // an app capstan.yaml does not (or no longer) declare: is it, or is it no longer, orphaned?
      if (this.options.isOrphan(appId({ app: inventory.app, env: inventory.env })) || inventory.objects.length > 0) void this.options.checkOrphans();
      return;
    }
    // before the first check the agent has not read the inventory yet: that check will
    if (!t.owned || !t.checked || this.options.stopping()) return;
    if (t.running || t.queued) {
      t.external = inventory;
      return;
    }
    t.external = undefined;
    const last = inventory.history.at(-1);
    if (!last || last.id === t.state.lastSync?.id) return;
    const moved = inventory.revision !== this.options.head()?.commit || last.operation === 'delete';
    apps.patch(t, { revision: inventory.revision, lastSync: lastSyncOf(last, 'external'), ...(moved ? { sync: 'OutOfSync' as const } : {}) });
    this.options.log.info({ app: t.ref.app, env: t.ref.env, revision: inventory.revision, who: last.who }, `${t.id}: ${last.operation} #${last.id} of ${short(last.revision)} by ${last.who} ${last.result === 'Succeeded' ? 'succeeded' : 'failed'} outside this agent`);
    void this.options.reconcileLater(t, 'external');
  }

  // --- shards and dependencies -------------------------------------------------------------------

  private membershipChanged(): void {
    const shards = this.options.shards;
    if (!shards || this.options.stopping()) return;
    const picked: string[] = [];
    const dropped: string[] = [];
    for (const t of this.options.apps.all()) {
      const owns = shards.owns(t.ref);
      this.options.apps.patch(t, { owner: shards.ownerOf(t.ref) });
      if (owns && !t.owned) {
        t.owned = true;
        t.checked = false;
        picked.push(t.id);
        void this.options.reconcileLater(t, 'startup');
      } else if (!owns && t.owned) {
        t.owned = false;
        dropped.push(t.id);
        this.options.untrack(t, `now reconciled by ${shards.ownerOf(t.ref)}`);
      }
    }
    this.options.log.info({ members: shards.members(), picked, dropped }, `shard membership changed: picked up ${picked.length} app(s), handed over ${dropped.length}`);
  }

  /** After a dependency synced, automated dependents that are failing or out of sync try again. */
  dependencySynced(dep: Tracked): void {
    for (const t of this.options.apps.all()) {
      if (t.ref.env !== dep.ref.env || !t.owned || !t.app.dependsOn.includes(dep.ref.app)) continue;
      if (t.app.syncPolicy.automated && (t.state.failures > 0 || t.state.sync === 'OutOfSync') && t.jobs.length === 0 && !t.running) void this.options.reconcileLater(t, 'dependency');
    }
  }
}
