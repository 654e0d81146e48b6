import type { ApiCore } from '../api.ts';
import { jsonEqual } from '../field-set.ts';
import type { StoreEvent } from '../store.ts';
import type { KubeObject, ResourceType } from '../types.ts';
import type { Controller, ReconcileResult } from './scheduler.ts';
import {
  clone,
  computeHash,
  controllerOf,
  controllerReference,
  deleteObject,
  isPodActive,
  isRecord,
  keyOf,
  managers,
  namespaceTerminating,
  num,
  omitZero,
  ownerKeys,
  parseTime,
  records,
  resources,
  scaledValue,
  selects,
  specOf,
  splitKey,
  statusOf,
  str,
  timestamp,
  withoutNulls,
  writeObject,
  writeStatus,
  type Json,
} from './shared.ts';

export const revisionAnnotation = 'deployment.kubernetes.io/revision';
const revisionHistoryAnnotation = 'deployment.kubernetes.io/revision-history';
const desiredReplicasAnnotation = 'deployment.kubernetes.io/desired-replicas';
const maxReplicasAnnotation = 'deployment.kubernetes.io/max-replicas';
const hashLabel = 'pod-template-hash';
const maxRevisionHistoryChars = 2000;
const noProgressDeadline = 2147483647;

/** Annotations of a Deployment that are not copied to its ReplicaSets. */
const notCopied = new Set([
  'kubectl.kubernetes.io/last-applied-configuration',
  revisionAnnotation,
  revisionHistoryAnnotation,
  desiredReplicasAnnotation,
  maxReplicasAnnotation,
  'deprecated.deployment.rollback.to',
]);

// ------------------------------------------------------------------ pure helpers (deployment/util)

function replicasOf(object: KubeObject): number {
  return num(specOf(object).replicas, 1);
}

function isRollingUpdate(d: KubeObject): boolean {
  const strategy = specOf(d).strategy;
  return !isRecord(strategy) || strategy.type === undefined || strategy.type === 'RollingUpdate';
}

/** `ResolveFenceposts`: surge rounds up, unavailability down, and both cannot be zero. */
export function resolveFenceposts(maxSurge: unknown, maxUnavailable: unknown, desired: number): { surge: number; unavailable: number } {
  const surge = scaledValue(maxSurge ?? '25%', desired, true);
  let unavailable = scaledValue(maxUnavailable ?? '25%', desired, false);
  if (surge === 0 && unavailable === 0) unavailable = 1;
  return { surge, unavailable };
}

function fenceposts(d: KubeObject): { surge: number; unavailable: number } {
  const strategy = specOf(d).strategy;
  const rolling = isRecord(strategy) && isRecord(strategy.rollingUpdate) ? strategy.rollingUpdate : {};
  return resolveFenceposts(rolling.maxSurge, rolling.maxUnavailable, replicasOf(d));
}

export function maxSurge(d: KubeObject): number {
  return isRollingUpdate(d) ? fenceposts(d).surge : 0;
}

export function maxUnavailable(d: KubeObject): number {
  const replicas = replicasOf(d);
  if (!isRollingUpdate(d) || replicas === 0) return 0;
  return Math.min(fenceposts(d).unavailable, replicas);
}

function revisionOf(rs: KubeObject): number {
  const value = Number(rs.metadata.annotations?.[revisionAnnotation] ?? 0);
  return Number.isInteger(value) ? value : 0;
}

function sumSpec(sets: KubeObject[]): number {
  return sets.reduce((n, rs) => n + replicasOf(rs), 0);
}

function sumStatus(sets: KubeObject[], field: string): number {
  return sets.reduce((n, rs) => n + num(statusOf(rs)[field], 0), 0);
}

function active(sets: KubeObject[]): KubeObject[] {
  return sets.filter((rs) => replicasOf(rs) > 0);
}

function byCreation(a: KubeObject, b: KubeObject): number {
  const ca = a.metadata.creationTimestamp ?? '';
  const cb = b.metadata.creationTimestamp ?? '';
  if (ca !== cb) return ca < cb ? -1 : 1;
  return String(a.metadata.name) < String(b.metadata.name) ? -1 : 1;
}

/** A template without the pod-template-hash label, for comparing a ReplicaSet with its Deployment. */
function templateWithoutHash(template: unknown): unknown {
  if (!isRecord(template)) return template;
  const copy = withoutNulls(template);
  const meta = isRecord(copy.metadata) ? copy.metadata : undefined;
  if (meta && isRecord(meta.labels)) {
    delete meta.labels[hashLabel];
    if (Object.keys(meta.labels).length === 0) delete meta.labels;
  }
  return copy;
}

