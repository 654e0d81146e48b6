import type { ApiCore } from '../api.ts';
import type { StoreEvent } from '../store.ts';
import type { KubeObject } from '../types.ts';
import type { Controller, ReconcileResult } from './scheduler.ts';
import {
  clone,
  controllerOf,
  controllerReference,
  deleteObject,
  isPodActive,
  isPodAvailable,
  isPodReady,
  isRecord,
  keyOf,
  managers,
  namespaceTerminating,
  msUntilAvailable,
  num,
  omitZero,
  ownedBy,
  ownerKeys,
  podCondition,
  podFromTemplate,
  podPhase,
  records,
  resources,
  selects,
  specOf,
  splitKey,
  statusOf,
  writeObject,
  writeStatus,
  type Json,
} from './shared.ts';
import { formatTime } from '../time.ts';

const phaseRank: Record<string, number> = { Pending: 0, Unknown: 1, Running: 2 };

function restarts(pod: KubeObject): number {
  return records(statusOf(pod).containerStatuses).reduce((sum, s) => sum + num(s.restartCount, 0), 0);
}

/**
 * The order in which a ReplicaSet gives up pods when scaling down (`controller.ActivePods`):
 * unscheduled before scheduled, pending before running, not ready before ready, ready for less
 * time before longer, more restarts before fewer, newer before older.
 */
export function compareForDeletion(a: KubeObject, b: KubeObject): number {
  const assigned = (p: KubeObject): number => (specOf(p).nodeName ? 1 : 0);
  if (assigned(a) !== assigned(b)) return assigned(a) - assigned(b);
  const phase = (p: KubeObject): number => phaseRank[podPhase(p)] ?? 1;
  if (phase(a) !== phase(b)) return phase(a) - phase(b);
  const ready = (p: KubeObject): number => (isPodReady(p) ? 1 : 0);
  if (ready(a) !== ready(b)) return ready(a) - ready(b);
  if (isPodReady(a) && isPodReady(b)) {
    const since = (p: KubeObject): string => String(podCondition(p, 'Ready')?.lastTransitionTime ?? '');
    if (since(a) !== since(b)) return since(a) > since(b) ? -1 : 1;
  }
  if (restarts(a) !== restarts(b)) return restarts(b) - restarts(a);
  const created = (p: KubeObject): string => p.metadata.creationTimestamp ?? '';
  if (created(a) !== created(b)) return created(a) > created(b) ? -1 : 1;
  const rv = (p: KubeObject): number => Number(p.metadata.resourceVersion ?? 0);
  return rv(b) - rv(a);
}

/** Keeps `spec.replicas` pods of a ReplicaSet's template running and reports how many are ready and available. */
export class ReplicaSetController implements Controller {
  readonly name = 'replicaset';
  readonly priority = 3;

  constructor(private readonly api: ApiCore) {}

  initialKeys(): string[] {
    return this.api.store.list(resources.replicaSets).map(keyOf);
  }

  keysFor(event: StoreEvent): string[] {
    if (event.resource === resources.replicaSets) return event.type === 'DELETED' ? [] : [keyOf(event.object)];
    if (event.resource === resources.pods) {
      const keys = ownerKeys([event.object, event.previous], 'ReplicaSet');
      // an orphan that a ReplicaSet's selector matches may be adopted
      if (keys.length === 0 && event.type !== 'DELETED' && !controllerOf(event.object)) {
        for (const rs of this.api.store.list(resources.replicaSets, event.namespace)) {
          if (selects(specOf(rs).selector, event.object.metadata.labels)) keys.push(keyOf(rs));
        }
      }
      return keys;
    }
    return [];
  }

  async reconcile(key: string): Promise<ReconcileResult | void> {
    const { namespace, name } = splitKey(key);
    let rs = this.api.store.get(resources.replicaSets, namespace, name);
    if (!rs || namespaceTerminating(this.api, namespace)) return;
    const spec = specOf(rs);
    const podType = this.api.type('v1', 'Pod');
    if (!rs.metadata.deletionTimestamp) {
      await this.adoptOrphans(rs);
      const active = ownedBy(this.api, resources.pods, rs).filter(isPodActive);
      const wanted = num(spec.replicas, 1);
      let failure: string | undefined;
      if (active.length < wanted) {
        const template = isRecord(spec.template) ? spec.template : {};
        for (let i = active.length; i < wanted; i++) {
          try {
            await this.api.create(podType, namespace, podFromTemplate(template, rs, { generateName: `${name}-` }), { fieldManager: managers.replicaSet });
          } catch (error) {
            failure = (error as Error).message;
            break;
          }
        }
      } else if (active.length > wanted) {
        for (const pod of [...active].sort(compareForDeletion).slice(0, active.length - wanted)) await deleteObject(this.api, podType, pod);
      }
      rs = this.api.store.get(resources.replicaSets, namespace, name) ?? rs;
      return this.updateStatus(rs, failure);
    }
    return this.updateStatus(rs, undefined);
  }

  private async adoptOrphans(rs: KubeObject): Promise<void> {
    const podType = this.api.type('v1', 'Pod');
    for (const pod of this.api.store.list(resources.pods, rs.metadata.namespace)) {
      if (controllerOf(pod) || !isPodActive(pod) || !selects(specOf(rs).selector, pod.metadata.labels)) continue;
      const adopted = clone(pod);
      adopted.metadata.ownerReferences = [...(adopted.metadata.ownerReferences ?? []), controllerReference(rs)];
      await writeObject(this.api, podType, adopted, managers.replicaSet);
    }
  }

  private async updateStatus(rs: KubeObject, failure: string | undefined): Promise<ReconcileResult | void> {
    const spec = specOf(rs);
    const minReadySeconds = num(spec.minReadySeconds, 0);
    const pods = ownedBy(this.api, resources.pods, rs).filter(isPodActive);
    const templateLabels = isRecord(spec.template) && isRecord(spec.template.metadata) && isRecord(spec.template.metadata.labels) ? spec.template.metadata.labels : {};
    const now = Date.now();
    const previous = statusOf(rs);
    const conditions = records(previous.conditions).filter((c) => c.type !== 'ReplicaFailure');
    if (failure) {
      const old = records(previous.conditions).find((c) => c.type === 'ReplicaFailure');
      conditions.push({ type: 'ReplicaFailure', status: 'True', lastTransitionTime: old?.lastTransitionTime ?? formatTime(now), reason: 'FailedCreate', message: failure });
    }
    const status: Json = omitZero(
      {
        replicas: pods.length,
        fullyLabeledReplicas: pods.filter((p) => Object.entries(templateLabels).every(([k, v]) => p.metadata.labels?.[k] === v)).length,
        readyReplicas: pods.filter(isPodReady).length,
        availableReplicas: pods.filter((p) => isPodAvailable(p, minReadySeconds, now)).length,
        observedGeneration: rs.metadata.generation,
        ...(conditions.length > 0 ? { conditions } : {}),
      },
      ['fullyLabeledReplicas', 'readyReplicas', 'availableReplicas', 'observedGeneration'],
    );
    await writeStatus(this.api, this.api.type('apps/v1', 'ReplicaSet'), rs, status, managers.replicaSet);
    if (failure) return { requeueAfterMs: 1000 };
    const wait = msUntilAvailable(pods, minReadySeconds, now);
    if (wait !== undefined) return { requeueAfterMs: wait };
  }
}
