import { annotations, argoAnnotations, formatKey, keyString, labels, ValidationError, type Manifest, type ResourceKey } from '../core/index.ts';
import { computeDiff } from '../diff/index.ts';
import { ignoresExtraneous, isHook, syncOptionsOf, type PruneTarget } from '../plan/index.ts';
import type { ObjectFailure } from './errors.ts';
import { settleLimited, toError } from './limit.ts';
import type { Run } from './run.ts';
import { countObjects, describeContents, nameObjects, namespaceContents } from './namespace-contents.ts';
import { liveOwner } from './stamp.ts';
import { protectedNamespace } from './validate.ts';

/**
 * Deletes the prune targets, in parallel (at most `concurrency` requests in flight, as applies),
 * in the given order (reverse plan order, so dependents go before what they depend on) where
 * order matters: the targets are cut into stages — objects, then CustomResourceDefinitions, then
 * Namespaces — and a stage starts once every delete of the one before has been answered. So a
 * custom resource is deleted before its CRD (which would take it along), and everything in a
 * namespace before the Namespace, which is deleted only when it holds nothing but what this sync
 * deleted. Within a stage no order holds.
 *
 * Skipped, with a message: objects still rendered, objects annotated `capstan.dev/prune:
 * disabled` or `argocd.argoproj.io/sync-options: Prune=false`, when the app is deleted (an empty
 * plan) objects annotated `Delete=false`, hooks, and objects whose live owner is not this app/env (never delete what another
 * app manages, nor what capstan did not stamp). Already-gone objects are skipped as such. With
 * dryRunOnly nothing is deleted: the changes and diffs say what would be. Live copies are read
 * with one list per kind and namespace (of the app's objects, by its labels) where several targets
 * share them, else with a get. The changes and diffs are recorded as deletes are answered (for
 * progress) and then put in the targets' order, so a result reads the same on every run.
 */
export async function pruneTargets(run: Run): Promise<ObjectFailure[]> {
  const { prune } = run.options;
  if (prune.length === 0) return [];
  run.emit({ type: 'prune', targets: prune.length });
  const marks = { changes: run.changes.length, diffs: run.diffs.length, retained: run.retained.length };
  const failures: ObjectFailure[] = [];
  /** keyStrings of what this run deleted (or, dry, would delete). */
  const deleted = new Set<string>();
  for (const stage of pruneStages(prune)) {
    const live = new LiveReader(run, stage);
    const answers = await settleLimited(stage, run.options.concurrency, (target) => pruneOne(run, target, live, deleted));
    answers.forEach((answer, i) => {
      if (answer.status === 'rejected') failures.push({ key: stage[i]!.key, apiVersion: stage[i]!.apiVersion, error: toError(answer.reason) });
    });
    // the kinds of deleted CRDs are no longer served: a Namespace's contents are read without them
    if (!run.options.dryRunOnly && stageKindOf(stage[0]!.key) === 'crds') run.client.invalidateDiscovery();
  }
  inTargetOrder(run, prune, marks);
  return failures;
}

/** Principle: never prune on an empty render — a broken source must not delete an app. */
export function checkPruneAllowed(run: Run): void {
  if (run.items.length === 0 && run.options.prune.length > 0 && !run.options.allowEmpty) {
    throw new ValidationError(`refusing to prune ${run.options.prune.length} objects: the plan is empty (an empty render never prunes)`);
  }
}

/** One target: judged against its live copy, then deleted (or, dry, recorded as it would be). */
async function pruneOne(run: Run, target: PruneTarget, live: LiveReader, deleted: Set<string>): Promise<void> {
  if (run.byId.has(keyString(target.key))) {
    run.record(target, 'skipped', 'is still rendered: not pruned');
    return;
  }
  if (target.patchExisting) {
    run.record(target, 'skipped', `not deleted: ${run.owner} only set fields of it (${annotations.patchExisting}), it is not the app's`);
    return;
  }
  const namespace = isNamespaceKey(target.key) ? target.key.name : undefined;
  if (namespace !== undefined && run.options.protectedNamespaces.has(namespace)) {
    run.record(target, 'skipped', `not deleted: ${protectedNamespace(namespace)}`);
    return;
  }
  if (namespace !== undefined) {
    const inside = run.owned().filter((item) => item.key.namespace === namespace);
    if (inside.length > 0) {
      run.retained.push(target);
      run.record(target, 'skipped', `not deleted: ${run.owner} still has ${countObjects(inside.length)} in it: ${nameObjects(inside.map((i) => i.key).sort((a, b) => formatKey(a).localeCompare(formatKey(b))))}`);
      return;
    }
  }
  const object = await live.read(target);
  if (!object) {
    run.record(target, 'skipped', 'already deleted');
    return;
  }
  const owner = liveOwner(object);
  const options = syncOptionsOf(object);
  if (!options.prune) {
    const why = object.metadata.annotations?.[annotations.prune] === 'disabled' ? `${annotations.prune}: disabled` : `${argoAnnotations.syncOptions}: Prune=false`;
    run.record(target, 'skipped', `not pruned: annotated ${why}`);
    return;
  }
  if (!options.delete && run.items.length === 0) {
    run.record(target, 'skipped', `not deleted with the app: annotated ${argoAnnotations.syncOptions}: Delete=false`);
    return;
  }
  if (isHook(object)) {
    run.record(target, 'skipped', 'not pruned: hooks are not part of the inventory');
    return;
  }
  if (owner !== run.owner) {
    run.record(target, 'skipped', owner === undefined ? `not pruned: it has no ${annotations.owner} annotation` : `not pruned: it is owned by ${owner}, not ${run.owner}`);
    return;
  }
  if (namespace !== undefined) {
    const contents = await namespaceContents(run, namespace, deleted);
    if (contents.others.length + contents.kept.length > 0) {
      run.retained.push(target);
      run.record(target, 'skipped', `not deleted: it still holds ${describeContents(contents, run.owner)}`);
      return;
    }
  }
  // IgnoreExtraneous: what would be pruned does not count as a difference (the app stays in sync); a sync still prunes it
  const extraneous = run.options.dryRunOnly && ignoresExtraneous(object);
  if (!extraneous) run.diffs.push(computeDiff({ key: target.key, live: object }));
  deleted.add(keyString(target.key));
  if (!run.options.dryRunOnly && !(await run.client.delete(target.apiVersion, target.key, { propagationPolicy: 'Background' }))) {
    run.record(target, 'skipped', 'already deleted');
    return;
  }
  run.record(target, 'deleted', extraneous ? `annotated ${argoAnnotations.compareOptions}: IgnoreExtraneous: not counted as a difference` : undefined);
}