function sameTemplate(rs: KubeObject, d: KubeObject): boolean {
  return jsonEqual(templateWithoutHash(specOf(rs).template), templateWithoutHash(specOf(d).template));
}

type ConditionStatus = 'True' | 'False' | 'Unknown';

function newCondition(type: string, status: ConditionStatus, reason: string, message: string): Json {
  const now = timestamp();
  return { type, status, lastUpdateTime: now, lastTransitionTime: now, reason, message };
}

function getCondition(status: Json, type: string): Json | undefined {
  return records(status.conditions).find((c) => c.type === type);
}

/** `SetDeploymentCondition`: same status and reason is a no-op; same status keeps the transition time. */
function setCondition(status: Json, condition: Json): void {
  const current = getCondition(status, str(condition.type));
  if (current && current.status === condition.status && current.reason === condition.reason) return;
  if (current && current.status === condition.status) condition.lastTransitionTime = current.lastTransitionTime;
  status.conditions = [...records(status.conditions).filter((c) => c.type !== condition.type), condition];
}

function removeCondition(status: Json, type: string): void {
  const kept = records(status.conditions).filter((c) => c.type !== type);
  if (kept.length > 0) status.conditions = kept;
  else delete status.conditions;
}

function hasProgressDeadline(d: KubeObject): boolean {
  const seconds = specOf(d).progressDeadlineSeconds;
  return typeof seconds === 'number' && seconds !== noProgressDeadline;
}

/** The rollout is done: every replica updated, available, and the latest generation observed. */
export function deploymentComplete(d: KubeObject, status: Json): boolean {
  const replicas = replicasOf(d);
  return (
    num(status.updatedReplicas, 0) === replicas &&
    num(status.replicas, 0) === replicas &&
    num(status.availableReplicas, 0) === replicas &&
    num(status.observedGeneration, 0) >= (d.metadata.generation ?? 0)
  );
}

function deploymentProgressing(d: KubeObject, status: Json): boolean {
  const old = statusOf(d);
  const oldOld = num(old.replicas, 0) - num(old.updatedReplicas, 0);
  const newOld = num(status.replicas, 0) - num(status.updatedReplicas, 0);
  return (
    num(status.updatedReplicas, 0) > num(old.updatedReplicas, 0) ||
    newOld < oldOld ||
    num(status.readyReplicas, 0) > num(old.readyReplicas, 0) ||
    num(status.availableReplicas, 0) > num(old.availableReplicas, 0)
  );
}

function deploymentTimedOut(d: KubeObject, status: Json, now: number): boolean {
  if (!hasProgressDeadline(d)) return false;
  const condition = getCondition(status, 'Progressing');
  if (!condition) return false;
  if (condition.reason === 'NewReplicaSetAvailable') return false;
  if (condition.reason === 'ProgressDeadlineExceeded') return true;
  const from = parseTime(condition.lastUpdateTime);
  return from !== undefined && from + num(specOf(d).progressDeadlineSeconds, 600) * 1000 < now;
}

// ------------------------------------------------------------------ the controller

interface Sets {
  newRS: KubeObject | undefined;
  oldRSs: KubeObject[];
}

/**
 * The Deployment controller, after kubernetes/pkg/controller/deployment: one ReplicaSet per pod
 * template (`<name>-<pod-template-hash>`), RollingUpdate bounded by maxSurge/maxUnavailable or
 * Recreate, proportional scaling, revisions, history cleanup, pause, and the status and conditions
 * `kubectl rollout status` reads.
 */
export class DeploymentController implements Controller {
  readonly name = 'deployment';
  readonly priority = 4;

  constructor(private readonly api: ApiCore) {}

  initialKeys(): string[] {
    return this.api.store.list(resources.deployments).map(keyOf);
  }

  keysFor(event: StoreEvent): string[] {
    if (event.resource === resources.deployments) return event.type === 'DELETED' ? [] : [keyOf(event.object)];
    if (event.resource === resources.replicaSets) {
      const keys = ownerKeys([event.object, event.previous], 'Deployment');
      if (keys.length === 0 && event.type !== 'DELETED' && !controllerOf(event.object)) {
        for (const d of this.api.store.list(resources.deployments, event.namespace)) {
          if (selects(specOf(d).selector, event.object.metadata.labels)) keys.push(keyOf(d));
        }
      }
      return keys;
    }
    return [];
  }

