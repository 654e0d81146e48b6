/**
 * The reconciler: what the agent does to one app. `reconcile` compares the app with git, decides
 * whether an automatic sync may run (policy, rollback hold, sync window) and syncs it; `sync` runs
 * a sync or rollback (automatic or asked for) and records the outcome in the app's state. Failures
 * go to the retry policy; who calls these and when is the scheduler's and the triggers' business.
 */
import { ConflictError, NotReleasedError, ValidationError, formatKey, keyString, type CapstanError, type HealthStatusCode } from '../core/index.ts';
import type { AppEnvironment } from '../config/index.ts';
import type { DiffReport, Engine, RepoRevision, SyncPlan, SyncResult } from '../engine/index.ts';
import type { Inventory, InventoryObject } from '../inventory/index.ts';
import type { KubeClient } from '../kube/index.ts';
import type { Remote } from '../source/index.ts';
import { lastSyncOf, type AppTable, type Tracked } from './app-table.ts';
import { decide } from './decide.ts';
import { firstLines, isoNow, message, seconds, short } from './helpers.ts';
import type { AgentLogger } from './logger.ts';
import type { RetryPolicy } from './retry-policy.ts';
import type { Job } from './scheduler.ts';
import { syncWindowOpen } from './sync-windows.ts';
import type { AgentMetrics, AppState, LastSync, SyncActionResult, Trigger } from './types.ts';

// --- the engine, as the reconciler sees it ---------------------------------------------------

/** An app's live health, as its state records it. */
export interface LiveHealth {
  health: HealthStatusCode;
  healthMessage: string | undefined;
}

/** An app compared with git: what differs, what it applied (and its history), how it runs. */
export interface Comparison {
  report: DiffReport;
  inventory: Inventory;
  health: LiveHealth;
  /** The plan the comparison is, which a sync of the same revision applies as it is (no second plan). */
  plan?: SyncPlan;
}

/** A sync (of the checkout, or of `revision`) or a rollback (to history entry `to`, default the previous one). */
export type SyncAction =
  | { kind: 'sync'; who: string; trigger: Trigger; revision?: string; prune?: boolean; force?: boolean; signal: AbortSignal; plan?: SyncPlan }
  | { kind: 'rollback'; who: string; trigger: Trigger; to?: number; signal: AbortSignal };

/** What a sync did and left: its result, then the app's inventory and health after it. */
export interface SyncOutcome {
  result: SyncResult;
  /** When the sync itself finished (before inventory and health were read). */
  finishedAt: string;
  /** Undefined when it could not be read: `unread` says why. */
  inventory?: Inventory;
  unread?: string;
  /** The sync's own health when it succeeded and judged it, else the live health of `inventory`. */
  health?: LiveHealth;
}

/**
 * Every engine call the reconciler makes, and no other. `compare` is one `engine.plan()` (its
 * diffs, the inventory it read once, the health of the live objects it listed) and an automatic
 * `sync` is one `engine.apply()` of that same plan: the inventory is read once, each changed
 * object dry-run once. Throws only when the engine throws (an unreachable cluster, a bad
 * revision) or the app cannot be compared (its render failed, the server refused an object); a
 * sync that fails is a `Failed` result.
 */
export interface ReconcileEngine {
  compare(checkout: RepoRevision, app: AppEnvironment): Promise<Comparison>;
  sync(checkout: RepoRevision, app: AppEnvironment, action: SyncAction): Promise<SyncOutcome>;
  /** The live health of what the app's inventory lists (health still settling after a sync). */
  health(checkout: RepoRevision, app: AppEnvironment): Promise<LiveHealth>;
  /** Deletes what the app applied (`engine.delete`), recorded as done by `who`. */
  delete(app: AppEnvironment, options: { who: string }): Promise<SyncResult>;
}

