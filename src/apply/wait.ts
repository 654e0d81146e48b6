import { CapstanError, TimeoutError, formatKey, type HealthStatus } from '../core/index.ts';
import { assessHealth, summarizeHealth } from '../health/index.ts';
import type { PlanPhase } from '../plan/index.ts';
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
 * Polls the items until every one is Healthy (or Suspended); the first poll assesses objects the
 * sync holds fresh from the server (Run.known) without reading them again. Missing, Progressing and Unknown
 * keep waiting; Degraded fails after `degradedGraceMs` (at once with `failFast`); waiting ends
 * after `waitTimeoutMs`. Every poll is reported as a `waiting` event. Polls come quickly at first
 * and slow down to `pollIntervalMs` (see pollDelay).
 */
export async function waitReady(run: Run, items: readonly PlanItem[], spec: WaitSpec): Promise<WaitOutcome> {
  const { pollIntervalMs, waitTimeoutMs, degradedGraceMs, healthOptions } = run.options;
  const start = Date.now();
  const degradedSince = new Map<string, number>();
  let pending = [...items];
  for (let poll = 0; ; poll++) {
    // the first poll reads only what the sync does not already hold fresh from the server (Run.known)
    const known = poll === 0 ? pending.filter((item) => run.known.has(item.id)) : [];
    const { objects, failures: failed } = await readObjects(run, known.length > 0 ? pending.filter((item) => !run.known.has(item.id)) : pending);
    for (const item of known) objects.set(item, run.known.get(item.id));
    const statuses = new Map<PlanItem, HealthStatus>();
    for (const [item, object] of objects) {
      run.latest.set(item.id, object);
      statuses.set(item, assessHealth(object, healthOptions));
    }
    const now = Date.now();
    const summary = summarizeHealth(
      pending.map((item) => ({ key: item.key, object: run.latest.get(item.id) })),
      healthOptions,
    );
    run.emit({ type: 'waiting', phase: spec.phase, wave: spec.wave, health: summary, elapsedMs: now - start });

    for (const [item, status] of statuses) {
      if (status.status !== 'Degraded') {
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
    if (now - start >= waitTimeoutMs) {
      const timedOut = pending.map((item) => {
        const status = statuses.get(item) ?? { status: 'Unknown' as const };
        const message = status.message ? `${status.status}: ${status.message}` : status.status;
        return { key: item.key, apiVersion: item.object.apiVersion, error: new TimeoutError(`is ${message}`, { subject: item.key }) };
      });
      return { failed: [], timedOut };
    }
    await sleep(Math.min(pollDelay(poll, pollIntervalMs), Math.max(0, start + waitTimeoutMs - Date.now())));
  }
}

/**
 * The pause after a poll: short at first, since most objects are ready within moments of being
 * applied (a ConfigMap at once, a small rollout in well under a second): every 100 ms for the
 * first 2 s (a poll is one list per kind and namespace of what is still pending), then doubling up
 * to `pollIntervalMs`: 200, 400, 800 ms, then the interval.
 */
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