  private get rsType(): ResourceType {
    return this.api.type('apps/v1', 'ReplicaSet');
  }

  private get deploymentType(): ResourceType {
    return this.api.type('apps/v1', 'Deployment');
  }

  async reconcile(key: string): Promise<ReconcileResult | void> {
    const { namespace, name } = splitKey(key);
    const found = this.api.store.get(resources.deployments, namespace, name);
    if (!found || namespaceTerminating(this.api, namespace)) return;
    const run = new DeploymentSync(this.api, this.rsType, this.deploymentType, found);
    return run.sync();
  }
}

/** One reconcile of one Deployment; keeps the freshest copy of the objects it writes. */
class DeploymentSync {
  private requeueAfterMs: number | undefined;

  constructor(
    private readonly api: ApiCore,
    private readonly rsType: ResourceType,
    private readonly deploymentType: ResourceType,
    private d: KubeObject,
  ) {}

  async sync(): Promise<ReconcileResult | void> {
    if (this.d.metadata.deletionTimestamp) {
      const sets = await this.getAllReplicaSets(false);
      await this.syncDeploymentStatus(sets);
      return;
    }
    const selector = specOf(this.d).selector;
    if (!isRecord(selector) || (Object.keys(selector.matchLabels ?? {}).length === 0 && records(selector.matchExpressions).length === 0)) {
      // an empty selector would select every pod in the namespace: Kubernetes refuses to act on it
      return;
    }
    await this.adoptReplicaSets();
    await this.checkPausedConditions();
    if (specOf(this.d).paused === true) {
      await this.syncScale();
      return;
    }
    if (await this.isScalingEvent()) {
      await this.syncScale();
      return this.result();
    }
    if (str(isRecord(specOf(this.d).strategy) ? (specOf(this.d).strategy as Json).type : undefined) === 'Recreate') await this.rolloutRecreate();
    else await this.rolloutRolling();
    return this.result();
  }

  private result(): ReconcileResult | void {
    if (this.requeueAfterMs !== undefined) return { requeueAfterMs: this.requeueAfterMs };
  }

  // ---------------------------------------------------------------- replica sets

  private replicaSets(): KubeObject[] {
    return this.api.store.list(resources.replicaSets, this.d.metadata.namespace).filter((rs) => controllerOf(rs)?.uid === this.d.metadata.uid);
  }

  private async adoptReplicaSets(): Promise<void> {
    for (const rs of this.api.store.list(resources.replicaSets, this.d.metadata.namespace)) {
      if (controllerOf(rs) || rs.metadata.deletionTimestamp || !selects(specOf(this.d).selector, rs.metadata.labels)) continue;
      const adopted = clone(rs);
      adopted.metadata.ownerReferences = [...(adopted.metadata.ownerReferences ?? []), controllerReference(this.d)];
      await writeObject(this.api, this.rsType, adopted, managers.deployment);
    }
  }

  /** `getAllReplicaSetsAndSyncRevision`: the ReplicaSet of the current template (created on demand) and the others. */
  private async getAllReplicaSets(createIfMissing: boolean): Promise<Sets> {
    const all = this.replicaSets().sort(byCreation);
    const existing = all.find((rs) => sameTemplate(rs, this.d));
    const oldRSs = all.filter((rs) => rs !== existing);
    const newRS = await this.getNewReplicaSet(existing, oldRSs, createIfMissing);
    return { newRS, oldRSs };
  }

