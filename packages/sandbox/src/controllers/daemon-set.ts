import type { ApiCore } from '../api.ts';
import { jsonEqual } from '../field-set.ts';
import type { StoreEvent } from '../store.ts';
import type { KubeObject } from '../types.ts';
import { cleanupRevisions, ensureRevision, RevisionCollision, type Revision } from './controller-revisions.ts';
import type { Controller, ReconcileResult } from './scheduler.ts';
import {
  clone,
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
  podFromTemplate,
  podPhase,
  records,
  resources,
  specOf,
  splitKey,
  statusOf,
  writeStatus,
  type Json,
} from './shared.ts';

const hashLabel = 'controller-revision-hash';
const generationLabel = 'pod-template-generation';

/** Tolerations the DaemonSet controller adds so its pods survive node conditions. */
function daemonTolerations(hostNetwork: boolean): Json[] {
  const out: Json[] = [
    { key: 'node.kubernetes.io/not-ready', operator: 'Exists', effect: 'NoExecute' },
    { key: 'node.kubernetes.io/unreachable', operator: 'Exists', effect: 'NoExecute' },
    { key: 'node.kubernetes.io/disk-pressure', operator: 'Exists', effect: 'NoSchedule' },
    { key: 'node.kubernetes.io/memory-pressure', operator: 'Exists', effect: 'NoSchedule' },
    { key: 'node.kubernetes.io/pid-pressure', operator: 'Exists', effect: 'NoSchedule' },
    { key: 'node.kubernetes.io/unschedulable', operator: 'Exists', effect: 'NoSchedule' },
  ];
  if (hostNetwork) out.push({ key: 'node.kubernetes.io/network-unavailable', operator: 'Exists', effect: 'NoSchedule' });
  return out;
}

/** The DaemonSet controller for a one-node cluster: one pod on the node when its selector allows, rolled on template changes. */
export class DaemonSetController implements Controller {
  readonly name = 'daemonset';
  readonly priority = 3;

  constructor(
    private readonly api: ApiCore,
    private readonly nodeName: string,
  ) {}

  initialKeys(): string[] {
    return this.api.store.list(resources.daemonSets).map(keyOf);
  }

  keysFor(event: StoreEvent): string[] {
    if (event.resource === resources.daemonSets) return event.type === 'DELETED' ? [] : [keyOf(event.object)];
    if (event.resource === resources.pods) return ownerKeys([event.object, event.previous], 'DaemonSet');
    const labelsChanged = event.type !== 'MODIFIED' || !jsonEqual(event.previous?.metadata.labels, event.object.metadata.labels);
    if (event.resource === resources.nodes && event.object.metadata.name === this.nodeName && labelsChanged) {
      return this.initialKeys();
    }
    return [];
  }

  async reconcile(key: string): Promise<ReconcileResult | void> {
    const { namespace, name } = splitKey(key);
    const ds = this.api.store.get(resources.daemonSets, namespace, name);
    if (!ds || ds.metadata.deletionTimestamp || namespaceTerminating(this.api, namespace)) return;
    const dsType = this.api.type('apps/v1', 'DaemonSet');
    const previous = statusOf(ds);
    const collisionCount = num(previous.collisionCount, 0);
    let revision: Revision;
    try {
      revision = await ensureRevision(this.api, ds, managers.daemonSet, collisionCount);
    } catch (error) {
      if (!(error instanceof RevisionCollision)) throw error;
      await writeStatus(this.api, dsType, ds, { ...clone(previous), collisionCount: collisionCount + 1 }, managers.daemonSet);
      return { requeueAfterMs: 1 };
    }
    const spec = specOf(ds);
    const podType = this.api.type('v1', 'Pod');
    const shouldRun = this.shouldRun(ds);
    const pods = ownedBy(this.api, resources.pods, ds).filter((p) => !p.metadata.deletionTimestamp);
    if (!shouldRun) {
      for (const pod of pods) await deleteObject(this.api, podType, pod);
    } else {
      const running = pods.filter(isPodActive);
      for (const pod of pods) if (podPhase(pod) === 'Failed') await deleteObject(this.api, podType, pod);
      if (running.length === 0) {
        await this.api.create(podType, namespace, this.newPod(ds, revision), { fieldManager: managers.daemonSet });
      } else {
        // one pod per node: keep the oldest
        const sorted = [...running].sort((a, b) => String(a.metadata.creationTimestamp).localeCompare(String(b.metadata.creationTimestamp)));
        for (const extra of sorted.slice(1)) await deleteObject(this.api, podType, extra);
        const pod = sorted[0];
        const strategy = isRecord(spec.updateStrategy) ? spec.updateStrategy : {};
        if (strategy.type !== 'OnDelete' && pod.metadata.labels?.[hashLabel] !== revision.hash) await deleteObject(this.api, podType, pod);
      }
    }
    const fresh = this.api.store.get(resources.daemonSets, namespace, name) ?? ds;
    return this.updateStatus(fresh, revision, shouldRun);
  }

