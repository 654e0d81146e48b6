import type { ApiCore } from '../api.ts';
import type { StoreEvent } from '../store.ts';
import type { KubeObject } from '../types.ts';
import { compareForDeletion } from './replica-set.ts';
import type { Controller, ReconcileResult } from './scheduler.ts';
import {
  clone,
  deleteObject,
  isPodActive,
  isPodReady,
  isRecord,
  keyOf,
  managers,
  namespaceTerminating,
  num,
  omitZero,
  ownedBy,
  ownerKeys,
  podFromTemplate,
  podPhase,
  records,
  resources,
  specOf,
  splitKey,
  statusOf,
  str,
  timestamp,
  writeStatus,
  type Json,
} from './shared.ts';

export const completionIndexKey = 'batch.kubernetes.io/job-completion-index';

function condition(type: string, reason: string, message: string, status = 'True'): Json {
  const now = timestamp();
  return { type, status, lastProbeTime: now, lastTransitionTime: now, reason, message };
}

function hasCondition(status: Json, type: string, value = 'True'): boolean {
  return records(status.conditions).some((c) => c.type === type && c.status === value);
}

function setCondition(status: Json, next: Json): void {
  const old = records(status.conditions).find((c) => c.type === next.type);
  if (old && old.status === next.status && old.reason === next.reason) return;
  status.conditions = [...records(status.conditions).filter((c) => c.type !== next.type), next];
}

function indexOf(pod: KubeObject): number | undefined {
  const value = pod.metadata.annotations?.[completionIndexKey] ?? pod.metadata.labels?.[completionIndexKey];
  const n = Number(value);
  return value !== undefined && Number.isInteger(n) && n >= 0 ? n : undefined;
}

/** `1,3-5,7` → the set of indexes. */
export function parseIndexes(text: unknown): Set<number> {
  const out = new Set<number>();
  if (typeof text !== 'string') return out;
  for (const part of text.split(',')) {
    const [from, to] = part.split('-').map(Number);
    if (!Number.isInteger(from)) continue;
    for (let i = from; i <= (Number.isInteger(to) ? to : from); i++) out.add(i);
  }
  return out;
}

/** The set of indexes as `status.completedIndexes` writes it: sorted, runs collapsed (`0-2,4`). */
export function formatIndexes(indexes: Iterable<number>): string {
  const sorted = [...new Set(indexes)].sort((a, b) => a - b);
  const parts: string[] = [];
  for (let i = 0; i < sorted.length; i++) {
    let j = i;
    while (j + 1 < sorted.length && sorted[j + 1] === sorted[j] + 1) j++;
    parts.push(j > i ? `${sorted[i]}-${sorted[j]}` : String(sorted[i]));
    i = j;
  }
  return parts.join(',');
}

/**
 * The Job controller: runs pods until `completions` succeed (at most `parallelism` at once, one per
 * index in Indexed mode), fails the Job past `backoffLimit` or `activeDeadlineSeconds`, honours
 * `suspend`, and reports the counts and conditions `kubectl wait --for=condition=complete` reads.
 */
export class JobController implements Controller {
  readonly name = 'job';
  readonly priority = 3;

  constructor(private readonly api: ApiCore) {}

  initialKeys(): string[] {
    return this.api.store.list(resources.jobs).map(keyOf);
  }

  keysFor(event: StoreEvent): string[] {
    if (event.resource === resources.jobs) return event.type === 'DELETED' ? [] : [keyOf(event.object)];
    if (event.resource === resources.pods) return ownerKeys([event.object, event.previous], 'Job');
    return [];
  }