  private async getNewReplicaSet(existing: KubeObject | undefined, oldRSs: KubeObject[], createIfMissing: boolean): Promise<KubeObject | undefined> {
    const maxOldRevision = oldRSs.reduce((max, rs) => Math.max(max, revisionOf(rs)), 0);
    const newRevision = String(maxOldRevision + 1);
    const spec = specOf(this.d);
    if (existing) {
      // the annotations are worked out on a shallow copy (setNewReplicaSetAnnotations gives it a new
      // annotations object): most reconciles change nothing, and need no deep copy of the set
      const probe: KubeObject = { ...existing, metadata: { ...existing.metadata } };
      const annotationsChanged = this.setNewReplicaSetAnnotations(probe, newRevision, true);
      const minReadyChanged = specOf(existing).minReadySeconds !== spec.minReadySeconds;
      if (annotationsChanged || minReadyChanged) {
        const copy = clone(existing);
        copy.metadata.annotations = probe.metadata.annotations;
        if (spec.minReadySeconds === undefined) delete (copy.spec as Json).minReadySeconds;
        else (copy.spec as Json).minReadySeconds = spec.minReadySeconds;
        return writeObject(this.api, this.rsType, copy, managers.deployment);
      }
      const status = clone(statusOf(this.d));
      let statusChanged = false;
      if (hasProgressDeadline(this.d) && !getCondition(status, 'Progressing')) {
        setCondition(status, newCondition('Progressing', 'True', 'FoundNewReplicaSet', `Found new replica set "${existing.metadata.name}"`));
        statusChanged = true;
      }
      await this.setRevision(existing.metadata.annotations?.[revisionAnnotation] ?? newRevision);
      if (statusChanged) await this.writeDeploymentStatus(status);
      return existing;
    }
    if (!createIfMissing) return undefined;

    const status = statusOf(this.d);
    const collisionCount = num(status.collisionCount, 0);
    const template = clone(isRecord(spec.template) ? spec.template : {});
    const hash = computeHash(withoutNulls(template), collisionCount);
    const meta = isRecord(template.metadata) ? template.metadata : (template.metadata = {});
    meta.labels = { ...(isRecord(meta.labels) ? meta.labels : {}), [hashLabel]: hash };
    const selector = clone(isRecord(spec.selector) ? spec.selector : {});
    selector.matchLabels = { ...(isRecord(selector.matchLabels) ? selector.matchLabels : {}), [hashLabel]: hash };
    const rs: KubeObject = {
      apiVersion: 'apps/v1',
      kind: 'ReplicaSet',
      metadata: {
        name: `${this.d.metadata.name}-${hash}`,
        namespace: this.d.metadata.namespace,
        labels: { ...(meta.labels as Record<string, string>) },
        ownerReferences: [controllerReference(this.d)],
      },
      spec: {
        replicas: 0,
        ...(spec.minReadySeconds !== undefined ? { minReadySeconds: spec.minReadySeconds } : {}),
        selector,
        template,
      },
    };
    (rs.spec as Json).replicas = this.newReplicaSetReplicas([...oldRSs, rs], rs);
    this.setNewReplicaSetAnnotations(rs, newRevision, false);
    let created: KubeObject;
    let alreadyExisted = false;
    try {
      created = await this.api.create(this.rsType, this.d.metadata.namespace, rs, { fieldManager: managers.deployment });
    } catch (error) {
      if ((error as { code?: unknown; reason?: unknown }).reason !== 'AlreadyExists') throw error;
      const clash = this.api.store.get(resources.replicaSets, this.d.metadata.namespace, rs.metadata.name as string);
      if (clash && controllerOf(clash)?.uid === this.d.metadata.uid && sameTemplate(clash, this.d)) {
        created = clash;
        alreadyExisted = true;
      } else {
        // a hash collision: count it so the next attempt hashes differently
        const next = clone(statusOf(this.d));
        next.collisionCount = collisionCount + 1;
        await this.writeDeploymentStatus(next);
        throw error;
      }
    }
    await this.setRevision(newRevision);
    if (!alreadyExisted && hasProgressDeadline(this.d)) {
      const next = clone(statusOf(this.d));
      setCondition(next, newCondition('Progressing', 'True', 'NewReplicaSetCreated', `Created new replica set "${created.metadata.name}"`));
      await this.writeDeploymentStatus(next);
    }
    return created;
  }

  /** `SetNewReplicaSetAnnotations`: copied annotations, the revision (keeping a history on rollback), replica annotations on create. */
  private setNewReplicaSetAnnotations(rs: KubeObject, newRevision: string, exists: boolean): boolean {
    let changed = false;
    const annotations = { ...(rs.metadata.annotations ?? {}) };
    for (const [key, value] of Object.entries(this.d.metadata.annotations ?? {})) {
      if (notCopied.has(key) || annotations[key] === value) continue;
      annotations[key] = value;
      changed = true;
    }
    const oldRevision = annotations[revisionAnnotation];
    const oldNumber = oldRevision === undefined ? 0 : Number(oldRevision);
    if (oldRevision === undefined || oldNumber < Number(newRevision)) {
      annotations[revisionAnnotation] = newRevision;
      changed = true;
      if (oldRevision !== undefined) {
        const history = annotations[revisionHistoryAnnotation];
        const list = history ? history.split(',') : [];
        list.push(oldRevision);
        while (list.join(',').length > maxRevisionHistoryChars) list.shift();
        annotations[revisionHistoryAnnotation] = list.join(',');
      }
    }
    if (!exists && this.setReplicasAnnotations(annotations)) changed = true;
    rs.metadata.annotations = annotations;
    return changed;
  }