type StageKind = 'objects' | 'crds' | 'namespaces';

function stageKindOf(key: ResourceKey): StageKind {
  if (isNamespaceKey(key)) return 'namespaces';
  if (key.group === 'apiextensions.k8s.io' && key.kind === 'CustomResourceDefinition') return 'crds';
  return 'objects';
}

/**
 * The targets cut where order matters: a run of objects, then of CRDs, then of Namespaces (in
 * reverse plan order that is three stages at most; a target list in another order is cut at
 * every change of kind, so its order still holds).
 */
export function pruneStages(targets: readonly PruneTarget[]): PruneTarget[][] {
  const stages: PruneTarget[][] = [];
  let last: StageKind | undefined;
  for (const target of targets) {
    const kind = stageKindOf(target.key);
    if (kind !== last) stages.push([]);
    stages.at(-1)!.push(target);
    last = kind;
  }
  return stages;
}

/**
 * A list reads at most this many objects per target it answers for; beyond (an app that still
 * renders many objects of the kind in that namespace), one get per target is cheaper.
 */
const listedPerTarget = 20;

/**
 * Live copies of a stage's targets: one list per kind and namespace, of the objects carrying the
 * app's labels, when several targets share them (all started with the stage); a get
 * for the others, for targets the list did not return (gone, or without the labels), and for
 * all of a group whose list failed.
 */
class LiveReader {
  private readonly lists = new Map<string, Promise<Map<string, Manifest> | undefined>>();

  constructor(
    private readonly run: Run,
    targets: readonly PruneTarget[],
  ) {
    const groups = new Map<string, number>();
    const first = new Map<string, PruneTarget>();
    for (const target of targets) {
      groups.set(groupOf(target), (groups.get(groupOf(target)) ?? 0) + 1);
      if (!first.has(groupOf(target))) first.set(groupOf(target), target);
    }
    const rendered = new Map<string, number>();
    for (const item of run.items) {
      const group = groupOf({ apiVersion: item.object.apiVersion, key: item.key });
      rendered.set(group, (rendered.get(group) ?? 0) + 1);
    }
    // every list of the stage at once, so no delete waits for the list of its kind when it comes
    for (const [group, count] of groups) {
      if (count >= 2 && count + (rendered.get(group) ?? 0) <= count * listedPerTarget) this.lists.set(group, this.list(first.get(group)!));
    }
  }

  async read(target: PruneTarget): Promise<Manifest | undefined> {
    const found = (await this.lists.get(groupOf(target)))?.get(target.key.name);
    return found ?? this.run.client.get(target.apiVersion, target.key);
  }

  /** The app's objects of the target's kind and namespace by name; undefined when they cannot be listed (each target is then read alone). */
  private async list(target: PruneTarget): Promise<Map<string, Manifest> | undefined> {
    const { app, env } = this.run.options.owner;
    try {
      const { items } = await this.run.client.list(target.apiVersion, target.key.kind, {
        namespace: target.key.namespace || undefined,
        labelSelector: `${labels.app}=${app},${labels.env}=${env}`,
      });
      return new Map(items.map((item) => [item.metadata.name, item]));
    } catch {
      return undefined;
    }
  }
}

/** Targets that one list answers: same apiVersion, kind and namespace. */
function groupOf(target: PruneTarget): string {
  return `${target.apiVersion}|${target.key.kind}|${target.key.namespace}`;
}

/** Puts what the prune recorded (changes, diffs, retained Namespaces) in the order of the targets. */
function inTargetOrder(run: Run, prune: readonly PruneTarget[], marks: { changes: number; diffs: number; retained: number }): void {
  const position = new Map(prune.map((target, i) => [keyString(target.key), i]));
  const reorder = <T extends { key: ResourceKey }>(list: T[], from: number): void => {
    const sorted = list.slice(from).sort((a, b) => (position.get(keyString(a.key)) ?? 0) - (position.get(keyString(b.key)) ?? 0));
    list.splice(from, sorted.length, ...sorted);
  };
  reorder(run.changes, marks.changes);
  reorder(run.diffs, marks.diffs);
  reorder(run.retained, marks.retained);
}

function isNamespaceKey(key: ResourceKey): boolean {
  return key.group === '' && key.kind === 'Namespace';
}
