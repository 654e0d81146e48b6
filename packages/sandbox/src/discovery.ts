import type { Registry } from './registry.ts';
import { apiVersionOf, type ResourceType } from './types.ts';

/**
 * `GET /version`: by default a Kubernetes version recent enough for kubectl 1.32 to talk to without
 * warnings; `gitVersion` another (`v1.29.3-gke.1282001`), with its major and minor.
 */
export function versionInfo(gitVersion = 'v1.32.0-capstan-sandbox'): Record<string, unknown> {
  const [, major = '1', minor = '32'] = /^v?(\d+)\.(\d+)/.exec(gitVersion) ?? [];
  return {
    major,
    minor,
    gitVersion,
    gitCommit: '0000000000000000000000000000000000000000',
    gitTreeState: 'clean',
    buildDate: '2026-01-01T00:00:00Z',
    goVersion: 'go1.23.4',
    compiler: 'gc',
    platform: 'linux/amd64',
  };
}

export function coreVersions(): Record<string, unknown> {
  return { kind: 'APIVersions', versions: ['v1'], serverAddressByClientCIDRs: [{ clientCIDR: '0.0.0.0/0', serverAddress: '127.0.0.1:6443' }] };
}

function groupEntry(group: { name: string; versions: string[]; preferred: string }): Record<string, unknown> {
  return {
    name: group.name,
    versions: group.versions.map((version) => ({ groupVersion: `${group.name}/${version}`, version })),
    preferredVersion: { groupVersion: `${group.name}/${group.preferred}`, version: group.preferred },
  };
}

export function groupList(registry: Registry): Record<string, unknown> {
  return { kind: 'APIGroupList', apiVersion: 'v1', groups: registry.groups().filter((g) => g.name !== '').map(groupEntry) };
}

export function groupInfo(registry: Registry, name: string): Record<string, unknown> | undefined {
  const group = registry.groups().find((g) => g.name === name);
  return group ? { kind: 'APIGroup', apiVersion: 'v1', ...groupEntry(group) } : undefined;
}

function resourceEntry(type: ResourceType): Record<string, unknown>[] {
  const main = {
    name: type.plural,
    singularName: type.singular,
    namespaced: type.namespaced,
    kind: type.kind,
    verbs: type.verbs,
    ...(type.shortNames.length ? { shortNames: type.shortNames } : {}),
    ...(type.categories.length ? { categories: type.categories } : {}),
    storageVersionHash: Buffer.from(`${type.group}/${type.plural}`).toString('base64').slice(0, 11),
  };
  const out: Record<string, unknown>[] = [main];
  if (type.subresources.status) {
    out.push({ name: `${type.plural}/status`, singularName: '', namespaced: type.namespaced, kind: type.kind, verbs: ['get', 'patch', 'update'] });
  }
  if (type.subresources.scale) {
    out.push({ name: `${type.plural}/scale`, singularName: '', namespaced: type.namespaced, group: 'autoscaling', version: 'v1', kind: 'Scale', verbs: ['get', 'patch', 'update'] });
  }
  if (type.kind === 'Pod' && type.group === '') {
    out.push({ name: 'pods/log', singularName: '', namespaced: true, kind: 'Pod', verbs: ['get'] });
  }
  return out;
}

export function resourceList(registry: Registry, group: string, version: string): Record<string, unknown> | undefined {
  const types = registry.all().filter((t) => t.group === group && t.version === version);
  if (types.length === 0) return undefined;
  return {
    kind: 'APIResourceList',
    apiVersion: 'v1',
    groupVersion: apiVersionOf({ group, version }),
    resources: types.flatMap(resourceEntry),
  };
}
