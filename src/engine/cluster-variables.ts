import type { KubeClient } from '../kube/index.ts';
import type { ReadVariables } from '../render/index.ts';

/**
 * Where `postBuild.substituteFrom` reads on the target cluster: a ConfigMap's `data`, or a
 * Secret's `data` decoded (and `stringData`, should the server return it). Undefined when the object
 * does not exist.
 */
export function clusterVariables(client: KubeClient): ReadVariables {
  return async ({ kind, namespace, name }) => {
    const object = await client.get('v1', { group: '', kind, namespace, name });
    if (object === undefined) return undefined;
    const values: Record<string, string> = {};
    const data = (object.data ?? {}) as Record<string, unknown>;
    for (const [key, value] of Object.entries(data)) {
      if (typeof value === 'string') values[key] = kind === 'Secret' ? Buffer.from(value, 'base64').toString('utf8') : value;
    }
    if (kind === 'Secret') for (const [key, value] of Object.entries((object.stringData ?? {}) as Record<string, unknown>)) if (typeof value === 'string') values[key] = value;
    return values;
  };
}