/** The reconciler's engine calls. */
export function reconcileEngine(engine: Engine, repo: Remote, clientFor: (context: string | undefined) => Promise<KubeClient>): ReconcileEngine {
  async function liveHealth(app: AppEnvironment, inventory: Inventory): Promise<LiveHealth> {
    if (inventory.objects.length === 0) return { health: 'Missing', healthMessage: undefined };
    try {
      const summary = await engine.inventoryHealth(await clientFor(app.cluster), inventory, app);
      return { health: summary.status, healthMessage: summary.message };
    } catch (error) {
      return { health: 'Unknown', healthMessage: firstLines(message(error), 3) };
    }
  }
  return {
    async compare(checkout, app) {
      const plan = await engine.plan(checkout, app.name, app.env);
      // a conflict with another field manager (syncOptions.conflicts: fail) is a difference, which
      // a sync then reports as failed; any other refusal means the app cannot be compared
      const conflict = plan.error instanceof ConflictError;
      if (plan.error && !conflict) throw plan.error;
      const report: DiffReport = { app: app.name, env: app.env, revision: plan.revision, diffs: plan.diffs, changed: plan.changed || conflict };
      const health: LiveHealth = plan.inventory.objects.length === 0 ? { health: 'Missing', healthMessage: undefined } : { health: plan.health.status, healthMessage: plan.health.message };
      return { report, inventory: plan.inventory, health, plan };
    },
    async sync(checkout, app, action) {
      const { who, trigger, signal } = action;
      // another capstan syncing this app (CI, a laptop) is waited for, up to the app's sync timeout
      const waitForLockMs = app.syncOptions.timeoutMs;
      let result: SyncResult;
      if (action.kind === 'rollback') {
        result = await engine.rollback({ repo, app: app.name, env: app.env, who, trigger, to: action.to, waitForLockMs, signal });
        checkout = await engine.open(repo, result.revision);
      } else if (action.plan && action.revision === undefined && action.prune === undefined && action.force === undefined) {
        result = await engine.apply(action.plan, { who, trigger, waitForLockMs, signal, waitForDependencies: true });
      } else {
        if (action.revision) checkout = await engine.open(repo, action.revision);
        result = await engine.syncAt(checkout, { repo, revision: checkout.commit, app: app.name, env: app.env, who, trigger, prune: action.prune, force: action.force, waitForLockMs, signal });
      }
      const outcome: SyncOutcome = { result, finishedAt: isoNow() };
      const own = result.result === 'Succeeded' && result.health ? { health: result.health.status, healthMessage: result.health.message } : undefined;
      // the sync hands back the inventory it recorded; read only when it recorded nothing (another process held the app)
      try {
        outcome.inventory = result.inventory ?? (await engine.history(checkout, app.name, app.env));
      } catch (error) {
        outcome.unread = message(error);
      }
      const health = own ?? (outcome.inventory ? await liveHealth(app, outcome.inventory) : undefined);
      if (health) outcome.health = health;
      return outcome;
    },
    async health(checkout, app) {
      return liveHealth(app, await engine.history(checkout, app.name, app.env));
    },
    async delete(app, { who }) {
      // another capstan syncing this app is waited for, as a sync waits
      return engine.delete({ repo, app: app.name, env: app.env, who, waitForLockMs: app.syncOptions.timeoutMs });
    },
  };
}

// --- reconciling -----------------------------------------------------------------------------

export interface ReconcilerOptions {
  engine: ReconcileEngine;
  apps: AppTable;
  retries: RetryPolicy<Tracked>;
  metrics: AgentMetrics;
  log: AgentLogger;
  /** Recorded in the history for automatic syncs. */
  who: string;
  now(): Date;
  /** The agent's current revision; undefined before the first fetch. */
  head(): RepoRevision | undefined;
  /** What an app owns now (for the drift watcher). */
  owns(t: Tracked, objects: readonly InventoryObject[]): void;
  /** An app synced successfully (its dependents may go on). */
  synced(t: Tracked): void;
}

export class Reconciler {
  /** Aborted by `stop()`: running syncs stop waiting, record themselves and let go of their locks. */
  private stopSignal = new AbortController();

