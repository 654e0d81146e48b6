/**
 * One object of an app as the API reads it. Only the app's own objects (its inventory) and what
 * they own in the cluster (a Deployment's ReplicaSets and Pods, a CronJob's Jobs …, the tree
 * `resources()` shows) may be read: the object live, its Events, a pod's log. A Secret's values,
 * and any annotation holding them, are masked; managedFields are left out.
 */
import { formatKey, groupOf, keyString, NotFoundError, ValidationError, type Manifest, type ResourceKey } from '../core/index.ts';
import type { Inventory } from '../inventory/index.ts';
import type { KubeClient, LogStream } from '../kube/index.ts';
import { maskSecretValues } from '../notify/index.ts';
import { canOwn, ownedTree } from './resource-tree.ts';
import { appId, type AppRef, type LiveObject, type ObjectEvent, type ObjectRef, type PodLogRequest, type ResourceNode } from './types.ts';

/** What a masked value reads as. */
export const masked = '*****';
/** Events answered at most. */
const maxEvents = 100;
const lastApplied = 'kubectl.kubernetes.io/last-applied-configuration';

/** The app's objects, and how to reach its cluster. */
export interface AppScope {
  ref: AppRef;
  client: KubeClient;
  /** What the app applied (its inventory). */
  inventory: Inventory;
}

/**
 * The key of `object` when it is one of the app's objects or what they own; a NotFoundError naming
 * the object and the app otherwise. Owned objects are looked for in the object's namespace only.
 */
export async function objectInScope(scope: AppScope, object: ObjectRef): Promise<ResourceKey> {
  const key: ResourceKey = { group: groupOf(object.apiVersion), kind: object.kind, namespace: object.namespace, name: object.name };
  const wanted = keyString(key);
  if (scope.inventory.objects.some((o) => keyString(o.key) === wanted)) return key;
  const owners = scope.inventory.objects.filter((o) => key.namespace !== '' && o.key.namespace === key.namespace && canOwn(o.key.kind));
  if (owners.length > 0) {
    const live = await Promise.all(owners.map((o) => scope.client.get(o.apiVersion, o.key)));
    const tree = await ownedTree(scope.client, live.filter((o): o is Manifest => o !== undefined));
    const found = (nodes: readonly ResourceNode[]): boolean => nodes.some((n) => keyString(n.key) === wanted || found(n.children ?? []));
    if ([...tree.values()].some(found)) return key;
  }
  throw new NotFoundError(`${formatKey(key)} is not an object of app ${appId(scope.ref)}: neither in what it applied nor owned by its objects`);
}

/** The object live, as the API shows it; a NotFoundError when it is not the app's or not in the cluster. */
export async function readObject(scope: AppScope, object: ObjectRef): Promise<LiveObject> {
  const key = await objectInScope(scope, object);
  const live = await scope.client.get(object.apiVersion, key);
  if (!live) throw new NotFoundError(`${formatKey(key)} of app ${appId(scope.ref)} is not in the cluster`);
  return { apiVersion: live.apiVersion, key, manifest: presentable(live) as unknown as Record<string, unknown> };
}

/** A copy of a live object without managedFields, a Secret's values and the annotations holding them masked. */
export function presentable(object: Manifest): Manifest {
  const copy = structuredClone(object);
  delete copy.metadata.managedFields;
  if (copy.kind !== 'Secret' || groupOf(copy.apiVersion) !== '') return copy;
  for (const field of ['data', 'stringData'] as const) {
    const values = copy[field];
    if (values && typeof values === 'object' && !Array.isArray(values)) {
      for (const name of Object.keys(values)) (values as Record<string, unknown>)[name] = masked;
    } else if (values !== undefined && values !== null) {
      copy[field] = masked;
    }
  }
  const annotations = copy.metadata.annotations;
  if (annotations && typeof annotations === 'object') {
    for (const [name, value] of Object.entries(annotations)) {
      const text = typeof value === 'string' ? value : JSON.stringify(value);
      if (name === lastApplied || maskSecretValues([text], [object])[0] !== text) annotations[name] = masked;
    }
  }
  return copy;
}

