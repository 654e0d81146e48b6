import { keyOf, keyString, type Manifest, type ResourceKey } from '../core/index.ts';
import { compareKeys, customKindsOf } from './build-plan.ts';
import { stepKindOf, stepRank } from './kind-order.ts';

/** An object an app applied before, as its inventory records it. */
export interface PruneTarget {
  apiVersion: string;
  key: ResourceKey;
  /** capstan only set fields of it (`capstan.dev/patch-existing`): it is not the app's, and never pruned or deleted. */
  patchExisting?: boolean;
}

/**
 * What to delete: the objects of `previous` (the app's inventory) that `desired` no longer
 * renders, in reverse plan order — custom resources first, then the rest of the built-in kinds,
 * workloads, services, … and Namespaces and CRDs last — so nothing is deleted before what
 * depends on it. Pure; `capstan.dev/prune: disabled` and ownership are checked against the live
 * objects when pruning (apply), not here.
 */
export function computePrune(previous: readonly PruneTarget[], desired: readonly Manifest[]): PruneTarget[] {
  const keep = new Set(desired.map((m) => keyString(keyOf(m))));
  const customKinds = customKindsOf(desired);
  const seen = new Set<string>();
  const out: { target: PruneTarget; rank: number }[] = [];
  for (const target of previous) {
    const id = keyString(target.key);
    if (keep.has(id) || seen.has(id)) continue;
    seen.add(id);
    out.push({ target, rank: stepRank(stepKindOf(target.key, { customKinds })) });
  }
  return out.sort((a, b) => b.rank - a.rank || compareKeys(b.target.key, a.target.key)).map((o) => o.target);
}
