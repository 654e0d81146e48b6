/**
 * An app's objects as the API shows them: every object git renders or the inventory lists, with
 * its live health, whether it differs from git, and what it owns in the cluster.
 */
import { keyOf, keyString } from '../core/index.ts';
import type { AppEnvironment } from '../config/index.ts';
import type { Engine, RepoRevision } from '../engine/index.ts';
import { crdsOf, readCrdLookup } from '../apply/index.ts';
import { assessHealth } from '../health/index.ts';
import type { InventoryObject } from '../inventory/index.ts';
import type { KubeClient } from '../kube/index.ts';
import { message } from './helpers.ts';
import type { AgentLogger } from './logger.ts';
import { ownedTree, uidOf } from './resource-tree.ts';
import { appId, type ResourceNode, type ResourceState } from './types.ts';

export async function appResources(engine: Engine, client: KubeClient, checkout: RepoRevision, app: AppEnvironment, log: AgentLogger): Promise<ResourceState[]> {
  const [inventory, report, rendered] = await Promise.all([engine.history(checkout, app.name, app.env), engine.diff(checkout, app.name, app.env), engine.render(checkout, app.name, app.env, client)]);
  const objects = new Map<string, InventoryObject>();
  for (const o of rendered.objects) objects.set(keyString(keyOf(o.manifest)), { apiVersion: o.manifest.apiVersion, key: keyOf(o.manifest) });
  for (const o of inventory.objects) if (!objects.has(keyString(o.key))) objects.set(keyString(o.key), o);
  const differs = new Set(report.diffs.map((d) => keyString(d.key)));
  const rules = app.health;
  const live = await Promise.all([...objects.values()].map(async (o) => ({ o, object: await client.get(o.apiVersion, o.key) })));
  // what the objects own (ReplicaSets, Pods, Jobs): shown, not judged; a cluster that will not list them leaves them out
  const owned = await ownedTree(client, live.flatMap((l) => (l.object ? [l.object] : []))).catch((error: unknown) => {
    const id = appId({ app: app.name, env: app.env });
    log.warn({ app: app.name, env: app.env, err: message(error) }, `${id}: the objects its objects own could not be listed: ${message(error)}`);
    return new Map<string, ResourceNode[]>();
  });
  const crds = await readCrdLookup(client, live.map((l) => l.object), crdsOf(live.map((l) => ({ live: l.object }))));
  return live.map(({ o, object }) => {
    const health = assessHealth(object, { rules, crds });
    const state: ResourceState = { apiVersion: o.apiVersion, key: o.key, health: health.status, sync: differs.has(keyString(o.key)) ? 'OutOfSync' : 'Synced' };
    if (health.message) state.healthMessage = health.message;
    const children = object && owned.get(uidOf(object) ?? '');
    if (children) state.children = children;
    return state;
  });
}
