import type { ApiCore } from '../api.ts';
import type { StoreEvent } from '../store.ts';
import type { KubeObject } from '../types.ts';
import { cleanupRevisions, ensureRevision, RevisionCollision, revisionsOf, templateOfRevision, type Revision } from './controller-revisions.ts';
import type { Controller, ReconcileResult } from './scheduler.ts';
import {
  clone,
  controllerReference,
  deleteObject,
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
  podFromTemplate,
  podPhase,
  records,
  resources,
  specOf,
  splitKey,
  statusOf,
  str,
  writeStatus,
  type Json,
} from './shared.ts';

export const revisionLabel = 'controller-revision-hash';
export const podNameLabel = 'statefulset.kubernetes.io/pod-name';
export const podIndexLabel = 'apps.kubernetes.io/pod-index';

/** The ordinal of a StatefulSet pod from its name, or undefined for a pod that is not `<set>-<n>`. */
function ordinalOf(set: KubeObject, pod: KubeObject): number | undefined {
  const prefix = `${set.metadata.name}-`;
  const name = String(pod.metadata.name);
  if (!name.startsWith(prefix)) return undefined;
  const rest = name.slice(prefix.length);
  return /^(0|[1-9]\d*)$/.test(rest) ? Number(rest) : undefined;
}

/**
 * The StatefulSet controller: pods `<name>-0..n-1` with stable names and claims, created in order
 * (OrderedReady waits for each to be Ready; Parallel does not), removed from the highest ordinal,
 * and rolled to a new revision from the highest ordinal down to the partition.
 */
export class StatefulSetController implements Controller {
  readonly name = 'statefulset';
  readonly priority = 3;

  constructor(private readonly api: ApiCore) {}

  initialKeys(): string[] {
    return this.api.store.list(resources.statefulSets).map(keyOf);
  }

  keysFor(event: StoreEvent): string[] {
    if (event.resource === resources.statefulSets) return event.type === 'DELETED' ? [] : [keyOf(event.object)];
    if (event.resource === resources.pods) return ownerKeys([event.object, event.previous], 'StatefulSet');
    return [];
  }

  async reconcile(key: string): Promise<ReconcileResult | void> {
    const { namespace, name } = splitKey(key);
    const set = this.api.store.get(resources.statefulSets, namespace, name);
    if (!set || set.metadata.deletionTimestamp || namespaceTerminating(this.api, namespace)) return;
    const setType = this.api.type('apps/v1', 'StatefulSet');
    const previous = statusOf(set);
    const collisionCount = num(previous.collisionCount, 0);
    let update: Revision;
    try {
      update = await ensureRevision(this.api, set, managers.statefulSet, collisionCount);
    } catch (error) {
      if (!(error instanceof RevisionCollision)) throw error;
      await writeStatus(this.api, setType, set, { ...clone(previous), collisionCount: collisionCount + 1 }, managers.statefulSet);
      return { requeueAfterMs: 1 };
    }
    const currentName = str(previous.currentRevision) || update.name;
    const current = revisionsOf(this.api, set).find((r) => r.metadata.name === currentName) ?? update.object;

    const spec = specOf(set);
    const replicas = num(spec.replicas, 1);
    const parallel = spec.podManagementPolicy === 'Parallel';
    const strategy = isRecord(spec.updateStrategy) ? spec.updateStrategy : {};
    const rolling = strategy.type !== 'OnDelete';
    const partition = rolling && isRecord(strategy.rollingUpdate) ? num(strategy.rollingUpdate.partition, 0) : 0;
    const podType = this.api.type('v1', 'Pod');
    const byOrdinal = new Map<number, KubeObject>();
    for (const pod of ownedBy(this.api, resources.pods, set)) {
      const ordinal = ordinalOf(set, pod);
      if (ordinal !== undefined) byOrdinal.set(ordinal, pod);
    }

    // 1. every ordinal below replicas has a healthy pod (in order, unless Parallel)
    let waiting = false;
    for (let ordinal = 0; ordinal < replicas && !waiting; ordinal++) {
      const pod = byOrdinal.get(ordinal);
      if (!pod) {
        const fromCurrent = rolling && current.metadata.name !== update.name && ordinal < partition;
        await this.ensureClaims(set, ordinal);
        await this.api.create(podType, namespace, this.newPod(set, fromCurrent ? current : update.object, ordinal), { fieldManager: managers.statefulSet });
        if (!parallel) waiting = true;
        continue;
      }
      const phase = podPhase(pod);
      if (phase === 'Failed' || phase === 'Succeeded') {
        await deleteObject(this.api, podType, pod);
        if (!parallel) waiting = true;
        continue;
      }
      if (!parallel && (pod.metadata.deletionTimestamp || !isPodReady(pod))) waiting = true;
    }

    // 2. pods beyond replicas go, highest ordinal first
    if (!waiting) {
      const condemned = [...byOrdinal.entries()].filter(([ordinal]) => ordinal >= replicas).sort((a, b) => b[0] - a[0]);
      for (const [, pod] of condemned) {
        await deleteObject(this.api, podType, pod);
        if (!parallel) break;
      }
      if (condemned.length > 0) waiting = true;
    }

    // 3. a rolling update replaces one pod at a time, from the highest ordinal down to the partition
    if (!waiting && rolling) {
      const allReady = [...byOrdinal.entries()].every(([ordinal, pod]) => ordinal >= replicas || isPodReady(pod));
      for (let ordinal = replicas - 1; ordinal >= partition; ordinal--) {
        const pod = byOrdinal.get(ordinal);
        if (!pod) break;
        if (pod.metadata.labels?.[revisionLabel] !== update.name) {
          if (allReady) await deleteObject(this.api, podType, pod);
          break;
        }
        if (!isPodReady(pod)) break;
      }
    }

    const fresh = this.api.store.get(resources.statefulSets, namespace, name) ?? set;
    return this.updateStatus(fresh, currentName, update.name);
  }

