/**
 * The apps the agent tracks at its current revision and their state: one `Tracked` per app and
 * environment, in the order `apps()` lists them, and the one place state changes turn into events.
 */
import { NotFoundError } from '../core/index.ts';
import type { AppEnvironment } from '../config/index.ts';
import type { HistoryEntry, Inventory } from '../inventory/index.ts';
import { message } from './helpers.ts';
import type { AgentLogger } from './logger.ts';
import { newRetryState, type RetryState } from './retry-policy.ts';
import type { Job, QueuedApp } from './scheduler.ts';
import { syncWindowOpen } from './sync-windows.ts';
import { appId, type AgentEvent, type AppRef, type AppState, type LastSync, type ShardCoordinatorApi, type Trigger } from './types.ts';

/** The agent's bookkeeping of one app in one environment. */
export interface Tracked extends QueuedApp {
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
  /** Automatic retries (see retry-policy.ts). */
  retry: RetryState;
  /** What the drift watcher was last told (keys), to tell it only about changes. */
  trackedObjects?: string;
  /** When a poll last re-checked it (apps with their own `syncOptions.pollInterval`). */
  polledAt?: number;
  /** Objects the drift watcher saw change, to be compared with git by value at the next reconcile. */
  suspects?: Set<string>;
  /** An inventory changed by another capstan process while this app was busy: looked at afterwards. */
  external?: Inventory;
}

/** A new app at `revision`, owned unless `shards` gives it to another replica. */
export function newTracked(app: AppEnvironment, revision: string, now: Date, shards?: ShardCoordinatorApi): Tracked {
  const ref = { app: app.name, env: app.env };
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
    syncWindowOpen: syncWindowOpen(app.syncWindows, now),
  };
  if (shards) state.owner = shards.ownerOf(ref);
  return { ref, id: appId(ref), app, settings: JSON.stringify(app), state, jobs: [], queued: false, running: false, owned: shards ? shards.owns(ref) : true, checked: false, retry: newRetryState() };
}

export class AppTable {
  private readonly tracked = new Map<string, Tracked>();
  /** Ids in the order `apps()` lists them: environment order, then declaration order. */
  private order: string[] = [];
  private readonly listeners = new Set<(event: AgentEvent) => void>();

  constructor(private readonly log: AgentLogger) {}

  get size(): number {
    return this.tracked.size;
  }

  /** Every tracked app, in no particular order. */
  all(): IterableIterator<Tracked> {
    return this.tracked.values();
  }

  /** Every tracked app in `apps()` order. */
  ordered(): Tracked[] {
    return this.order.map((id) => this.tracked.get(id)).filter((t): t is Tracked => t !== undefined);
  }

  /** The apps this replica reconciles, in `apps()` order. */
  owned(): Tracked[] {
    return this.ordered().filter((t) => t.owned);
  }

  find(ref: AppRef | string): Tracked | undefined {
    return this.tracked.get(typeof ref === 'string' ? ref : appId(ref));
  }

  /** The app, or a NotFoundError naming the apps there are. */
  get(ref: AppRef): Tracked {
    const t = this.tracked.get(appId(ref));
    if (t) return t;
    const known = this.order.join(', ');
    throw new NotFoundError(`app ${appId(ref)} is not reconciled by this agent${known ? `: it has ${known}` : ': it has not loaded capstan.yaml yet'}`);
  }

  has(id: string): boolean {
    return this.tracked.has(id);
  }

  /** Whether `t` is still the table's entry for its app (not removed, not replaced). */
  holds(t: Tracked): boolean {
    return this.tracked.get(t.id) === t;
  }

  add(t: Tracked): void {
    this.tracked.set(t.id, t);
  }

  delete(id: string): void {
    this.tracked.delete(id);
  }

  /** Sets the order `apps()` lists the apps in. */
  setOrder(ids: string[]): void {
    this.order = ids;
  }

  /** Applies a change to an app's state and emits an `app` event when anything changed. */
  patch(t: Tracked, change: Partial<AppState>): void {
    const before = JSON.stringify(t.state);
    const next = { ...t.state } as Record<string, unknown>;
    for (const [key, value] of Object.entries(change)) {
      if (value === undefined) delete next[key];
      else next[key] = value;
    }
    t.state = next as unknown as AppState;
    if (JSON.stringify(t.state) !== before && this.holds(t)) this.emit({ type: 'app', state: structuredClone(t.state) });
  }

  subscribe(listener: (event: AgentEvent) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  emit(event: AgentEvent): void {
    for (const listener of this.listeners) {
      try {
        listener(event);
      } catch (error) {
        this.log.error({ err: message(error) }, `an agent event listener failed: ${message(error)}`);
      }
    }
  }
}

const triggers: ReadonlySet<string> = new Set<Trigger>(['startup', 'poll', 'webhook', 'push', 'manual', 'drift', 'external', 'retry', 'dependency']);

/**
 * A history entry as the last sync of an app the agent did not sync itself (before it started, or
 * another process): with the trigger the entry recorded, or `trigger` when it names none (`capstan
 * apply`, an older agent) or when given as `external`.
 */
export function lastSyncOf(entry: HistoryEntry, trigger: Trigger = 'startup'): LastSync {
  const recorded = trigger !== 'external' && entry.trigger !== undefined && triggers.has(entry.trigger) ? (entry.trigger as Trigger) : trigger;
  const last: LastSync = { id: entry.id, revision: entry.revision, result: entry.result, startedAt: entry.time, finishedAt: entry.time, trigger: recorded, who: entry.who, counts: { ...entry.changes } };
  if (entry.message) last.message = entry.message;
  return last;
}
