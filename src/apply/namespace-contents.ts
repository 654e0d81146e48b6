import { annotations, formatKey, groupOf, keyOf, keyString, NotFoundError, type Manifest, type ResourceKey } from '../core/index.ts';
import type { ResourceInfo } from '../kube/index.ts';
import { settleLimited } from './limit.ts';
import type { Run } from './run.ts';

/** What a namespace holds besides what a sync deletes, by who it belongs to. */
export interface NamespaceContents {
  /** Objects the app did not apply: another app's, a person's, a controller's without an owner reference. */
  others: ResourceKey[];
  /** Objects the app applied and keeps (`capstan.dev/prune: disabled`, or left by an earlier sync). */
  kept: ResourceKey[];
}

/**
 * Reads everything a namespace holds (one list per namespaced kind the server serves; a kind whose
 * CRD is gone holds nothing) and returns
 * the objects that must outlive it, so that deleting the namespace would destroy them. Left out,
 * because they go with the namespace by design or are already going:
 * - objects of this app that this sync deleted (`deleted`, by key), and objects being deleted;
 * - objects with owner references: the garbage collector removes them with their owner, and an
 *   owner in this namespace is judged itself (Pods of a ReplicaSet, EndpointSlices of a Service);
 * - what Kubernetes puts in every namespace or mirrors for a Service: ConfigMap kube-root-ca.crt,
 *   ServiceAccount default and its token Secrets, Endpoints (a Service's mirror), and Events.
 */
export async function namespaceContents(run: Run, namespace: string, deleted: ReadonlySet<string>): Promise<NamespaceContents> {
  const kinds = listableKinds(await run.client.resources());
  const answers = await settleLimited(kinds, run.options.concurrency, (info) => run.client.list(apiVersionOf(info), info.kind, { namespace }));
  const objects = new Map<string, Manifest>();
  answers.forEach((answer, i) => {
    // a list answers NotFound only for a kind no longer served (its CRD was just deleted): none left
    if (answer.status === 'rejected' && answer.reason instanceof NotFoundError) return;
    if (answer.status === 'rejected') throw answer.reason;
    for (const item of answer.value.items) {
      // list items may come without apiVersion and kind
      const object = { ...item, apiVersion: item.apiVersion || apiVersionOf(kinds[i]!), kind: item.kind || kinds[i]!.kind };
      // a kind served by two groups (an old Ingress) lists the same object twice
      objects.set(typeof object.metadata.uid === 'string' ? object.metadata.uid : keyString(keyOf(object)), object);
    }
  });
  const contents: NamespaceContents = { others: [], kept: [] };
  for (const object of objects.values()) {
    const key = keyOf(object);
    if (object.metadata.deletionTimestamp || ownedByAnother(object) || madeByKubernetes(object)) continue;
    const owner = object.metadata.annotations?.[annotations.owner];
    if (owner === run.owner && deleted.has(keyString(key))) continue;
    (owner === run.owner ? contents.kept : contents.others).push(key);
  }
  const byName = (a: ResourceKey, b: ResourceKey) => formatKey(a).localeCompare(formatKey(b));
  contents.others.sort(byName);
  contents.kept.sort(byName);
  return contents;
}

/** `2 objects that shop/dev did not apply: ConfigMap/x/a, Secret/x/b` and the like, at most 10 named. */
export function describeContents(contents: NamespaceContents, owner: string): string {
  const parts: string[] = [];
  if (contents.others.length > 0) parts.push(`${countObjects(contents.others.length)} that ${owner} did not apply: ${nameObjects(contents.others)}`);
  if (contents.kept.length > 0) parts.push(`${countObjects(contents.kept.length)} that ${owner} keeps: ${nameObjects(contents.kept)}`);
  return parts.join('; and ');
}

export function countObjects(n: number): string {
  return n === 1 ? '1 object' : `${n} objects`;
}

/** The objects by `Kind/namespace/name`, at most 10 of them. */
export function nameObjects(keys: readonly ResourceKey[]): string {
  const shown = keys.slice(0, 10).map(formatKey).join(', ');
  return keys.length > 10 ? `${shown} and ${keys.length - 10} more` : shown;
}

/** One entry per namespaced kind that can be listed, Events left out (records, not objects anyone owns). */
function listableKinds(resources: readonly ResourceInfo[]): ResourceInfo[] {
  const seen = new Set<string>();
  const out: ResourceInfo[] = [];
  for (const info of resources) {
    if (!info.namespaced || !info.verbs.includes('list') || info.kind === 'Event') continue;
    const id = `${info.group}/${info.resource}`;
    if (seen.has(id)) continue;
    seen.add(id);
    out.push(info);
  }
  return out;
}

function apiVersionOf(info: ResourceInfo): string {
  return info.group ? `${info.group}/${info.version}` : info.version;
}

function ownedByAnother(object: Manifest): boolean {
  const refs = object.metadata.ownerReferences;
  return Array.isArray(refs) && refs.length > 0;
}

function madeByKubernetes(object: Manifest): boolean {
  if (groupOf(object.apiVersion) !== '') return false;
  const name = object.metadata.name;
  switch (object.kind) {
    case 'ConfigMap':
      return name === 'kube-root-ca.crt';
    case 'ServiceAccount':
      return name === 'default';
    case 'Secret':
      return object.type === 'kubernetes.io/service-account-token' && object.metadata.annotations?.['kubernetes.io/service-account.name'] === 'default';
    case 'Endpoints':
      // the endpoints controller's mirror of a Service (an Endpoints made by hand only means
      // something beside its Service, which is judged itself)
      return true;
    default:
      return false;
  }
}
