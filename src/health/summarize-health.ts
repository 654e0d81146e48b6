import { formatKey, type HealthStatus, type Manifest, type ResourceKey, worstHealth } from '../core/index.ts';
import { assessHealth, type HealthOptions } from './assess-health.ts';

/** An object an app expects, and what the cluster holds for it (undefined: not found). */
export interface HealthSubject {
  key: ResourceKey;
  object: Manifest | undefined;
}

export interface ResourceHealth extends HealthStatus {
  key: ResourceKey;
}

/** The worst health of an app's objects, with each object's own health. */
export interface HealthSummary extends HealthStatus {
  resources: ResourceHealth[];
}

/**
 * The health of many objects: the worst of them (the first, on a tie), its message naming the
 * object (`Deployment/web/api: Waiting for rollout to finish: …`) and how many others are not
 * Healthy. An empty set is Healthy.
 */
export function summarizeHealth(subjects: Iterable<HealthSubject>, options: HealthOptions = {}): HealthSummary {
  const resources: ResourceHealth[] = [];
  for (const { key, object } of subjects) resources.push({ key, ...assessHealth(object, options) });
  return summarizeResources(resources);
}

/** summarizeHealth of objects whose health is already assessed. */
export function summarizeResources(resources: ResourceHealth[]): HealthSummary {
  const worst = worstHealth(resources) as ResourceHealth | HealthStatus;
  if (worst.status === 'Healthy' || !('key' in worst)) return { status: 'Healthy', resources };

  const others = resources.filter((r) => r !== worst && r.status !== 'Healthy').length;
  const more = others > 0 ? ` (+${others} more not healthy)` : '';
  return { status: worst.status, message: `${formatKey(worst.key)}: ${worst.message ?? worst.status}${more}`, resources };
}