  async reconcile(key: string): Promise<ReconcileResult | void> {
    const { namespace, name } = splitKey(key);
    const job = this.api.store.get(resources.jobs, namespace, name);
    if (!job || job.metadata.deletionTimestamp || namespaceTerminating(this.api, namespace)) return;
    const previous = statusOf(job);
    const spec = specOf(job);
    if (hasCondition(previous, 'Complete') || hasCondition(previous, 'Failed')) return this.expire(job);
    const podType = this.api.type('v1', 'Pod');
    const now = Date.now();
    const status: Json = clone(previous);
    const pods = ownedBy(this.api, resources.pods, job);
    const activePods = pods.filter(isPodActive);
    const succeededPods = pods.filter((p) => podPhase(p) === 'Succeeded');
    const failedPods = pods.filter((p) => podPhase(p) === 'Failed');
    const indexed = spec.completionMode === 'Indexed';
    const completions = typeof spec.completions === 'number' ? spec.completions : undefined;
    const parallelism = num(spec.parallelism, 1);
    const restartPolicy = str(isRecord(spec.template) && isRecord(spec.template.spec) ? spec.template.spec.restartPolicy : undefined);

    const completed = parseIndexes(previous.completedIndexes);
    if (indexed) for (const pod of succeededPods) {
      const index = indexOf(pod);
      if (index !== undefined && index < (completions ?? 0)) completed.add(index);
    }
    const succeeded = indexed ? completed.size : Math.max(num(previous.succeeded, 0), succeededPods.length);
    let failed = Math.max(num(previous.failed, 0), failedPods.length);

    const finish = async (): Promise<ReconcileResult | void> => {
      const fresh = ownedBy(this.api, resources.pods, job).filter(isPodActive);
      status.active = fresh.length;
      status.succeeded = succeeded;
      status.failed = failed;
      status.ready = fresh.filter(isPodReady).length;
      status.terminating = 0;
      status.uncountedTerminatedPods = {};
      if (indexed && completed.size > 0) status.completedIndexes = formatIndexes(completed);
      await writeStatus(this.api, this.api.type('batch/v1', 'Job'), job, omitZero(status, ['active', 'succeeded', 'failed']), managers.job);
      const deadline = spec.activeDeadlineSeconds;
      const started = typeof status.startTime === 'string' ? Date.parse(status.startTime) : NaN;
      if (typeof deadline === 'number' && !Number.isNaN(started) && !hasCondition(status, 'Failed') && !hasCondition(status, 'Complete') && spec.suspend !== true) {
        return { requeueAfterMs: Math.max(1, started + deadline * 1000 - Date.now() + 10) };
      }
    };

    // suspension: no pods run, and the clock starts again on resume
    if (spec.suspend === true) {
      for (const pod of activePods) await deleteObject(this.api, podType, pod);
      setCondition(status, condition('Suspended', 'JobSuspended', 'Job suspended'));
      return finish();
    }
    if (hasCondition(status, 'Suspended')) {
      setCondition(status, condition('Suspended', 'JobResumed', 'Job resumed', 'False'));
      status.startTime = timestamp(now);
    }
    if (typeof status.startTime !== 'string') status.startTime = timestamp(now);

    const fail = async (reason: string, message: string): Promise<ReconcileResult | void> => {
      for (const pod of activePods) await deleteObject(this.api, podType, pod);
      failed += activePods.length;
      setCondition(status, condition('FailureTarget', reason, message));
      setCondition(status, condition('Failed', reason, message));
      return finish();
    };
    const deadline = spec.activeDeadlineSeconds;
    if (typeof deadline === 'number' && Date.parse(String(status.startTime)) + deadline * 1000 <= now) {
      return fail('DeadlineExceeded', 'Job was active longer than specified deadline');
    }
    const backoffLimit = num(spec.backoffLimit, 6);
    let restarts = 0;
    if (restartPolicy === 'OnFailure') {
      for (const pod of activePods) {
        const statuses = [...records(statusOf(pod).initContainerStatuses), ...records(statusOf(pod).containerStatuses)];
        restarts += statuses.reduce((n, s) => n + num(s.restartCount, 0), 0);
      }
    }
    const pastOnFailure = restartPolicy === 'OnFailure' && (backoffLimit === 0 ? restarts > 0 : restarts >= backoffLimit);
    if (failed > backoffLimit || pastOnFailure) return fail('BackoffLimitExceeded', 'Job has reached the specified backoff limit');

    const done = completions !== undefined ? succeeded >= completions : succeededPods.length > 0 && activePods.length === 0;
    if (done) {
      for (const pod of activePods) await deleteObject(this.api, podType, pod);
      const message = 'Reached expected number of succeeded pods';
      setCondition(status, condition('SuccessCriteriaMet', 'CompletionsReached', message));
      setCondition(status, condition('Complete', 'CompletionsReached', message));
      status.completionTime = timestamp(now);
      return finish();
    }

    // keep the right number of pods running
    let wantActive: number;
    if (completions === undefined) wantActive = succeeded > 0 ? activePods.length : parallelism;
    else wantActive = Math.min(parallelism, Math.max(0, completions - succeeded));
    if (activePods.length > wantActive) {
      const extra = [...activePods].sort(compareForDeletion).slice(0, activePods.length - wantActive);
      for (const pod of extra) await deleteObject(this.api, podType, pod);
    } else if (activePods.length < wantActive) {
      const missing = wantActive - activePods.length;
      if (indexed) {
        const busy = new Set(activePods.map(indexOf));
        const pending: number[] = [];
        for (let i = 0; i < (completions ?? 0) && pending.length < missing; i++) if (!completed.has(i) && !busy.has(i)) pending.push(i);
        for (const index of pending) await this.createPod(job, index);
      } else {
        for (let i = 0; i < missing; i++) await this.createPod(job, undefined);
      }
    }
    return finish();
  }

  /** The TTL-after-finished controller: a finished Job goes `ttlSecondsAfterFinished` after it finished. */
  private async expire(job: KubeObject): Promise<ReconcileResult | void> {
    const ttl = specOf(job).ttlSecondsAfterFinished;
    if (typeof ttl !== 'number') return;
    const status = statusOf(job);
    const failed = records(status.conditions).find((c) => c.type === 'Failed' && c.status === 'True');
    const finishedAt = Date.parse(str(status.completionTime) || str(failed?.lastTransitionTime));
    if (Number.isNaN(finishedAt)) return;
    const wait = finishedAt + ttl * 1000 - Date.now();
    if (wait > 0) return { requeueAfterMs: wait };
    await deleteObject(this.api, this.api.type('batch/v1', 'Job'), job);
  }

  private async createPod(job: KubeObject, index: number | undefined): Promise<void> {
    const spec = specOf(job);
    const template = isRecord(spec.template) ? spec.template : {};
    const name = job.metadata.name as string;
    const pod = podFromTemplate(template, job, {
      generateName: index === undefined ? `${name}-` : `${name}-${index}-`,
      labels: index === undefined ? {} : { [completionIndexKey]: String(index) },
    });
    if (index !== undefined) {
      pod.metadata.annotations = { ...(pod.metadata.annotations ?? {}), [completionIndexKey]: String(index) };
      const podSpec = pod.spec as Json;
      if (podSpec.hostname === undefined) podSpec.hostname = `${name}-${index}`;
      for (const container of [...records(podSpec.initContainers), ...records(podSpec.containers)]) {
        const env = records(container.env).filter((e) => e.name !== 'JOB_COMPLETION_INDEX');
        env.push({ name: 'JOB_COMPLETION_INDEX', valueFrom: { fieldRef: { fieldPath: `metadata.annotations['${completionIndexKey}']` } } });
        container.env = env;
      }
    }
    await this.api.create(this.api.type('v1', 'Pod'), job.metadata.namespace, pod, { fieldManager: managers.job });
  }
}