  private setReplicasAnnotations(annotations: Record<string, string>): boolean {
    const desired = String(replicasOf(this.d));
    const max = String(replicasOf(this.d) + maxSurge(this.d));
    if (annotations[desiredReplicasAnnotation] === desired && annotations[maxReplicasAnnotation] === max) return false;
    annotations[desiredReplicasAnnotation] = desired;
    annotations[maxReplicasAnnotation] = max;
    return true;
  }

  private async setRevision(revision: string): Promise<void> {
    if (this.d.metadata.annotations?.[revisionAnnotation] === revision) return;
    const next = clone(this.d);
    next.metadata.annotations = { ...(next.metadata.annotations ?? {}), [revisionAnnotation]: revision };
    this.d = await writeObject(this.api, this.deploymentType, next, managers.deployment);
  }

  /** `NewRSNewReplicas`: how far the new ReplicaSet may grow now. */
  private newReplicaSetReplicas(all: KubeObject[], newRS: KubeObject): number {
    const replicas = replicasOf(this.d);
    if (!isRollingUpdate(this.d)) return replicas;
    const current = sumSpec(all);
    const maxTotal = replicas + maxSurge(this.d);
    if (current >= maxTotal) return replicasOf(newRS);
    const scaleUp = Math.min(maxTotal - current, replicas - replicasOf(newRS));
    return replicasOf(newRS) + scaleUp;
  }

  /** Scales a ReplicaSet, recording the replica annotations; a no-op when the size is already right. */
  private async scaleReplicaSet(rs: KubeObject, size: number, evenIfSameSize = false): Promise<{ scaled: boolean; rs: KubeObject }> {
    const sizeChanged = replicasOf(rs) !== size;
    if (!sizeChanged && !evenIfSameSize) return { scaled: false, rs };
    const next = clone(rs);
    const annotations = { ...(next.metadata.annotations ?? {}) };
    const annotationsChanged = this.setReplicasAnnotations(annotations);
    if (!sizeChanged && !annotationsChanged) return { scaled: false, rs };
    next.metadata.annotations = annotations;
    (next.spec as Json).replicas = size;
    const saved = await writeObject(this.api, this.rsType, next, managers.deployment);
    return { scaled: sizeChanged, rs: saved };
  }

  // ---------------------------------------------------------------- strategies

  private async rolloutRolling(): Promise<void> {
    let { newRS, oldRSs } = await this.getAllReplicaSets(true);
    if (!newRS) return;
    // reconcile the new ReplicaSet: scale it toward the desired size within maxSurge
    const replicas = replicasOf(this.d);
    let scaledUp = false;
    if (replicasOf(newRS) > replicas) {
      ({ scaled: scaledUp, rs: newRS } = await this.scaleReplicaSet(newRS, replicas));
    } else if (replicasOf(newRS) < replicas) {
      ({ scaled: scaledUp, rs: newRS } = await this.scaleReplicaSet(newRS, this.newReplicaSetReplicas([...oldRSs, newRS], newRS)));
    }
    if (scaledUp) return this.syncRolloutStatus({ newRS, oldRSs });
    const scaledDown = await this.reconcileOldReplicaSets(oldRSs, newRS);
    oldRSs = scaledDown.oldRSs;
    if (scaledDown.count > 0) return this.syncRolloutStatus({ newRS, oldRSs });
    if (deploymentComplete(this.d, statusOf(this.d))) await this.cleanup(oldRSs);
    return this.syncRolloutStatus({ newRS, oldRSs });
  }

