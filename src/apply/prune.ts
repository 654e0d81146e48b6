import { annotations, formatKey, keyString, ValidationError, type ResourceKey } from '../core/index.ts';
import { computeDiff } from '../diff/index.ts';
import type { ObjectFailure } from './errors.ts';
import { toError } from './limit.ts';
import type { Run } from './run.ts';
import { countObjects, describeContents, nameObjects, namespaceContents } from './namespace-contents.ts';
import { liveOwner } from './stamp.ts';
import { protectedNamespace } from './validate.ts';

/**
 * Deletes the prune targets one by one, in the given order (reverse plan order, so dependents go
 * before what they depend on). Skipped, with a message: objects still rendered, objects annotated
 * `capstan.dev/prune: disabled`, hooks, and objects whose live owner is not this app/env (never
 * delete what another app manages, nor what capstan did not stamp). Already-gone objects are
 * skipped as such. With dryRunOnly nothing is deleted: the changes and diffs say what would be.
 */
export async function pruneTargets(run: Run): Promise<ObjectFailure[]> {
  const { prune, dryRunOnly } = run.options;
  if (prune.length === 0) return [];
  run.emit({ type: 'prune', targets: prune.length });
  const failures: ObjectFailure[] = [];
  /** keyStrings of what this run deleted (or, dry, would delete). */
  const deleted = new Set<string>();
  for (const target of prune) {
    if (run.byId.has(keyString(target.key))) {
      run.record(target, 'skipped', 'is still rendered: not pruned');
      continue;
    }
    const namespace = isNamespaceKey(target.key) ? target.key.name : undefined;
    if (namespace !== undefined && run.options.protectedNamespaces.has(namespace)) {
      run.record(target, 'skipped', `not deleted: ${protectedNamespace(namespace)}`);
      continue;
    }
    if (namespace !== undefined) {
      const inside = run.owned().filter((item) => item.key.namespace === namespace);
      if (inside.length > 0) {
        run.retained.push(target);
        run.record(target, 'skipped', `not deleted: ${run.owner} still has ${countObjects(inside.length)} in it: ${nameObjects(inside.map((i) => i.key).sort((a, b) => formatKey(a).localeCompare(formatKey(b))))}`);
        continue;
      }
    }
    try {
      const live = await run.client.get(target.apiVersion, target.key);
      if (!live) {
        run.record(target, 'skipped', 'already deleted');
        continue;
      }
      const owner = liveOwner(live);
      if (live.metadata.annotations?.[annotations.prune] === 'disabled') {
        run.record(target, 'skipped', `not pruned: annotated ${annotations.prune}: disabled`);
        continue;
      }
      if (live.metadata.annotations?.[annotations.hook] !== undefined) {
        run.record(target, 'skipped', 'not pruned: hooks are not part of the inventory');
        continue;
      }
      if (owner !== run.owner) {
        run.record(target, 'skipped', owner === undefined ? `not pruned: it has no ${annotations.owner} annotation` : `not pruned: it is owned by ${owner}, not ${run.owner}`);
        continue;
      }
      if (namespace !== undefined) {
        const contents = await namespaceContents(run, namespace, deleted);
        if (contents.others.length + contents.kept.length > 0) {
          run.retained.push(target);
          run.record(target, 'skipped', `not deleted: it still holds ${describeContents(contents, run.owner)}`);
          continue;
        }
      }
      run.diffs.push(computeDiff({ key: target.key, live }));
      deleted.add(keyString(target.key));
      if (!dryRunOnly) {
        const deleted = await run.client.delete(target.apiVersion, target.key, { propagationPolicy: 'Background' });
        if (!deleted) {
          run.record(target, 'skipped', 'already deleted');
          continue;
        }
      }
      run.record(target, 'deleted');
    } catch (error) {
      failures.push({ key: target.key, apiVersion: target.apiVersion, error: toError(error) });
    }
  }
  return failures;
}

/** Principle: never prune on an empty render — a broken source must not delete an app. */
export function checkPruneAllowed(run: Run): void {
  if (run.items.length === 0 && run.options.prune.length > 0 && !run.options.allowEmpty) {
    throw new ValidationError(`refusing to prune ${run.options.prune.length} objects: the plan is empty (an empty render never prunes)`);
  }
}

function isNamespaceKey(key: ResourceKey): boolean {
  return key.group === '' && key.kind === 'Namespace';
}