  constructor(private readonly options: ReconcilerOptions) {}

  start(): void {
    this.stopSignal = new AbortController();
  }

  stop(): void {
    this.stopSignal.abort('the agent is stopping');
  }

  /** Compares the app with the current revision, decides, and syncs it when an automatic sync may run. */
  async reconcile(t: Tracked, trigger: Trigger, who?: string): Promise<SyncActionResult | undefined> {
    const { apps, metrics } = this.options;
    const checkout = this.current();
    const started = performance.now();
    const log = this.options.log.child({ app: t.ref.app, env: t.ref.env, revision: checkout.commit, trigger });
    let compared: Comparison;
    try {
      compared = await this.options.engine.compare(checkout, t.app);
    } catch (error) {
      if (error instanceof NotReleasedError) {
        // an artifact app before its first release: reported, not synced, nothing pruned, no retries
        if (!t.state.notReleased) log.info({}, `${t.id} is not released yet: ${error.message}`);
        apps.patch(t, { sync: 'Unknown', health: 'Missing', healthMessage: undefined, notReleased: true, error: undefined, failures: 0, nextRetryAt: undefined });
        metrics.reconcileDuration(seconds(started), t.ref, 'Unchanged');
        return undefined;
      }
      const text = firstLines(message(error));
      log.warn({ err: text }, `${t.id} could not be compared: ${text}`);
      apps.patch(t, { sync: 'Unknown', error: text });
      metrics.reconcileDuration(seconds(started), t.ref, 'Failed');
      this.failed(t, log);
      return undefined;
    }
    const { report, inventory, health } = compared;
    this.options.owns(t, inventory.objects);
    const restored: Partial<AppState> = { revision: inventory.revision, error: undefined, notReleased: undefined, ...health };
    const last = inventory.history.at(-1);
    if (!t.state.lastSync && last) restored.lastSync = lastSyncOf(last);
    const drifted = confirmDrift(t, report);
    const policy = t.app.syncPolicy;
    const decision = decide({ changed: report.changed, policy, trigger, last, head: checkout.commit, windowOpen: syncWindowOpen(t.app.syncWindows, this.options.now()), deleted: t.state.deleted !== undefined });

    if (decision === 'in-sync') {
      apps.patch(t, { ...restored, sync: 'Synced', failures: 0, nextRetryAt: undefined, drift: undefined });
      t.deferred = undefined;
      metrics.reconcileDuration(seconds(started), t.ref, 'Unchanged');
      return undefined;
    }
    apps.patch(t, { ...restored, sync: 'OutOfSync' });
    if (drifted.length > 0) this.recordDrift(t, drifted);
    if (decision === 'sync') {
      t.deferred = undefined;
      t.deferredWho = undefined;
      // what the sync is about to apply is watched from now (crashes, drift), not once it is healthy:
      // a crash-looping release is reported while its sync still waits for it
      const applying = (compared.plan?.changeSet.changes ?? []).filter((c) => c.action !== 'deleted' && c.hook === undefined).map((c) => ({ apiVersion: c.apiVersion, key: c.key }));
      this.options.owns(t, [...inventory.objects, ...applying.filter((a) => !inventory.objects.some((o) => keyString(o.key) === keyString(a.key)))]);
      // Git wins: fields a hand edit took over are taken back unless the app says conflicts: fail.
      return this.sync(t, { kind: 'sync', trigger, since: isoNow(), sync: { who: who ?? this.options.who }, waiters: [] }, compared.plan);
    }
    if (decision === 'report') {
      log.info({ diffs: report.diffs.length }, `${t.id} is OutOfSync (${report.diffs.map((d) => `${d.action} ${formatKey(d.key)}`).slice(0, 5).join(', ')}): ${policy.automated ? 'drift without selfHeal is only reported' : 'manual app, waiting for a sync'}`);
    } else if (decision === 'deleted') {
      log.info({ deletedBy: t.state.deleted!.by }, `${t.id} is OutOfSync: ${t.state.deleted!.by} deleted it at ${t.state.deleted!.at}; it is synced again by a manual sync or a new commit that changes it`);
    } else if (decision === 'held') {
      log.info({ rollback: last!.id }, `${t.id} is OutOfSync: rollback #${last!.id} holds it at ${last!.revision.slice(0, 12)} until a new commit comes`);
    } else {
      t.deferred = trigger;
      t.deferredWho = who;
      apps.patch(t, { syncWindowOpen: false });
      log.info({}, `${t.id} is OutOfSync; the sync window of environment ${t.ref.env} is closed: the sync waits for it to open`);
    }
    metrics.reconcileDuration(seconds(started), t.ref, 'Unchanged');
    return undefined;
  }