  /** Scales old ReplicaSets down as far as maxUnavailable allows: unhealthy pods first, then the oldest sets. */
  private async reconcileOldReplicaSets(oldRSs: KubeObject[], newRS: KubeObject): Promise<{ oldRSs: KubeObject[]; count: number }> {
    if (sumSpec(oldRSs) === 0) return { oldRSs, count: 0 };
    const all = [...oldRSs, newRS];
    const minAvailable = replicasOf(this.d) - maxUnavailable(this.d);
    const newUnavailable = replicasOf(newRS) - num(statusOf(newRS).availableReplicas, 0);
    const maxScaledDown = sumSpec(all) - minAvailable - newUnavailable;
    if (maxScaledDown <= 0) return { oldRSs, count: 0 };

    // cleanupUnhealthyReplicas
    const sets = [...oldRSs].sort(byCreation);
    let cleaned = 0;
    for (let i = 0; i < sets.length; i++) {
      if (cleaned >= maxScaledDown) break;
      const rs = sets[i];
      const size = replicasOf(rs);
      const available = num(statusOf(rs).availableReplicas, 0);
      if (size === 0 || size === available) continue;
      const down = Math.min(maxScaledDown - cleaned, size - available);
      const result = await this.scaleReplicaSet(rs, size - down);
      sets[i] = result.rs;
      cleaned += down;
    }

    // scaleDownOldReplicaSetsForRollingUpdate
    const availableNow = sumStatus([...sets, newRS], 'availableReplicas');
    let scaledDown = 0;
    if (availableNow > minAvailable) {
      const total = availableNow - minAvailable;
      for (let i = 0; i < sets.length && scaledDown < total; i++) {
        const size = replicasOf(sets[i]);
        if (size === 0) continue;
        const down = Math.min(size, total - scaledDown);
        const result = await this.scaleReplicaSet(sets[i], size - down);
        sets[i] = result.rs;
        scaledDown += down;
      }
    }
    return { oldRSs: sets, count: cleaned + scaledDown };
  }

  private async rolloutRecreate(): Promise<void> {
    let { newRS, oldRSs } = await this.getAllReplicaSets(false);
    let scaledDown = false;
    for (let i = 0; i < oldRSs.length; i++) {
      if (replicasOf(oldRSs[i]) === 0) continue;
      const result = await this.scaleReplicaSet(oldRSs[i], 0);
      if (result.scaled) scaledDown = true;
      oldRSs[i] = result.rs;
    }
    if (scaledDown) return this.syncRolloutStatus({ newRS, oldRSs });
    if (this.oldPodsRunning(oldRSs)) return this.syncRolloutStatus({ newRS, oldRSs });
    if (!newRS) ({ newRS, oldRSs } = await this.getAllReplicaSets(true));
    if (newRS) ({ rs: newRS } = await this.scaleReplicaSet(newRS, replicasOf(this.d)));
    if (deploymentComplete(this.d, statusOf(this.d))) await this.cleanup(oldRSs);
    return this.syncRolloutStatus({ newRS, oldRSs });
  }

  private oldPodsRunning(oldRSs: KubeObject[]): boolean {
    if (sumStatus(oldRSs, 'replicas') > 0) return true;
    const uids = new Set(oldRSs.map((rs) => rs.metadata.uid));
    return this.api.store
      .list(resources.pods, this.d.metadata.namespace)
      .some((pod) => uids.has(controllerOf(pod)?.uid) && (isPodActive(pod) || str(statusOf(pod).phase) === 'Unknown'));
  }

  /** The scaling path (a paused Deployment, or a replica count change without a template change): proportional scaling. */
  private async syncScale(): Promise<void> {
    let { newRS, oldRSs } = await this.getAllReplicaSets(false);
    ({ newRS, oldRSs } = await this.scale(newRS, oldRSs));
    if (specOf(this.d).paused === true) await this.cleanup(oldRSs);
    await this.syncDeploymentStatus({ newRS, oldRSs });
  }

  private async isScalingEvent(): Promise<boolean> {
    const { newRS, oldRSs } = await this.getAllReplicaSets(false);
    const replicas = String(replicasOf(this.d));
    for (const rs of active(newRS ? [...oldRSs, newRS] : oldRSs)) {
      const desired = rs.metadata.annotations?.[desiredReplicasAnnotation];
      if (desired !== undefined && desired !== replicas) return true;
    }
    return false;
  }

