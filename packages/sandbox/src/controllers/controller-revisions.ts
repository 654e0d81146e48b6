import type { ApiCore } from '../api.ts';
import { jsonEqual } from '../field-set.ts';
import type { KubeObject } from '../types.ts';
import { clone, computeHash, withoutNulls, controllerReference, deleteObject, isRecord, num, ownedBy, resources, specOf, writeObject, type Json } from './shared.ts';

/** The label a ControllerRevision carries with its hash. */
export const revisionHashLabel = 'controller.kubernetes.io/hash';

export interface Revision {
  object: KubeObject;
  name: string;
  hash: string;
}

/** A hash collision with a revision of another template; the owner's collisionCount must be raised. */
export class RevisionCollision extends Error {}

/** What a StatefulSet or DaemonSet revision records: a patch that replaces the pod template. */
function revisionData(owner: KubeObject): Json {
  const template = withoutNulls(isRecord(specOf(owner).template) ? (specOf(owner).template as Json) : {});
  return { spec: { template: { ...template, $patch: 'replace' } } };
}

export function revisionsOf(api: ApiCore, owner: KubeObject): KubeObject[] {
  return ownedBy(api, resources.revisions, owner).sort((a, b) => num(a.revision, 0) - num(b.revision, 0));
}

/** The pod template a revision recorded. */
export function templateOfRevision(revision: KubeObject): Json {
  const data = isRecord(revision.data) ? revision.data : {};
  const spec = isRecord(data.spec) ? data.spec : {};
  const template = clone(isRecord(spec.template) ? spec.template : {});
  delete template.$patch;
  return template;
}

/**
 * The revision of an owner's current template, created when new; an older revision of the same
 * template is renumbered as the newest (a rollback), as the history package of the real controllers does.
 */
export async function ensureRevision(api: ApiCore, owner: KubeObject, manager: string, collisionCount: number): Promise<Revision> {
  const type = api.type('apps/v1', 'ControllerRevision');
  const revisions = revisionsOf(api, owner);
  const data = revisionData(owner);
  const max = revisions.reduce((m, r) => Math.max(m, num(r.revision, 0)), 0);
  const equal = revisions.filter((r) => jsonEqual(withoutNulls(r.data), data));
  if (equal.length > 0) {
    let latest = equal[equal.length - 1];
    if (num(latest.revision, 0) !== max) {
      const renumbered = clone(latest);
      renumbered.revision = max + 1;
      latest = await writeObject(api, type, renumbered, manager);
    }
    const latestName = latest.metadata.name as string;
    return { object: latest, name: latestName, hash: latest.metadata.labels?.[revisionHashLabel] ?? latestName.slice(String(owner.metadata.name).length + 1) };
  }
  const hash = computeHash(data, collisionCount);
  const name = `${owner.metadata.name}-${hash}`;
  const template = specOf(owner).template;
  const templateLabels = isRecord(template) && isRecord(template.metadata) && isRecord(template.metadata.labels) ? (template.metadata.labels as Record<string, string>) : {};
  const revision: KubeObject = {
    apiVersion: 'apps/v1',
    kind: 'ControllerRevision',
    metadata: {
      name,
      namespace: owner.metadata.namespace,
      labels: { ...templateLabels, [revisionHashLabel]: hash },
      ownerReferences: [controllerReference(owner)],
    },
    data,
    revision: max + 1,
  };
  try {
    const created = await api.create(type, owner.metadata.namespace, revision, { fieldManager: manager });
    return { object: created, name, hash };
  } catch (error) {
    if ((error as { reason?: unknown }).reason !== 'AlreadyExists') throw error;
    const clash = api.store.get(resources.revisions, owner.metadata.namespace, name);
    if (clash && jsonEqual(clash.data, data)) return { object: clash, name, hash };
    throw new RevisionCollision(`ControllerRevision ${owner.metadata.namespace}/${name} exists with another template`);
  }
}

/** Deletes the oldest revisions beyond `limit`, never one in `live` (the current and update revisions, and those pods still use). */
export async function cleanupRevisions(api: ApiCore, owner: KubeObject, live: Set<string>, limit: number): Promise<void> {
  const type = api.type('apps/v1', 'ControllerRevision');
  const candidates = revisionsOf(api, owner).filter((r) => !live.has(r.metadata.name as string));
  const excess = candidates.length - limit;
  for (const revision of candidates.slice(0, Math.max(0, excess))) await deleteObject(api, type, revision);
}
