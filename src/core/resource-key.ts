/** Identity of a Kubernetes object: group, kind, namespace and name (no version: versions are views). */
export interface ResourceKey {
  group: string;
  kind: string;
  namespace: string; // '' for cluster-scoped objects
  name: string;
}

/** A plain Kubernetes object as rendered or read back from a cluster. */
export interface Manifest {
  apiVersion: string;
  kind: string;
  metadata: {
    name: string;
    namespace?: string;
    labels?: Record<string, string>;
    annotations?: Record<string, string>;
    [key: string]: unknown;
  };
  [key: string]: unknown;
}

export function groupOf(apiVersion: string): string {
  const slash = apiVersion.indexOf('/');
  return slash < 0 ? '' : apiVersion.slice(0, slash);
}

export function keyOf(manifest: Pick<Manifest, 'apiVersion' | 'kind' | 'metadata'>): ResourceKey {
  return {
    group: groupOf(manifest.apiVersion),
    kind: manifest.kind,
    namespace: manifest.metadata.namespace ?? '',
    // a hook created anew on every sync has only a prefix until the server names it
    name: manifest.metadata.name || (typeof manifest.metadata.generateName === 'string' ? manifest.metadata.generateName : manifest.metadata.name),
  };
}

/** `Kind/namespace/name` (or `Kind/name` when cluster-scoped): how every message names an object. */
export function formatKey(key: ResourceKey): string {
  return key.namespace ? `${key.kind}/${key.namespace}/${key.name}` : `${key.kind}/${key.name}`;
}

/** A stable string for maps and sets: group and kind disambiguate same-named kinds of different groups. */
export function keyString(key: ResourceKey): string {
  return `${key.group}|${key.kind}|${key.namespace}|${key.name}`;
}

export function parseKeyString(text: string): ResourceKey {
  const [group, kind, namespace, name] = text.split('|');
  return { group, kind, namespace, name };
}

export function sameKey(a: ResourceKey, b: ResourceKey): boolean {
  return a.group === b.group && a.kind === b.kind && a.namespace === b.namespace && a.name === b.name;
}
