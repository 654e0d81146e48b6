import { createHash } from 'node:crypto';
import { annotations, ConflictError, NotFoundError, ValidationError, formatKey, type Manifest } from '../core/index.ts';
import { computeDiff, quickCompare } from '../diff/index.ts';
import { withApplyDefaults, type ResourceInfo } from '../kube/index.ts';
import { crdTarget, syncOptionsOf } from '../plan/index.ts';
import type { ObjectFailure } from './errors.ts';
import { settleLimited, toError } from './limit.ts';
import type { Run } from './run.ts';
import { liveOwner } from './stamp.ts';
import type { PlanItem } from './types.ts';

/** From this many objects of one kind in one namespace on, one list is cheaper than a get each. */
const listThreshold = 3;

function failure(item: PlanItem, error: unknown): ObjectFailure {
  return { key: item.key, apiVersion: item.object.apiVersion, error: toError(error) };
}

export function isNamespace(item: PlanItem): boolean {
  return item.key.group === '' && item.key.kind === 'Namespace';
}

/**
 * Which plan items cannot be dry-run yet, and why: objects in a Namespace of the plan that does
 * not exist, and custom resources whose CRD is in the plan but whose kind the server does not
 * serve yet. Their `blockers` are set to the ids of those Namespaces and CRDs.
 */
export async function findBlocked(run: Run, items: readonly PlanItem[]): Promise<{ blocked: PlanItem[]; failures: ObjectFailure[] }> {
  const newNamespaces = new Map<string, PlanItem>();
  for (const item of run.items) if (isNamespace(item) && item.live === undefined) newNamespaces.set(item.key.name, item);
  const crds = new Map<string, PlanItem>();
  for (const item of run.items) {
    const target = crdTarget(item.object);
    if (target) crds.set(target, item);
  }

  const blocked: PlanItem[] = [];
  const failures: ObjectFailure[] = [];
  const results = await settleLimited(items, run.options.concurrency, (item) => run.resourceFor(item.object.apiVersion, item.object.kind));
  items.forEach((item, i) => {
    const answer = results[i];
    if (answer.status === 'rejected') return void failures.push(failure(item, answer.reason));
    let namespaced = answer.value?.namespaced;
    if (answer.value === undefined) {
      const crd = crds.get(`${item.key.group}/${item.key.kind}`);
      if (!crd) return;
      item.blockers.add(crd.id);
      namespaced = (crd.object.spec as { scope?: unknown } | undefined)?.scope !== 'Cluster';
    }
    const namespace = namespaced && item.key.namespace ? newNamespaces.get(item.key.namespace) : undefined;
    if (namespace) item.blockers.add(namespace.id);
    if (item.blockers.size > 0) blocked.push(item);
  });
  return { blocked, failures };
}

/**
 * Validates items before anything is written: discovery (the kind is served, the scope is
 * right), the live copies (read with one list per kind and namespace, or a get each for a few),
 * ownership (never adopt an object another app/env owns), then a server-side dry-run of every
 * object and the diff of its result with live. Fills in `live` and `diff`; returns every failure.
 */
