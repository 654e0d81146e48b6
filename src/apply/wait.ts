import { CapstanError, TimeoutError, formatKey, type HealthStatus, type Manifest } from '../core/index.ts';
import { assessHealth, summarizeResources } from '../health/index.ts';
import type { WatchHandle } from '../kube/index.ts';
import type { PlanPhase } from '../plan/index.ts';
import { crdLookup } from './crd-lookup.ts';
import type { ObjectFailure } from './errors.ts';
import { sleep } from './limit.ts';
import { Run } from './run.ts';
import type { PlanItem } from './types.ts';
import { readObjects } from './validate.ts';

export interface WaitOutcome {
  /** Objects that failed (Degraded past the grace, a failed hook, a read that failed). */
  failed: ObjectFailure[];
  /** Objects still not ready when the time ran out; empty when everything became ready. */
  timedOut: ObjectFailure[];
}

export interface WaitSpec {
  phase: PlanPhase;
  wave: number;
  /** Degraded fails at once (a failed Job), instead of after the grace period. */
  failFast?: boolean;
}

/** Healthy, or Suspended (a paused rollout, a suspended CronJob): nothing more will happen by waiting. */
function settled(status: HealthStatus): boolean {
  return status.status === 'Healthy' || status.status === 'Suspended';
}

/**
 * Waits until every item is Healthy (or Suspended). The first look assesses objects the sync holds
 * fresh from the server (Run.known) and reads the rest; after it, watches on the kinds and
 * namespaces still pending deliver each change as it happens (a poll of everything pending still
 * runs every `pollIntervalMs`, and the quick polls of pollDelay take over when a watch cannot be
 * opened or breaks). Missing, Progressing and Unknown keep waiting; Degraded fails after
 * `degradedGraceMs` (at once with `failFast`); waiting ends after `waitTimeoutMs`. Every look is
 * reported as a `waiting` event.
 */
export async function waitReady(run: Run, items: readonly PlanItem[], spec: WaitSpec): Promise<WaitOutcome> {
  const { pollIntervalMs, waitTimeoutMs, degradedGraceMs, healthOptions } = run.options;
  const start = Date.now();
  const degradedSince = new Map<string, number>();
  const statuses = new Map<PlanItem, HealthStatus>();
  let pending = [...items];
  let changes: Changes | undefined;
  let pollNow = false;
  try {
    for (let poll = 0; ; poll++) {
      let objects: Map<PlanItem, Manifest | undefined>;
      let failed: ObjectFailure[] = [];
      if (poll === 0) {
        // the first look reads only what the sync does not already hold fresh from the server (Run.known)
        const known = pending.filter((item) => run.known.has(item.id));
        ({ objects, failures: failed } = await readObjects(run, known.length > 0 ? pending.filter((item) => !run.known.has(item.id)) : pending));
        for (const item of known) objects.set(item, run.known.get(item.id));
      } else if (changes?.live && !pollNow) {
        objects = changes.take();
      } else {
        ({ objects, failures: failed } = await readObjects(run, pending));
        changes?.take();
      }
      for (const [item, object] of objects) run.latest.set(item.id, object);
      // a custom resource without a status waits for its CRD to be Established
      const options = { ...healthOptions, crds: await crdLookup(run, objects.values()) };
      for (const [item, object] of objects) statuses.set(item, assessHealth(object, options));
      const now = Date.now();
      // every pending item was assessed at the first look and again whenever it changed
      const summary = summarizeResources(pending.map((item) => ({ key: item.key, ...(statuses.get(item) ?? assessHealth(run.latest.get(item.id), options)) })));
      run.emit({ type: 'waiting', phase: spec.phase, wave: spec.wave, health: summary, elapsedMs: now - start });

      for (const item of pending) {
        const status = statuses.get(item);
        if (status?.status !== 'Degraded') {
          degradedSince.delete(item.id);
          continue;
        }
        const since = degradedSince.get(item.id) ?? now;
        degradedSince.set(item.id, since);
        if (spec.failFast || now - since >= degradedGraceMs) {
          failed.push({ key: item.key, apiVersion: item.object.apiVersion, error: new CapstanError(`is Degraded: ${status.message ?? 'no message'}`, { subject: item.key }) });
        }
      }
      if (failed.length > 0) return { failed, timedOut: [] };
      pending = pending.filter((item) => !settled(statuses.get(item) ?? { status: 'Unknown' }));
      if (pending.length === 0) return { failed: [], timedOut: [] };
      if (run.options.signal?.aborted) {
        const stopped = pending.map((item) => ({ key: item.key, apiVersion: item.object.apiVersion, error: new CapstanError(`was still ${statuses.get(item)?.status ?? 'Unknown'} when the wait was stopped (${String(run.options.signal?.reason ?? 'aborted')})`, { subject: item.key }) }));
        return { failed: stopped, timedOut: [] };
      }
      if (now - start >= waitTimeoutMs) {
        const timedOut = pending.map((item) => {
          const status = statuses.get(item) ?? { status: 'Unknown' as const };
          const message = status.message ? `${status.status}: ${status.message}` : status.status;
          return { key: item.key, apiVersion: item.object.apiVersion, error: new TimeoutError(`is ${message}`, { subject: item.key }) };
        });
        return { failed: [], timedOut };
      }
      if (poll === 0) changes = await Changes.open(run, pending);
      const left = Math.max(0, start + waitTimeoutMs - Date.now());
      const waiting = changes?.live ? changes.next(Math.min(pollIntervalMs, left)).then((changed) => void (pollNow = !changed)) : sleep(Math.min(pollDelay(poll, pollIntervalMs), left));
      await untilAborted(waiting, run.options.signal);
    }
  } finally {
    changes?.stop();
  }
}

