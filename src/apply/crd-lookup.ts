import { builtinScope, groupOf, type Manifest } from '../core/index.ts';
import type { CrdLookup, CrdState } from '../health/index.ts';
import type { KubeClient } from '../kube/index.ts';
import type { Run } from './run.ts';

const crdApiVersion = 'apiextensions.k8s.io/v1';

/** Per run: the CRDs read from the cluster by `group/Kind`; null when no CRD serves the kind (or it could not be read). */
const readCrds = new WeakMap<Run, Map<string, CrdState | null>>();

/**
 * The CRDs serving the custom kinds of a run, for assessHealth: a CRD of the plan as the run last
 * saw it; any other read once (one GET per CRD, kept for the run once Established, read again at
 * the next look until then). Only custom resources without a status need their CRD.
 */
export async function crdLookup(run: Run, objects: Iterable<Manifest | undefined>): Promise<CrdLookup> {
  const cache = readCrds.get(run) ?? new Map<string, CrdState | null>();
  readCrds.set(run, cache);
  return readCrdLookup(run.client, objects, planCrds(run), cache);
}

/**
 * The CRDs serving the custom kinds among `objects` that have no status: those in `known` (CRDs
 * the caller holds, by `group/Kind`), any other read once into `cache`.
 */
export async function readCrdLookup(client: KubeClient, objects: Iterable<Manifest | undefined>, known: ReadonlyMap<string, CrdState> = new Map(), cache = new Map<string, CrdState | null>()): Promise<CrdLookup> {
  const planned = known;
  const reads = new Map<string, Promise<void>>();
  for (const object of objects) {
    if (!object || object.status !== undefined || typeof object.apiVersion !== 'string') continue;
    const group = groupOf(object.apiVersion);
    const id = `${group}/${object.kind}`;
    if (group === '' || builtinScope(group, object.kind) || planned.has(id) || reads.has(id)) continue;
    const cached = cache.get(id);
    if (cached === null || (cached && established(cached.object))) continue;
    reads.set(id, readCrd(client, object.apiVersion, object.kind).then((state) => void cache.set(id, state)));
  }
  await Promise.all(reads.values());
  return lookupOf(planned, cache);
}

/** crdLookup from what the run already holds, without reading anything. */
export function heldCrdLookup(run: Run): CrdLookup {
  return lookupOf(planCrds(run), readCrds.get(run) ?? new Map());
}

function lookupOf(planned: ReadonlyMap<string, CrdState>, read: ReadonlyMap<string, CrdState | null>): CrdLookup {
  return (group, kind) => planned.get(`${group}/${kind}`) ?? read.get(`${group}/${kind}`) ?? undefined;
}

function planCrds(run: Run): Map<string, CrdState> {
  return crdsOf(run.items.map((item) => ({ rendered: item.object, live: run.latest.has(item.id) ? run.latest.get(item.id) : item.live })));
}

/** The CRDs among objects (as rendered, or live), by the `group/Kind` they serve, with their live copy. */
export function crdsOf(objects: Iterable<{ rendered?: Manifest; live: Manifest | undefined }>): Map<string, CrdState> {
  const crds = new Map<string, CrdState>();
  for (const { rendered, live } of objects) {
    const object = rendered ?? live;
    if (object?.kind !== 'CustomResourceDefinition' || groupOf(String(object.apiVersion)) !== 'apiextensions.k8s.io') continue;
    const spec = object.spec as { group?: unknown; names?: { kind?: unknown } } | undefined;
    const name = object.metadata?.name;
    if (typeof spec?.group !== 'string' || typeof spec.names?.kind !== 'string' || typeof name !== 'string') continue;
    crds.set(`${spec.group}/${spec.names.kind}`, { name, object: live });
  }
  return crds;
}

async function readCrd(client: KubeClient, apiVersion: string, kind: string): Promise<CrdState | null> {
  try {
    const info = await client.resourceFor(apiVersion, kind);
    if (!info) return null;
    const name = `${info.resource}.${info.group}`;
    const object = await client.get(crdApiVersion, { group: 'apiextensions.k8s.io', kind: 'CustomResourceDefinition', namespace: '', name });
    // no CRD by that name: an aggregated API, judged as before
    return object ? { name, object } : null;
  } catch {
    // CRDs that cannot be read (no permission) leave the object judged as before
    return null;
  }
}

function established(crd: Manifest | undefined): boolean {
  const conditions = (crd?.status as { conditions?: unknown } | undefined)?.conditions;
  return Array.isArray(conditions) && conditions.some((c: { type?: unknown; status?: unknown } | null) => c?.type === 'Established' && c.status === 'True');
}