  private async scale(newRS: KubeObject | undefined, oldRSs: KubeObject[]): Promise<Sets> {
    const replicas = replicasOf(this.d);
    const replace = (rs: KubeObject): void => {
      if (newRS && rs.metadata.uid === newRS.metadata.uid) newRS = rs;
      oldRSs = oldRSs.map((o) => (o.metadata.uid === rs.metadata.uid ? rs : o));
    };
    // one active (or, with none active, the latest) ReplicaSet simply takes the new size
    const newestFirst = [...oldRSs].sort((a, b) => -byCreation(a, b));
    const activeSets = active(newRS ? [...newestFirst, newRS] : newestFirst);
    let only: KubeObject | undefined;
    if (activeSets.length === 1) only = activeSets[0];
    else if (activeSets.length === 0) only = newRS ?? newestFirst[0];
    if (activeSets.length <= 1) {
      if (only && replicasOf(only) !== replicas) replace((await this.scaleReplicaSet(only, replicas)).rs);
      return { newRS, oldRSs };
    }
    // the new ReplicaSet is saturated: old ones go to zero
    if (
      newRS &&
      replicasOf(newRS) === replicas &&
      newRS.metadata.annotations?.[desiredReplicasAnnotation] === String(replicas) &&
      num(statusOf(newRS).availableReplicas, 0) === replicas
    ) {
      for (const rs of active(oldRSs)) replace((await this.scaleReplicaSet(rs, 0)).rs);
      return { newRS, oldRSs };
    }
    if (!isRollingUpdate(this.d)) return { newRS, oldRSs };
    // proportional scaling across the active ReplicaSets
    const sets = activeSets;
    const allowed = replicas > 0 ? replicas + maxSurge(this.d) : 0;
    const toAdd = allowed - sumSpec(sets);
    const newer = (a: KubeObject, b: KubeObject): number => -byCreation(a, b);
    if (toAdd > 0) sets.sort((a, b) => replicasOf(b) - replicasOf(a) || newer(a, b));
    else if (toAdd < 0) sets.sort((a, b) => replicasOf(b) - replicasOf(a) || byCreation(a, b));
    let added = 0;
    const sizes = new Map<string, number>();
    for (const rs of sets) {
      let proportion = 0;
      if (toAdd !== 0 && replicasOf(rs) > 0 && toAdd !== added) {
        const fraction = this.fraction(rs);
        const allowedLeft = toAdd - added;
        proportion = toAdd > 0 ? Math.min(fraction, allowedLeft) : Math.max(fraction, allowedLeft);
      }
      sizes.set(rs.metadata.uid as string, replicasOf(rs) + proportion);
      added += proportion;
    }
    for (let i = 0; i < sets.length; i++) {
      const rs = sets[i];
      let size = sizes.get(rs.metadata.uid as string) ?? replicasOf(rs);
      if (i === 0 && toAdd !== 0) size = Math.max(0, size + toAdd - added);
      replace((await this.scaleReplicaSet(rs, size, true)).rs);
    }
    return { newRS, oldRSs };
  }

  /** `getReplicaSetFraction`: the share of a scaling a ReplicaSet gets, from its size before the last scaling. */
  private fraction(rs: KubeObject): number {
    const replicas = replicasOf(this.d);
    if (replicas === 0) return -replicasOf(rs);
    const deploymentReplicas = replicas + maxSurge(this.d);
    const annotated = Number(rs.metadata.annotations?.[maxReplicasAnnotation] ?? NaN);
    const base = Number.isInteger(annotated) ? annotated : num(statusOf(this.d).replicas, 0);
    if (base === 0) return 0;
    const size = (replicasOf(rs) * deploymentReplicas) / base;
    return Math.sign(size) * Math.round(Math.abs(size)) - replicasOf(rs);
  }

  /** Deletes the oldest fully scaled-down ReplicaSets beyond revisionHistoryLimit. */
  private async cleanup(oldRSs: KubeObject[]): Promise<void> {
    const limit = specOf(this.d).revisionHistoryLimit;
    if (typeof limit !== 'number') return;
    const alive = oldRSs.filter((rs) => !rs.metadata.deletionTimestamp);
    const diff = alive.length - limit;
    if (diff <= 0) return;
    const byRevision = [...alive].sort((a, b) => revisionOf(a) - revisionOf(b) || byCreation(a, b));
    for (const rs of byRevision.slice(0, diff)) {
      const status = statusOf(rs);
      if (num(status.replicas, 0) !== 0 || replicasOf(rs) !== 0 || (rs.metadata.generation ?? 0) > num(status.observedGeneration, 0)) continue;
      await deleteObject(this.api, this.rsType, rs);
    }
  }

  // ---------------------------------------------------------------- status

  private calculateStatus({ newRS, oldRSs }: Sets): Json {
    const all = newRS ? [...oldRSs, newRS] : oldRSs;
    const available = sumStatus(all, 'availableReplicas');
    const previous = statusOf(this.d);
    const status: Json = {
      observedGeneration: this.d.metadata.generation,
      replicas: sumStatus(all, 'replicas'),
      updatedReplicas: newRS ? num(statusOf(newRS).replicas, 0) : 0,
      readyReplicas: sumStatus(all, 'readyReplicas'),
      availableReplicas: available,
      unavailableReplicas: Math.max(0, sumSpec(all) - available),
      ...(previous.conditions !== undefined ? { conditions: clone(previous.conditions) } : {}),
      ...(previous.collisionCount !== undefined ? { collisionCount: previous.collisionCount } : {}),
    };
    if (available >= replicasOf(this.d) - maxUnavailable(this.d)) {
      setCondition(status, newCondition('Available', 'True', 'MinimumReplicasAvailable', 'Deployment has minimum availability.'));
    } else {
      setCondition(status, newCondition('Available', 'False', 'MinimumReplicasUnavailable', 'Deployment does not have minimum availability.'));
    }
    return status;
  }