  /** Applies the app (a sync or a rollback) and records the outcome in its state. */
  async sync(t: Tracked, job: Job, plan?: SyncPlan): Promise<SyncActionResult> {
    const { apps, metrics } = this.options;
    const startedAt = isoNow();
    const started = performance.now();
    const who = job.sync?.who ?? job.rollback?.who ?? this.options.who;
    const log = this.options.log.child({ app: t.ref.app, env: t.ref.env, trigger: job.trigger, who });
    const checkout = this.current();
    const signal = this.stopSignal.signal;
    let outcome: SyncOutcome;
    try {
      const action: SyncAction = job.kind === 'rollback' ? { kind: 'rollback', who, trigger: job.trigger, to: job.rollback?.to, signal } : { kind: 'sync', who, trigger: job.trigger, revision: job.sync?.revision, prune: job.sync?.prune, force: job.sync?.force, signal, plan };
      outcome = await this.options.engine.sync(checkout, t.app, action);
    } catch (error) {
      // A bad request (unknown history entry, revision not found): nothing was applied.
      if (job.trigger === 'manual') throw error;
      apps.patch(t, { error: firstLines(message(error)) });
      this.failed(t, log);
      throw error;
    }
    const { result, finishedAt, inventory } = outcome;
    const counts = { ...result.counts };
    const lastSync: LastSync = { revision: result.revision, result: result.result, startedAt, finishedAt, trigger: job.trigger, who, counts };
    if (result.recorded) lastSync.id = result.recorded.id;
    if (result.error) lastSync.message = firstLines(result.error.message);
    if (outcome.unread !== undefined) log.warn({ err: outcome.unread }, `${t.id}: reading the inventory after the sync failed: ${outcome.unread}`);
    if (inventory) this.options.owns(t, inventory.objects);

    const out: SyncActionResult = { ...t.ref, revision: result.revision, result: result.result, changeSet: result.changeSet, counts };
    if (result.result === 'Succeeded') {
      this.options.retries.succeeded(t);
      const atHead = result.revision === this.options.head()?.commit;
      apps.patch(t, { revision: result.revision, sync: atHead ? 'Synced' : 'OutOfSync', lastSync, failures: 0, nextRetryAt: undefined, drift: undefined, error: undefined, deleted: undefined, ...outcome.health });
      const changed = counts.created + counts.configured + counts.deleted > 0;
      log.info({ revision: result.revision, counts }, `${t.id} synced to ${short(result.revision)}${changed ? '' : ' (nothing to change)'}`);
      metrics.reconcileDuration(seconds(started), t.ref, changed ? 'Succeeded' : 'Unchanged');
      this.options.synced(t);
    } else {
      out.message = lastSync.message;
      // it applied (some of) the app again: no longer deleted, and retried as any failed sync
      apps.patch(t, { sync: 'OutOfSync', lastSync, error: lastSync.message, deleted: undefined, ...outcome.health });
      log.warn({ revision: result.revision, err: lastSync.message, category: (result.error as CapstanError | undefined)?.category }, `${t.id} sync to ${short(result.revision)} failed: ${lastSync.message ?? ''}`);
      metrics.reconcileDuration(seconds(started), t.ref, 'Failed');
      this.failed(t, log);
    }
    metrics.syncResult(t.ref, result.result);
    apps.emit({ type: 'sync', state: structuredClone(t.state), result: structuredClone(out) });
    return out;
  }