export async function validateItems(run: Run, items: readonly PlanItem[]): Promise<ObjectFailure[]> {
  const failures: ObjectFailure[] = [];
  const resources = new Map<PlanItem, ResourceInfo>();
  const discovered = await settleLimited(items, run.options.concurrency, (item) => run.resourceFor(item.object.apiVersion, item.object.kind));
  items.forEach((item, i) => {
    const answer = discovered[i];
    if (answer.status === 'rejected') return void failures.push(failure(item, answer.reason));
    const resource = answer.value;
    const name = formatKey(item.key);
    if (!resource && syncOptionsOf(item.object).skipDryRunOnMissingResource) {
      // applied without a dry-run: its CRD comes from elsewhere (another app, an operator) during the sync
      item.unvalidated = `not dry-run: the cluster does not serve ${item.object.apiVersion} ${item.object.kind} yet (SkipDryRunOnMissingResource)`;
      return;
    }
    if (!resource) {
      return void failures.push(
        failure(item, new NotFoundError(`cannot be applied: the cluster does not serve ${item.object.apiVersion} ${item.object.kind} (is its CRD installed?)`, { subject: name })),
      );
    }
    if (resource.namespaced && !item.key.namespace) {
      return void failures.push(failure(item, new ValidationError('has no namespace: set metadata.namespace (the kind is namespaced)', { subject: name })));
    }
    if (!resource.namespaced && item.key.namespace) {
      return void failures.push(failure(item, new ValidationError(`is cluster-scoped: remove metadata.namespace ${JSON.stringify(item.key.namespace)}`, { subject: name })));
    }
    resources.set(item, resource);
  });

  const readable = items.filter((item) => resources.has(item));
  failures.push(...(await readLive(run, readable)));
  const owned = readable.filter((item) => {
    if (item.patchExisting && !item.live) {
      const message = `does not exist: capstan only sets fields of it (${annotations.patchExisting}, as a .deployment image pin does) and never creates it: create it first, or remove what sets its fields`;
      failures.push(failure(item, new NotFoundError(message, { subject: item.key })));
      return false;
    }
    const owner = liveOwner(item.live);
    if (isNamespace(item) && item.live && (owner !== run.owner || run.options.protectedNamespaces.has(item.key.name))) {
      item.skip = run.options.protectedNamespaces.has(item.key.name) ? protectedNamespace(item.key.name) : foreignNamespace(owner, run.owner);
      return false;
    }
    if (owner === undefined || owner === run.owner) return true;
    const message = `is owned by ${owner}, not ${run.owner}: capstan never adopts an object that another app or environment manages`;
    failures.push(failure(item, new ConflictError(message, { subject: item.key })));
    return false;
  });
  failures.push(...(await dryRun(run, owned)));
  return failures;
}

/**
 * Why a Namespace that exists is left as it is: an app owns a namespace only when it created it.
 * One that a person, another tool or another app made is used as it is, never labelled, pruned or
 * deleted by this app (two apps may share a namespace, each with createNamespace).
 */
function foreignNamespace(owner: string | undefined, self: string): string {
  if (owner === undefined) return 'exists and was not created by capstan: used as it is, never adopted, pruned or deleted';
  return `exists and was created by ${owner}: used as it is, never adopted, pruned or deleted by ${self}`;
}

/** Why a namespace of the cluster's own, or capstan's, is never applied nor deleted. */
export function protectedNamespace(name: string): string {
  return `${name} is a namespace capstan never manages (default, kube-system, kube-public, kube-node-lease and its own): used as it is, never adopted, pruned or deleted`;
}

/** Reads the live copies of items into `item.live` (and `run.latest`); returns read failures. */
export async function readLive(run: Run, items: readonly PlanItem[]): Promise<ObjectFailure[]> {
  const { objects, failures } = await readObjects(run, items);
  for (const [item, object] of objects) {
    item.live = object;
    run.latest.set(item.id, object);
  }
  return failures;
}

/**
 * Reads the objects of items as they are on the cluster (undefined: not found): one list per
 * kind and namespace where there are several, a get each otherwise. Also used to poll health.
 */