interface CoreEvent extends Manifest {
  type?: string;
  reason?: string;
  message?: string;
  count?: number;
  firstTimestamp?: string;
  lastTimestamp?: string;
  eventTime?: string;
  series?: { count?: number; lastObservedTime?: string };
  source?: { component?: string; host?: string };
  reportingComponent?: string;
  involvedObject?: { kind?: string; namespace?: string; name?: string; uid?: string };
}

/**
 * The core/v1 Events about an object of the app, newest first, at most 100: those whose
 * involvedObject is the object, by uid when both have one, else by kind, namespace and name.
 */
export async function objectEvents(scope: AppScope, object: ObjectRef): Promise<ObjectEvent[]> {
  const key = await objectInScope(scope, object);
  const live = await scope.client.get(object.apiVersion, key);
  const uid = typeof live?.metadata.uid === 'string' ? live.metadata.uid : undefined;
  // Events of a cluster-scoped object live in some namespace (default, mostly): every one is listed
  const { items } = await scope.client.list('v1', 'Event', { ...(key.namespace ? { namespace: key.namespace } : {}), fieldSelector: `involvedObject.name=${key.name}` });
  const about = (items as CoreEvent[]).filter((e) => {
    const involved = e.involvedObject ?? {};
    if (uid && involved.uid) return involved.uid === uid;
    return involved.kind === key.kind && (involved.namespace ?? '') === key.namespace && involved.name === key.name;
  });
  const timeOf = (e: CoreEvent): string => e.lastTimestamp ?? e.series?.lastObservedTime ?? e.eventTime ?? e.firstTimestamp ?? String(e.metadata.creationTimestamp ?? '');
  return about
    .sort((a, b) => Date.parse(timeOf(b) || '0') - Date.parse(timeOf(a) || '0'))
    .slice(0, maxEvents)
    .map((e) => {
      const event: ObjectEvent = { type: e.type ?? 'Normal', reason: e.reason ?? '', message: e.message ?? '', count: e.count ?? e.series?.count ?? 1 };
      const first = e.firstTimestamp ?? e.eventTime;
      const last = e.lastTimestamp ?? e.series?.lastObservedTime ?? e.eventTime;
      if (first) event.firstTimestamp = first;
      if (last) event.lastTimestamp = last;
      const source = e.source?.component ? `${e.source.component}${e.source.host ? `, ${e.source.host}` : ''}` : e.reportingComponent;
      if (source) event.source = source;
      return event;
    });
}

/**
 * Reads the log of a pod of the app (or one its objects own), every value of the app's Secrets
 * masked in each line: the app's Secrets are read first, and when one cannot be, no line is sent.
 */
export async function podLog(scope: AppScope, request: PodLogRequest, onLine: (line: string) => void): Promise<LogStream> {
  const key = await objectInScope(scope, { apiVersion: 'v1', kind: 'Pod', namespace: request.namespace, name: request.pod });
  const logs = scope.client.logs?.bind(scope.client);
  if (!logs) throw new ValidationError(`${formatKey(key)}: this cluster client cannot read logs`);
  const secretKeys = scope.inventory.objects.filter((o) => o.key.kind === 'Secret' && o.key.group === '');
  const secrets = (await Promise.all(secretKeys.map((o) => scope.client.get(o.apiVersion, o.key)))).filter((s): s is Manifest => s !== undefined);
  const { namespace, pod, container, tailLines, follow } = request;
  return logs(namespace, pod, { ...(container ? { container } : {}), ...(tailLines !== undefined ? { tailLines } : {}), ...(follow ? { follow } : {}) }, (line) => onLine(secrets.length > 0 ? maskSecretValues([line], secrets)[0] : line));
}