  /**
   * Deletes what the app applied and marks it deleted: no automatic sync, self-heal or retry brings
   * it back until a manual sync or a new commit that changes it. A delete that fails part-way
   * leaves it marked too (what is left is for a person to look at, not for the agent to re-create).
   */
  async delete(t: Tracked, job: Job): Promise<SyncActionResult> {
    const { apps } = this.options;
    const who = job.delete?.who ?? this.options.who;
    const log = this.options.log.child({ app: t.ref.app, env: t.ref.env, trigger: job.trigger, who });
    const result = await this.options.engine.delete(t.app, { who });
    this.options.retries.cancel(t);
    t.deferred = undefined;
    t.deferredWho = undefined;
    t.suspects = undefined;
    this.options.owns(t, result.inventory?.objects ?? []);
    const counts = { ...result.counts };
    const out: SyncActionResult = { ...t.ref, revision: result.revision, result: result.result, changeSet: result.changeSet, counts };
    const deleted = { at: isoNow(), by: who };
    if (result.result === 'Succeeded') {
      apps.patch(t, { deleted, sync: 'OutOfSync', health: 'Missing', healthMessage: undefined, drift: undefined, error: undefined, failures: 0, nextRetryAt: undefined });
      log.info({ counts }, `${t.id} deleted by ${who}: ${counts.deleted ?? 0} object(s) deleted; not synced again until a manual sync or a new commit that changes it`);
    } else {
      out.message = firstLines(result.error?.message ?? 'the delete failed');
      apps.patch(t, { deleted, sync: 'OutOfSync', error: out.message, failures: 0, nextRetryAt: undefined });
      log.warn({ counts, err: out.message }, `${t.id}: delete by ${who} failed: ${out.message}`);
    }
    return out;
  }

  /** Reads the app's live health again (health that was still settling: a rollout, a restart mid-sync). */
  async recheckHealth(t: Tracked, checkout: RepoRevision): Promise<void> {
    this.options.apps.patch(t, await this.options.engine.health(checkout, t.app));
  }

  /** Drift found by value: recorded in the app's state, counted, logged and announced. */
  private recordDrift(t: Tracked, objects: string[]): void {
    const seen = new Set([...(t.state.drift?.objects ?? []), ...objects]);
    this.options.apps.patch(t, { drift: { detectedAt: isoNow(), objects: [...seen].sort() }, drifts: (t.state.drifts ?? 0) + 1 });
    const heals = t.app.syncPolicy.selfHeal && t.app.syncPolicy.automated;
    this.options.log.warn({ app: t.ref.app, env: t.ref.env, objects, selfHeal: t.app.syncPolicy.selfHeal }, `drift: ${objects.join(', ')} differ from git, changed in the cluster behind capstan's back${heals ? ': self-healing' : ''}`);
    this.options.metrics.drift(t.ref);
    this.options.apps.emit({ type: 'drift', state: structuredClone(t.state), objects: [...objects] });
  }

  private failed(t: Tracked, log: AgentLogger): void {
    // a deleted app is not retried: nothing automatic runs for it
    if (t.state.deleted) return this.options.retries.cancel(t);
    this.options.retries.failed(t, this.options.head()?.commit ?? '', log);
  }

  private current(): RepoRevision {
    const head = this.options.head();
    if (!head) throw new ValidationError('the agent has not fetched the config repo yet: start it first');
    return head;
  }
}

/** The objects the drift watcher reported that the comparison with git finds different in value. */
function confirmDrift(t: Tracked, report: DiffReport): string[] {
  const suspects = t.suspects;
  t.suspects = undefined;
  if (!suspects || !report.changed) return [];
  const differ = new Set(report.diffs.map((d) => formatKey(d.key)));
  return [...suspects].filter((o) => differ.has(o)).sort();
}
