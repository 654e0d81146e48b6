import { clone, type ApiCore } from '../api.ts';
import { jsonEqual } from '../field-set.ts';
import { matchLabelSelector } from '../label-selector.ts';
import type { KubeObject, OwnerReference, ResourceType } from '../types.ts';
import { formatTime } from '../time.ts';

/** Helpers every simulated controller shares: object shapes, ownership, pod state, hashing, writes. */

export type Json = Record<string, unknown>;

export function isRecord(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

export function records(value: unknown): Json[] {
  return Array.isArray(value) ? value.filter(isRecord) : [];
}

export function num(value: unknown, fallback: number): number {
  return typeof value === 'number' && Number.isFinite(value) ? value : fallback;
}

export function str(value: unknown, fallback = ''): string {
  return typeof value === 'string' ? value : fallback;
}

export function specOf(object: KubeObject): Json {
  return isRecord(object.spec) ? object.spec : {};
}

export function statusOf(object: KubeObject): Json {
  return isRecord(object.status) ? object.status : {};
}

export { clone };

/** Field managers the simulated control plane writes with (a real cluster says `kube-controller-manager`). */
export const managers = {
  deployment: 'deployment-controller',
  replicaSet: 'replicaset-controller',
  statefulSet: 'statefulset-controller',
  daemonSet: 'daemon-set-controller',
  job: 'job-controller',
  endpoints: 'endpoint-controller',
  volume: 'persistentvolume-controller',
  scheduler: 'default-scheduler',
  kubelet: 'kubelet',
  loadBalancer: 'sandbox-load-balancer',
} as const;

/** Store buckets (resource ids) the controllers read. */
export const resources = {
  pods: 'pods',
  nodes: 'nodes',
  services: 'services',
  endpoints: 'endpoints',
  claims: 'persistentvolumeclaims',
  volumes: 'persistentvolumes',
  deployments: 'deployments.apps',
  replicaSets: 'replicasets.apps',
  statefulSets: 'statefulsets.apps',
  daemonSets: 'daemonsets.apps',
  revisions: 'controllerrevisions.apps',
  jobs: 'jobs.batch',
  ingresses: 'ingresses.networking.k8s.io',
} as const;

/** Pod annotation that makes containers crash: `"true"` for all of them, or container names separated by commas. */
export const crashAnnotation = 'sandbox.capstan.dev/crash';

// ------------------------------------------------------------------ keys

export function keyOf(object: KubeObject): string {
  return object.metadata.namespace ? `${object.metadata.namespace}/${object.metadata.name}` : String(object.metadata.name);
}

export function splitKey(key: string): { namespace: string | undefined; name: string } {
  const slash = key.indexOf('/');
  return slash < 0 ? { namespace: undefined, name: key } : { namespace: key.slice(0, slash), name: key.slice(slash + 1) };
}

// ------------------------------------------------------------------ time

export function timestamp(ms = Date.now()): string {
  return formatTime(ms);
}

export function parseTime(value: unknown): number | undefined {
  if (typeof value !== 'string') return undefined;
  const ms = Date.parse(value);
  return Number.isNaN(ms) ? undefined : ms;
}

// ------------------------------------------------------------------ ownership

export function controllerReference(owner: KubeObject): OwnerReference {
  return {
    apiVersion: owner.apiVersion,
    kind: owner.kind,
    name: owner.metadata.name as string,
    uid: owner.metadata.uid as string,
    controller: true,
    blockOwnerDeletion: true,
  };
}

export function controllerOf(object: KubeObject | undefined): OwnerReference | undefined {
  return object?.metadata.ownerReferences?.find((ref) => ref.controller === true);
}

export function isControlledBy(object: KubeObject, owner: KubeObject): boolean {
  return controllerOf(object)?.uid === owner.metadata.uid;
}

/** Keys of the controlling owners of kind `kind` of an event's object, before and after the change. */
export function ownerKeys(objects: (KubeObject | undefined)[], kind: string): string[] {
  const keys = new Set<string>();
  for (const object of objects) {
    const ref = controllerOf(object);
    if (ref && ref.kind === kind && object) keys.add(object.metadata.namespace ? `${object.metadata.namespace}/${ref.name}` : ref.name);
  }
  return [...keys];
}

/** Objects in a bucket controlled by `owner`. */
export function ownedBy(api: ApiCore, resource: string, owner: KubeObject): KubeObject[] {
  return api.store.list(resource, owner.metadata.namespace).filter((object) => isControlledBy(object, owner));
}

/** True while a namespace is being deleted: nothing new may be created in it, so controllers stand back. */
export function namespaceTerminating(api: ApiCore, namespace: string | undefined): boolean {
  if (!namespace) return false;
  const ns = api.store.get('namespaces', undefined, namespace);
  return !ns || ns.metadata.deletionTimestamp !== undefined;
}

export function selects(selector: unknown, labels: Record<string, string> | undefined): boolean {
  return matchLabelSelector(selector, labels ?? {});
}

/** A Service's map selector: every pair must be present. */
export function mapSelects(selector: Record<string, string>, labels: Record<string, string> | undefined): boolean {
  // a loop rather than Object.entries().every(): the endpoints controller matches every Service of
  // a namespace against every pod event, and the entry arrays were most of that cost
  for (const key in selector) if (labels?.[key] !== selector[key]) return false;
  return true;
}

// ------------------------------------------------------------------ pods

export type PodPhase = 'Pending' | 'Running' | 'Succeeded' | 'Failed' | 'Unknown';

export function podPhase(pod: KubeObject): PodPhase {
  return str(statusOf(pod).phase, 'Pending') as PodPhase;
}

export function podCondition(pod: KubeObject, type: string): Json | undefined {
  return records(statusOf(pod).conditions).find((c) => c.type === type);
}

export function isPodReady(pod: KubeObject): boolean {
  return podCondition(pod, 'Ready')?.status === 'True';
}

/** Ready for at least `minReadySeconds`. */
export function isPodAvailable(pod: KubeObject, minReadySeconds: number, now = Date.now()): boolean {
  if (!isPodReady(pod)) return false;
  if (minReadySeconds <= 0) return true;
  const since = parseTime(podCondition(pod, 'Ready')?.lastTransitionTime);
  return since !== undefined && since + minReadySeconds * 1000 <= now;
}

/** When a ready pod that is not yet available will become so, for a requeue. */
export function msUntilAvailable(pods: KubeObject[], minReadySeconds: number, now = Date.now()): number | undefined {
  if (minReadySeconds <= 0) return undefined;
  let soonest: number | undefined;
  for (const pod of pods) {
    if (!isPodReady(pod) || isPodAvailable(pod, minReadySeconds, now)) continue;
    const since = parseTime(podCondition(pod, 'Ready')?.lastTransitionTime) ?? now;
    const wait = since + minReadySeconds * 1000 - now + 10;
    soonest = soonest === undefined ? wait : Math.min(soonest, wait);
  }
  return soonest;
}

/** Neither finished nor being deleted. */
export function isPodActive(pod: KubeObject): boolean {
  const phase = podPhase(pod);
  return phase !== 'Succeeded' && phase !== 'Failed' && !pod.metadata.deletionTimestamp;
}

/** A pod object for a workload's template, as `controller.GetPodFromTemplate` builds it. */
export function podFromTemplate(template: Json, owner: KubeObject, metadata: { name?: string; generateName?: string; labels?: Record<string, string> }): KubeObject {
  const meta = isRecord(template.metadata) ? template.metadata : {};
  const labels = { ...(isRecord(meta.labels) ? (meta.labels as Record<string, string>) : {}), ...(metadata.labels ?? {}) };
  const annotations = isRecord(meta.annotations) ? { ...(meta.annotations as Record<string, string>) } : undefined;
  const finalizers = Array.isArray(meta.finalizers) ? [...(meta.finalizers as string[])] : undefined;
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      ...(metadata.name ? { name: metadata.name } : { generateName: metadata.generateName }),
      namespace: owner.metadata.namespace,
      ...(Object.keys(labels).length > 0 ? { labels } : {}),
      ...(annotations ? { annotations } : {}),
      ...(finalizers ? { finalizers } : {}),
      ownerReferences: [controllerReference(owner)],
    },
    spec: clone(isRecord(template.spec) ? template.spec : {}),
  };
}