  private shouldRun(ds: KubeObject): boolean {
    const node = this.api.store.get(resources.nodes, undefined, this.nodeName);
    if (!node) return false;
    const template = specOf(ds).template;
    const podSpec = isRecord(template) && isRecord(template.spec) ? template.spec : {};
    const selector = podSpec.nodeSelector;
    if (isRecord(selector) && !Object.entries(selector).every(([k, v]) => node.metadata.labels?.[k] === v)) return false;
    if (typeof podSpec.nodeName === 'string' && podSpec.nodeName !== '' && podSpec.nodeName !== this.nodeName) return false;
    return true;
  }

  private newPod(ds: KubeObject, revision: Revision): KubeObject {
    const template = isRecord(specOf(ds).template) ? (specOf(ds).template as Json) : {};
    const pod = podFromTemplate(template, ds, {
      generateName: `${ds.metadata.name}-`,
      labels: { [hashLabel]: revision.hash, [generationLabel]: String(ds.metadata.generation ?? 1) },
    });
    const spec = pod.spec as Json;
    const affinity = isRecord(spec.affinity) ? spec.affinity : {};
    const nodeAffinity = isRecord(affinity.nodeAffinity) ? affinity.nodeAffinity : {};
    nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution = {
      nodeSelectorTerms: [{ matchFields: [{ key: 'metadata.name', operator: 'In', values: [this.nodeName] }] }],
    };
    affinity.nodeAffinity = nodeAffinity;
    spec.affinity = affinity;
    const tolerations = records(spec.tolerations);
    for (const toleration of daemonTolerations(spec.hostNetwork === true)) {
      if (!tolerations.some((t) => t.key === toleration.key && t.effect === toleration.effect)) tolerations.push(toleration);
    }
    spec.tolerations = tolerations;
    return pod;
  }

  private async updateStatus(ds: KubeObject, revision: Revision, shouldRun: boolean): Promise<ReconcileResult | void> {
    const spec = specOf(ds);
    const minReadySeconds = num(spec.minReadySeconds, 0);
    const pods = ownedBy(this.api, resources.pods, ds).filter(isPodActive);
    const now = Date.now();
    const previous = statusOf(ds);
    const desired = shouldRun ? 1 : 0;
    const scheduled = shouldRun && pods.length > 0 ? 1 : 0;
    const available = shouldRun ? pods.filter((p) => isPodAvailable(p, minReadySeconds, now)).length : 0;
    const status: Json = {
      currentNumberScheduled: scheduled,
      desiredNumberScheduled: desired,
      numberMisscheduled: !shouldRun && pods.length > 0 ? 1 : 0,
      numberReady: shouldRun ? pods.filter(isPodReady).length : 0,
      observedGeneration: ds.metadata.generation,
      updatedNumberScheduled: shouldRun ? pods.filter((p) => p.metadata.labels?.[hashLabel] === revision.hash).length : 0,
      numberAvailable: available,
      numberUnavailable: Math.max(0, desired - available),
      ...(previous.collisionCount !== undefined ? { collisionCount: previous.collisionCount } : {}),
      ...(previous.conditions !== undefined ? { conditions: previous.conditions } : {}),
    };
    await writeStatus(
      this.api,
      this.api.type('apps/v1', 'DaemonSet'),
      ds,
      omitZero(status, ['observedGeneration', 'updatedNumberScheduled', 'numberAvailable', 'numberUnavailable']),
      managers.daemonSet,
    );
    const live = new Set<string>([revision.name]);
    for (const pod of pods) {
      const hash = pod.metadata.labels?.[hashLabel];
      if (hash) live.add(`${ds.metadata.name}-${hash}`);
    }
    await cleanupRevisions(this.api, ds, live, num(spec.revisionHistoryLimit, 10));
    const wait = msUntilAvailable(pods, minReadySeconds, now);
    if (wait !== undefined) return { requeueAfterMs: wait };
  }
}