  private newPod(set: KubeObject, revision: KubeObject, ordinal: number): KubeObject {
    const name = `${set.metadata.name}-${ordinal}`;
    const pod = podFromTemplate(templateOfRevision(revision), set, {
      name,
      labels: { [revisionLabel]: revision.metadata.name as string, [podNameLabel]: name, [podIndexLabel]: String(ordinal) },
    });
    const spec = pod.spec as Json;
    const setSpec = specOf(set);
    spec.hostname = name;
    if (typeof setSpec.serviceName === 'string' && setSpec.serviceName) spec.subdomain = setSpec.serviceName;
    const claims = records(setSpec.volumeClaimTemplates);
    if (claims.length > 0) {
      const volumes = records(spec.volumes);
      for (const claim of claims) {
        const claimName = str(isRecord(claim.metadata) ? claim.metadata.name : undefined);
        const volume = { name: claimName, persistentVolumeClaim: { claimName: `${claimName}-${set.metadata.name}-${ordinal}` } };
        const at = volumes.findIndex((v) => v.name === claimName);
        if (at >= 0) volumes[at] = volume;
        else volumes.push(volume);
      }
      spec.volumes = volumes;
    }
    return pod;
  }

  /** Creates the PersistentVolumeClaims of an ordinal from the volumeClaimTemplates, once. */
  private async ensureClaims(set: KubeObject, ordinal: number): Promise<void> {
    const spec = specOf(set);
    const claimType = this.api.type('v1', 'PersistentVolumeClaim');
    const retention = isRecord(spec.persistentVolumeClaimRetentionPolicy) ? spec.persistentVolumeClaimRetentionPolicy : {};
    const selector = isRecord(spec.selector) && isRecord(spec.selector.matchLabels) ? (spec.selector.matchLabels as Record<string, string>) : {};
    for (const template of records(spec.volumeClaimTemplates)) {
      const meta = isRecord(template.metadata) ? template.metadata : {};
      const name = `${str(meta.name)}-${set.metadata.name}-${ordinal}`;
      if (this.api.store.get(resources.claims, set.metadata.namespace, name)) continue;
      const claim: KubeObject = {
        apiVersion: 'v1',
        kind: 'PersistentVolumeClaim',
        metadata: {
          name,
          namespace: set.metadata.namespace,
          labels: { ...(isRecord(meta.labels) ? (meta.labels as Record<string, string>) : {}), ...selector },
          ...(isRecord(meta.annotations) ? { annotations: { ...(meta.annotations as Record<string, string>) } } : {}),
          ...(retention.whenDeleted === 'Delete' ? { ownerReferences: [controllerReference(set)] } : {}),
        },
        spec: clone(isRecord(template.spec) ? template.spec : {}),
      };
      await this.api.create(claimType, set.metadata.namespace, claim, { fieldManager: managers.statefulSet });
    }
  }

  private async updateStatus(set: KubeObject, currentRevision: string, updateRevision: string): Promise<ReconcileResult | void> {
    const spec = specOf(set);
    const minReadySeconds = num(spec.minReadySeconds, 0);
    const pods = ownedBy(this.api, resources.pods, set).filter((p) => ordinalOf(set, p) !== undefined && !p.metadata.deletionTimestamp);
    const now = Date.now();
    const previous = statusOf(set);
    const status: Json = {
      observedGeneration: set.metadata.generation,
      replicas: pods.length,
      readyReplicas: pods.filter(isPodReady).length,
      currentReplicas: pods.filter((p) => p.metadata.labels?.[revisionLabel] === currentRevision).length,
      updatedReplicas: pods.filter((p) => p.metadata.labels?.[revisionLabel] === updateRevision).length,
      availableReplicas: pods.filter((p) => isPodAvailable(p, minReadySeconds, now)).length,
      currentRevision,
      updateRevision,
      collisionCount: num(previous.collisionCount, 0),
      ...(previous.conditions !== undefined ? { conditions: previous.conditions } : {}),
    };
    const rolling = !isRecord(spec.updateStrategy) || spec.updateStrategy.type !== 'OnDelete';
    if (rolling && status.updatedReplicas === status.replicas && status.readyReplicas === status.replicas) {
      status.currentRevision = updateRevision;
      status.currentReplicas = status.updatedReplicas;
    }
    await writeStatus(this.api, this.api.type('apps/v1', 'StatefulSet'), set, omitZero(status, ['observedGeneration', 'readyReplicas', 'currentReplicas', 'updatedReplicas']), managers.statefulSet);
    const live = new Set<string>([String(status.currentRevision), updateRevision]);
    for (const pod of pods) {
      const label = pod.metadata.labels?.[revisionLabel];
      if (label) live.add(label);
    }
    await cleanupRevisions(this.api, set, live, num(spec.revisionHistoryLimit, 10));
    const wait = msUntilAvailable(pods, minReadySeconds, now);
    if (wait !== undefined) return { requeueAfterMs: wait };
  }
}