// ------------------------------------------------------------------ hashing

/**
 * A deep copy without null-valued fields. Kubernetes compares templates as Go structs, where
 * `creationTimestamp: null` (which `kubectl rollout undo` sends) is the same as no field at all.
 */
export function withoutNulls<T>(value: T): T {
  if (Array.isArray(value)) return value.map(withoutNulls) as T;
  if (!isRecord(value)) return value;
  const out: Json = {};
  for (const [key, item] of Object.entries(value)) if (item !== null && item !== undefined) out[key] = withoutNulls(item);
  return out as T;
}

/** JSON with sorted keys: the same value always gives the same text. */
export function stableStringify(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(stableStringify).join(',')}]`;
  if (isRecord(value)) {
    return `{${Object.keys(value)
      .filter((k) => value[k] !== undefined)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${stableStringify(value[k])}`)
      .join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}

function fnv32a(text: string): number {
  let hash = 0x811c9dc5;
  for (const byte of Buffer.from(text, 'utf8')) {
    hash ^= byte;
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  return hash >>> 0;
}

const safeAlphabet = 'bcdfghjklmnpqrstvwxz2456789';

/** `rand.SafeEncodeString`: no vowels, so a hash never spells a word. */
export function safeEncode(text: string): string {
  let out = '';
  for (let i = 0; i < text.length; i++) out += safeAlphabet[text.charCodeAt(i) % safeAlphabet.length];
  return out;
}

/** A stable, name-safe hash of a value, like `controller.ComputeHash` (pod-template-hash) and revision hashes. */
export function computeHash(value: unknown, collisionCount?: number): string {
  const text = stableStringify(value) + (collisionCount ? `#${collisionCount}` : '');
  return safeEncode(String(fnv32a(text)));
}

// ------------------------------------------------------------------ numbers

/** An int-or-percent scaled to `total`: percentages round up for surge and down for unavailability. */
export function scaledValue(value: unknown, total: number, roundUp: boolean): number {
  if (typeof value === 'number') return value;
  if (typeof value === 'string') {
    const match = /^(\d+)%$/.exec(value.trim());
    if (match) {
      const exact = (Number(match[1]) * total) / 100;
      return roundUp ? Math.ceil(exact) : Math.floor(exact);
    }
    const n = Number(value);
    if (Number.isInteger(n)) return n;
  }
  return 0;
}

/** Drops zero counters, as Go's `omitempty` does on the wire. */
export function omitZero(status: Json, keys: string[]): Json {
  for (const key of keys) if (status[key] === 0 || status[key] === undefined) delete status[key];
  return status;
}

// ------------------------------------------------------------------ writes

/** Writes a new status through the status subresource, unless it would not change anything. */
export async function writeStatus(api: ApiCore, type: ResourceType, object: KubeObject, status: Json, manager: string): Promise<KubeObject> {
  if (jsonEqual(object.status, status)) return object;
  // a status write keeps everything of the live object but its status (ApiCore.replace), so the
  // body needs no deep copy: a fresh metadata (replace writes to it) and the new status
  const body: KubeObject = { ...object, metadata: { ...object.metadata }, status };
  return api.update(type, object.metadata.namespace, object.metadata.name as string, body, { fieldManager: manager, subresource: 'status' });
}

/** Writes a changed copy of an object (optimistic concurrency on its resourceVersion). */
export async function writeObject(api: ApiCore, type: ResourceType, next: KubeObject, manager: string): Promise<KubeObject> {
  return api.update(type, next.metadata.namespace, next.metadata.name as string, next, { fieldManager: manager });
}

/** Deletes an object, ignoring that it is already gone. */
export async function deleteObject(api: ApiCore, type: ResourceType, object: KubeObject): Promise<void> {
  try {
    await api.delete(type, object.metadata.namespace, object.metadata.name as string, {
      preconditions: { uid: object.metadata.uid },
      propagationPolicy: 'Background',
    });
  } catch (error) {
    if ((error as { code?: unknown }).code === 404) return;
    throw error;
  }
}