export async function readObjects(run: Run, items: readonly PlanItem[]): Promise<{ objects: Map<PlanItem, Manifest | undefined>; failures: ObjectFailure[] }> {
  const groups = new Map<string, PlanItem[]>();
  for (const item of items) {
    const id = `${item.object.apiVersion}|${item.key.kind}|${item.key.namespace}`;
    groups.set(id, [...(groups.get(id) ?? []), item]);
  }
  const objects = new Map<PlanItem, Manifest | undefined>();
  const failures: ObjectFailure[] = [];
  const lists = [...groups.values()].filter((group) => group.length >= listThreshold);
  const singles = [...groups.values()].filter((group) => group.length < listThreshold).flat();

  const listed = await settleLimited(lists, run.options.concurrency, (group) => {
    const { apiVersion, kind } = group[0].object;
    const namespace = group[0].key.namespace;
    return run.client.list(apiVersion, kind, namespace ? { namespace } : {});
  });
  lists.forEach((group, i) => {
    const answer = listed[i];
    if (answer.status === 'rejected') return void failures.push(...group.map((item) => failure(item, answer.reason)));
    const byName = new Map(answer.value.items.map((object) => [object.metadata.name, object]));
    for (const item of group) objects.set(item, byName.get(item.key.name));
  });

  const got = await settleLimited(singles, run.options.concurrency, (item) => run.client.get(item.object.apiVersion, item.key));
  singles.forEach((item, i) => {
    const answer = got[i];
    if (answer.status === 'rejected') failures.push(failure(item, answer.reason));
    else objects.set(item, answer.value);
  });
  return { objects, failures };
}

/**
 * Server-side dry-run of every item, then its diff with live. A hook is deleted and created
 * again, so when an earlier run's hook is still there its dry-run is done under another name (a
 * dry-run against the old Job would fail on its immutable template, and say nothing about the
 * new one), and so is a hook with only a generateName; its diff is the rendered object, created.
 */
async function dryRun(run: Run, all: readonly PlanItem[]): Promise<ObjectFailure[]> {
  const { fieldManager, force, ignore } = run.options;
  const items = run.options.skipDryRunWhenInSync ? all.filter((item) => !provenInSync(item, fieldManager)) : all;
  const results = await settleLimited(items, run.options.concurrency, (item) => {
    if (item.hook && (item.live || !item.object.metadata.name)) return run.client.apply(renamedForDryRun(item.object, item.key.name), { dryRun: true, fieldManager, force });
    return writeItem(run, item, { dryRun: true });
  });
  const failures: ObjectFailure[] = [];
  items.forEach((item, i) => {
    const answer = results[i];
    if (answer.status === 'rejected') return void failures.push(failure(item, answer.reason));
    try {
      item.diff = item.hook ? computeDiff({ key: item.key, desired: item.object }) : computeDiff({ key: item.key, desired: answer.value, live: item.live, ignore, fieldManager });
    } catch (error) {
      failures.push(failure(item, error));
    }
  });
  return failures;
}

/**
 * With `skipDryRunWhenInSync`: an object whose live copy already holds exactly what capstan
 * applies (quickCompare) would come back from the dry-run unchanged, so it is marked unchanged
 * without asking the server. Hooks are always dry-run.
 */
function provenInSync(item: PlanItem, fieldManager: string): boolean {
  if (item.hook || !item.live || quickCompare(withApplyDefaults(item.object), item.live, { fieldManager }) !== 'in-sync') return false;
  item.diff = { key: item.key, action: 'unchanged', unified: '', changedPaths: [] };
  return true;
}

function renamedForDryRun(object: Manifest, name: string): Manifest {
  const copy = structuredClone(object);
  copy.metadata.name = `capstan-dry-run-${createHash('sha256').update(name).digest('hex').slice(0, 10)}`;
  return copy;
}

/**
 * Writes an item as its sync options say (for real, or as a server dry-run): server-side apply, or
 * with `Replace=true` a replace of the whole object, conditioned on the resourceVersion read live
 * (a change since is a conflict, never overwritten unseen).
 */
export function writeItem(run: Run, item: PlanItem, options: { dryRun?: boolean } = {}): Promise<Manifest> {
  const { fieldManager, force } = run.options;
  if (item.hook || !syncOptionsOf(item.object).replace) return run.client.apply(item.object, { ...options, fieldManager, force });
  const version = item.live?.metadata.resourceVersion;
  const object = version === undefined ? item.object : { ...item.object, metadata: { ...item.object.metadata, resourceVersion: version } };
  return run.client.replace(object, { ...options, fieldManager });
}
