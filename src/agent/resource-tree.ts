/**
 * What an app's objects own in the cluster, found by owner references: a Deployment's
 * ReplicaSets and their Pods, the Pods of StatefulSets, DaemonSets and Jobs, a CronJob's Jobs.
 * They are not the app's (no inventory entry, no owner annotation) but show how it is doing, as
 * Argo CD's resource tree does.
 */
import { keyOf, type Manifest } from '../core/index.ts';
import { assessHealth } from '../health/index.ts';
import type { KubeClient } from '../kube/index.ts';
import type { ResourceNode } from './types.ts';

/** The kinds listed, and which kinds own them. */
const ownedKinds = [
  { apiVersion: 'apps/v1', kind: 'ReplicaSet', owners: ['Deployment'] },
  { apiVersion: 'batch/v1', kind: 'Job', owners: ['CronJob'] },
  { apiVersion: 'v1', kind: 'Pod', owners: ['ReplicaSet', 'StatefulSet', 'DaemonSet', 'Job'] },
] as const;

/** Kinds that (directly or through a ReplicaSet or Job) own what is listed. */
const owningKinds: Record<string, readonly string[]> = {
  Deployment: ['ReplicaSet', 'Pod'],
  ReplicaSet: ['Pod'],
  StatefulSet: ['Pod'],
  DaemonSet: ['Pod'],
  Job: ['Pod'],
  CronJob: ['Job', 'Pod'],
};

/** Whether objects of this kind own what the tree lists (a Deployment, a Job …). */
export function canOwn(kind: string): boolean {
  return Object.hasOwn(owningKinds, kind);
}

/**
 * The objects each of `roots` (live objects) owns, by the root's uid, as trees with their health.
 * One list per owned kind and namespace, only for the kinds the roots can own.
 */
export async function ownedTree(client: KubeClient, roots: readonly Manifest[]): Promise<Map<string, ResourceNode[]>> {
  const wanted = new Map<string, Set<string>>();
  for (const root of roots) {
    const namespace = root.metadata.namespace;
    if (!namespace || !uidOf(root)) continue;
    for (const kind of owningKinds[root.kind] ?? []) {
      const namespaces = wanted.get(kind) ?? new Set<string>();
      namespaces.add(namespace);
      wanted.set(kind, namespaces);
    }
  }
  const byOwner = new Map<string, Manifest[]>();
  const lists = ownedKinds.flatMap((owned) =>
    [...(wanted.get(owned.kind) ?? [])].map(async (namespace) => {
      const { items } = await client.list(owned.apiVersion, owned.kind, { namespace });
      for (const item of items) {
        const owner = controllerOf(item);
        if (!owner || !(owned.owners as readonly string[]).includes(owner.kind)) continue;
        byOwner.set(owner.uid, [...(byOwner.get(owner.uid) ?? []), item]);
      }
    }),
  );
  await Promise.all(lists);
  const nodesOf = (uid: string, depth: number): ResourceNode[] =>
    (byOwner.get(uid) ?? [])
      .sort((a, b) => a.kind.localeCompare(b.kind) || a.metadata.name.localeCompare(b.metadata.name))
      .map((object) => {
        const health = assessHealth(object);
        const node: ResourceNode = { apiVersion: object.apiVersion, key: keyOf(object), health: health.status };
        if (health.message) node.healthMessage = health.message;
        const uid = uidOf(object);
        const children = depth < 3 && uid ? nodesOf(uid, depth + 1) : [];
        if (children.length > 0) node.children = children;
        return node;
      });
  const out = new Map<string, ResourceNode[]>();
  for (const root of roots) {
    const uid = uidOf(root);
    const children = uid ? nodesOf(uid, 1) : [];
    if (uid && children.length > 0) out.set(uid, children);
  }
  return out;
}

interface OwnerReference {
  kind: string;
  uid: string;
  controller?: boolean;
}

export function uidOf(object: Manifest): string | undefined {
  return typeof object.metadata.uid === 'string' && object.metadata.uid ? object.metadata.uid : undefined;
}

/** The owner reference marked `controller`, if any. */
function controllerOf(object: Manifest): OwnerReference | undefined {
  const refs = object.metadata.ownerReferences;
  return Array.isArray(refs) ? (refs as OwnerReference[]).find((ref) => ref?.controller === true && typeof ref.uid === 'string') : undefined;
}
