import { createHash } from 'node:crypto';
import type { KubeClient } from '../kube/index.ts';
import type { ClusterCapabilities } from '../render/index.ts';

/**
 * How old the discovery that capabilities are read from may get: a CRD that another tool installs
 * is in `--api-versions` (and re-renders what checks for it) within this time, as Argo CD's cluster
 * cache follows CRDs. One discovery pass per cluster per period, not per render.
 */
export const capabilitiesMaxAgeMs = 5 * 60_000;

/** When each client's discovery was last used fresh for capabilities. */
const readAt = new WeakMap<KubeClient, number>();

/**
 * What `helm template` is told of the target cluster, as Argo CD tells it: `--kube-version` from
 * `/version` (`v<major>.<minor>.<patch>` of its gitVersion, without a suffix such as `-gke.1`, which
 * would make every `semverCompare ">=1.x"` of a chart false) and `--api-versions`, every
 * `group/version` and `group/version/Kind` discovery serves. Both come from the client's caches:
 * discovery and `/version` are read once until discovery is invalidated (after CRDs are
 * applied, or once it is older than `capabilitiesMaxAgeMs`, so an upgraded cluster is seen then), so asking costs no request per render.
 */
export async function clusterCapabilities(client: KubeClient, now: number = Date.now()): Promise<ClusterCapabilities> {
  const last = readAt.get(client);
  if (last === undefined || now - last > capabilitiesMaxAgeMs) {
    if (last !== undefined) client.invalidateDiscovery();
    readAt.set(client, now);
  }
  const [version, resources] = await Promise.all([client.serverVersion(), client.resources()]);
  const apiVersions = new Set<string>();
  for (const info of resources) {
    const groupVersion = info.group ? `${info.group}/${info.version}` : info.version;
    apiVersions.add(groupVersion);
    apiVersions.add(`${groupVersion}/${info.kind}`);
  }
  return { kubeVersion: kubeVersionOf(version), apiVersions: [...apiVersions].sort() };
}

/** `v1.29.3` of a gitVersion such as `v1.29.3-gke.1282001`; from major and minor when it has none. */
export function kubeVersionOf(version: { major: number; minor: number; gitVersion: string }): string {
  const match = /^v?(\d+)\.(\d+)\.(\d+)/.exec(version.gitVersion);
  return match ? `v${match[1]}.${match[2]}.${match[3]}` : `v${version.major}.${version.minor}.0`;
}

/** A short, stable fingerprint of capabilities: what a kept render that used them is checked against. */
export function capabilitiesFingerprint(capabilities: ClusterCapabilities): string {
  return createHash('sha256').update(JSON.stringify([capabilities.kubeVersion, capabilities.apiVersions])).digest('hex');
}