/**
 * Watches of the kinds and namespaces a wait is waiting on: the latest state of each of its items
 * that changed since the last `take`. Opened without a resourceVersion, so each watch begins with
 * the current state of what it covers. `live` turns false when a watch cannot be opened or ends,
 * and the wait goes back to polling.
 */
class Changes {
  private readonly changed = new Map<PlanItem, Manifest | undefined>();
  private readonly handles: WatchHandle[] = [];
  private wake: ((changed: boolean) => void) | undefined;
  live = true;

  static async open(run: Run, items: readonly PlanItem[]): Promise<Changes | undefined> {
    const changes = new Changes();
    const groups = new Map<string, Map<string, PlanItem>>();
    for (const item of items) {
      const id = `${item.object.apiVersion}|${item.key.kind}|${item.key.namespace}`;
      if (!groups.has(id)) groups.set(id, new Map());
      groups.get(id)!.set(item.key.name, item);
    }
    const opened = [...groups.values()].map(async (byName) => {
      const first = byName.values().next().value!;
      const handle = await run.client.watch(first.object.apiVersion, first.key.kind, first.key.namespace ? { namespace: first.key.namespace } : {}, (event) => {
        const item = byName.get(event.object.metadata?.name);
        if (!item || event.type === 'BOOKMARK') return;
        changes.changed.set(item, event.type === 'DELETED' ? undefined : event.object);
        changes.signal(true);
      });
      changes.handles.push(handle);
      handle.done.then(
        () => changes.stop(),
        () => changes.stop(),
      );
    });
    const results = await Promise.allSettled(opened);
    if (results.some((result) => result.status === 'rejected')) {
      changes.stop();
      return undefined;
    }
    return changes;
  }

  /** The changes since the last call. */
  take(): Map<PlanItem, Manifest | undefined> {
    const out = new Map(this.changed);
    this.changed.clear();
    return out;
  }

  /** Resolves true at the next change (at once if one is waiting), false after `ms` without one. */
  next(ms: number): Promise<boolean> {
    if (this.changed.size > 0) return Promise.resolve(true);
    return new Promise((resolve) => {
      const timer = setTimeout(() => this.signal(false), ms);
      this.wake = (changed) => {
        clearTimeout(timer);
        this.wake = undefined;
        resolve(changed);
      };
    });
  }

  stop(): void {
    this.live = false;
    for (const handle of this.handles) handle.stop();
    this.signal(false);
  }

  private signal(changed: boolean): void {
    this.wake?.(changed);
  }
}

/**
 * The pause after a poll: short at first, since most objects are ready within moments of being
 * applied (a ConfigMap at once, a small rollout in well under a second): every 100 ms for the
 * first 2 s (a poll is one list per kind and namespace of what is still pending), then doubling up
 * to `pollIntervalMs`: 200, 400, 800 ms, then the interval.
 */
/** `work`, or less when `signal` aborts first. */
function untilAborted(work: Promise<void>, signal: AbortSignal | undefined): Promise<void> {
  if (!signal) return work;
  if (signal.aborted) return Promise.resolve();
  return new Promise((resolve) => {
    const done = (): void => {
      signal.removeEventListener('abort', done);
      resolve();
    };
    signal.addEventListener('abort', done, { once: true });
    work.then(done, done);
  });
}

export function pollDelay(poll: number, pollIntervalMs: number): number {
  const quickPolls = 20;
  return Math.min(pollIntervalMs, poll < quickPolls ? 100 : 100 * 2 ** Math.min(poll - quickPolls + 1, 20));
}

/** Polls until `get` answers undefined (the object is gone); false when `waitTimeoutMs` passed first. */
export async function waitGone(run: Run, item: PlanItem): Promise<boolean> {
  const start = Date.now();
  for (;;) {
    if ((await run.client.get(item.object.apiVersion, item.key)) === undefined) return true;
    if (Date.now() - start >= run.options.waitTimeoutMs) return false;
    await sleep(Math.min(run.options.pollIntervalMs, 200));
  }
}

export function describeStage(phase: PlanPhase, wave: number): string {
  return Run.stageName(phase, wave);
}

export function names(items: readonly { key: PlanItem['key'] }[]): string {
  return items.map((i) => formatKey(i.key)).join(', ');
}