  private async syncDeploymentStatus(sets: Sets): Promise<void> {
    await this.writeDeploymentStatus(this.calculateStatus(sets));
  }

  private async syncRolloutStatus(sets: Sets): Promise<void> {
    const { newRS } = sets;
    const status = this.calculateStatus(sets);
    const now = Date.now();
    if (!hasProgressDeadline(this.d)) removeCondition(status, 'Progressing');
    const current = getCondition(statusOf(this.d), 'Progressing');
    const complete = num(status.replicas, 0) === num(status.updatedReplicas, 0) && current?.reason === 'NewReplicaSetAvailable';
    if (hasProgressDeadline(this.d) && !complete) {
      const subject = newRS ? `ReplicaSet "${newRS.metadata.name}"` : `Deployment "${this.d.metadata.name}"`;
      if (deploymentComplete(this.d, status)) {
        setCondition(status, newCondition('Progressing', 'True', 'NewReplicaSetAvailable', `${subject} has successfully progressed.`));
      } else if (deploymentProgressing(this.d, status)) {
        const condition = newCondition('Progressing', 'True', 'ReplicaSetUpdated', `${subject} is progressing.`);
        if (current?.status === 'True') condition.lastTransitionTime = current.lastTransitionTime;
        // unlike other conditions, an unchanged reason still moves lastUpdateTime: progress was seen
        status.conditions = [...records(status.conditions).filter((c) => c.type !== 'Progressing'), condition];
      } else if (deploymentTimedOut(this.d, status, now)) {
        setCondition(status, newCondition('Progressing', 'False', 'ProgressDeadlineExceeded', `${subject} has timed out progressing.`));
      }
    }
    const failure = this.replicaFailure(sets);
    if (failure) setCondition(status, failure);
    else removeCondition(status, 'ReplicaFailure');
    await this.writeDeploymentStatus(status);
    // come back when the progress deadline would pass
    const progressing = getCondition(status, 'Progressing');
    if (hasProgressDeadline(this.d) && progressing && progressing.reason !== 'NewReplicaSetAvailable' && progressing.reason !== 'ProgressDeadlineExceeded') {
      const since = parseTime(progressing.lastUpdateTime) ?? now;
      this.requeueAfterMs = Math.max(1, since + num(specOf(this.d).progressDeadlineSeconds, 600) * 1000 - now + 1000);
    }
  }

  private replicaFailure({ newRS, oldRSs }: Sets): Json | undefined {
    for (const rs of newRS ? [newRS, ...oldRSs] : oldRSs) {
      const failure = records(statusOf(rs).conditions).find((c) => c.type === 'ReplicaFailure' && c.status === 'True');
      if (failure) return newCondition('ReplicaFailure', 'True', str(failure.reason), str(failure.message));
    }
    return undefined;
  }

  private async checkPausedConditions(): Promise<void> {
    if (!hasProgressDeadline(this.d)) return;
    const status = clone(statusOf(this.d));
    const condition = getCondition(status, 'Progressing');
    if (condition?.reason === 'ProgressDeadlineExceeded') return;
    const pausedExists = condition?.reason === 'DeploymentPaused';
    const paused = specOf(this.d).paused === true;
    if (paused && !pausedExists) setCondition(status, newCondition('Progressing', 'Unknown', 'DeploymentPaused', 'Deployment is paused'));
    else if (!paused && pausedExists) setCondition(status, newCondition('Progressing', 'Unknown', 'DeploymentResumed', 'Deployment is resumed'));
    else return;
    await this.writeDeploymentStatus(status);
  }

  private async writeDeploymentStatus(status: Json): Promise<void> {
    const wire = omitZero(status, ['observedGeneration', 'replicas', 'updatedReplicas', 'readyReplicas', 'availableReplicas', 'unavailableReplicas']);
    this.d = await writeStatus(this.api, this.deploymentType, this.d, wire, managers.deployment);
  }
}
