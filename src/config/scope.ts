/**
 * Scopes: where an app may write, as Argo CD's AppProjects say (`destinations`,
 * `clusterResourceWhitelist`). Pure: the engine checks every rendered object with `scopeProblems`
 * before anything is applied, and `capstan install` grants the agent what `projectAccess` says.
 *
 * An app may always write
 * - to its namespace, and to the namespaces it creates: those of the Namespace objects in its
 *   render (`createNamespace` adds one), except namespaces of the cluster's own (`default`,
 *   `kube-*`) and, with a cluster, namespaces that exist and that it did not create;
 * - Namespace and CustomResourceDefinition objects (a CRD another app or a person made is never
 *   adopted, so "its own" CRDs are those it renders and, once applied, owns).
 * Its scope (`apps[].scope`) adds namespaces (names or `*` patterns) and cluster-scoped kinds.
 * Nothing, whatever the scope says, may write in capstan's own namespace (inventories, Leases,
 * token Secrets), nor its Namespace object.
 */
import { groupOf, type Manifest } from '../core/index.ts';
import { appsInEnvironment } from './resolve-app.ts';
import { selectEnvironments } from './select-environments.ts';
import type { AppEnvironment, ClusterResource, Project, Scope } from './types.ts';

/** What capstan keeps in its own namespace, as messages name it. */
const ownNamespaceHolds = 'inventories, Leases, token Secrets';

/** The cluster-scoped kinds every app may write. */
export const defaultClusterResources: readonly ClusterResource[] = [
  { group: '', kind: 'Namespace' },
  { group: 'apiextensions.k8s.io', kind: 'CustomResourceDefinition' },
];

const labelOrPattern = /^[a-z0-9*]([-a-z0-9*]*[a-z0-9*])?$/;

/** Why a text is not a namespace name nor a pattern (`team-*`, `*`); undefined when it is one. */
export function namespacePatternProblem(text: string): string | undefined {
  if (text.length <= 63 && labelOrPattern.test(text)) return undefined;
  return 'must be a namespace name, or a pattern where "*" matches any characters (such as team-* or *)';
}

/** Whether a namespace matches a name or a pattern (`*` matches any characters, none included). */
export function namespaceMatches(pattern: string, namespace: string): boolean {
  if (!pattern.includes('*')) return pattern === namespace;
  const parts = pattern.split('*').map((part) => part.replace(/[.+?^${}()|[\]\\-]/g, '\\$&'));
  return new RegExp(`^${parts.join('.*')}$`).test(namespace);
}

/** A namespace of the cluster's own, which no render "creates": `default`, `kube-system`, `kube-public`, … */
export function isSystemNamespace(namespace: string): boolean {
  return namespace === 'default' || namespace.startsWith('kube-');
}

/** Where one app may write in one environment, once its render is known. */
export interface WriteScope {
  app: string;
  /** The app's namespace in this environment. */
  namespace: string;
  /** The namespaces its render creates (Namespace objects), the app's namespace left out. */
  created: string[];
  /** Its scope in capstan.yaml; undefined: nothing beyond the default. */
  scope?: Scope;
  /** capstan's own namespace: never writable. */
  ownNamespace: string;
}

export interface WriteScopeOptions {
  /** capstan's own namespace (the inventories' namespace, `capstan-system` by default). */
  ownNamespace: string;
  /**
   * Namespaces of Namespace objects in the render that exist and that the app did not create (the
   * engine asks the cluster): not namespaces it creates. Offline, unknown: none.
   */
  notCreated?: readonly string[];
}

/** Where an app may write, from its settings and its render (Namespace objects in it are namespaces it creates). */
export function writeScope(app: Pick<AppEnvironment, 'name' | 'namespace' | 'scope'>, manifests: readonly Manifest[], options: WriteScopeOptions): WriteScope {
  const notCreated = new Set(options.notCreated ?? []);
  const created = new Set<string>();
  for (const name of createdNamespaces(manifests)) {
    if (name !== app.namespace && name !== options.ownNamespace && !isSystemNamespace(name) && !notCreated.has(name)) created.add(name);
  }
  const scope: WriteScope = { app: app.name, namespace: app.namespace, created: [...created], ownNamespace: options.ownNamespace };
  if (app.scope) scope.scope = app.scope;
  return scope;
}

/** The names of the Namespace objects among manifests, in order. */
export function createdNamespaces(manifests: readonly Manifest[]): string[] {
  return manifests.filter((m) => isNamespaceObject(m) && typeof m.metadata?.name === 'string').map((m) => m.metadata.name);
}

/** Whether an app with this scope may write objects in a namespace. */
export function mayWriteTo(scope: WriteScope, namespace: string): boolean {
  if (namespace === scope.ownNamespace) return false;
  if (namespace === scope.namespace || scope.created.includes(namespace)) return true;
  return (scope.scope?.namespaces ?? []).some((pattern) => namespaceMatches(pattern, namespace));
}

/** Whether an app with this scope may write cluster-scoped objects of a kind. */
export function mayWriteKind(scope: WriteScope, group: string, kind: string): boolean {
  return [...defaultClusterResources, ...(scope.scope?.clusterResources ?? [])].some((r) => (r.group === '*' || r.group === group) && (r.kind === '*' || r.kind === kind));
}

/**
 * What is wrong with an app writing an object, each a message that follows the object's name
 * (`ConfigMap/kube-system/x: …`); [] when its scope allows it. The object is as validated: a
 * namespaced object carries its namespace (the app's when it had none), a cluster-scoped one none.
 */
export function scopeProblems(scope: WriteScope, manifest: Manifest): string[] {
  const namespace = manifest.metadata?.namespace;
  if (typeof namespace === 'string' && namespace !== '') {
    if (namespace === scope.ownNamespace) return [ownNamespaceProblem(namespace)];
    return mayWriteTo(scope, namespace) ? [] : [namespaceProblem(scope, namespace)];
  }
  const group = groupOf(manifest.apiVersion);
  if (isNamespaceObject(manifest)) {
    const name = manifest.metadata.name;
    if (name === scope.ownNamespace) return [`is capstan's own namespace (${ownNamespaceHolds}): no app may write it, whatever its scope says`];
    // a namespace of the cluster's own is no namespace an app creates: it must be granted
    if (isSystemNamespace(name) && !mayWriteTo(scope, name)) return [namespaceProblem(scope, name)];
    return [];
  }
  return mayWriteKind(scope, group, manifest.kind) ? [] : [kindProblem(scope, group, manifest.kind)];
}

function ownNamespaceProblem(namespace: string): string {
  return `is in ${namespace}, capstan's own namespace (${ownNamespaceHolds}): no app may write there, whatever its scope says`;
}

function namespaceProblem(scope: WriteScope, namespace: string): string {
  const allowed = [`${scope.namespace} (its namespace)`];
  if (scope.created.length > 0) allowed.push(`${scope.created.join(', ')} (its Namespace objects)`);
  if (scope.scope && scope.scope.namespaces.length > 0) allowed.push(`${scope.scope.namespaces.join(', ')} (${scopeName(scope.scope)})`);
  return `namespace ${namespace} is outside the scope of app "${scope.app}", which may write to ${listing(allowed)}: to allow it, add ${namespace} to the namespaces of the app's scope in capstan.yaml`;
}

function kindProblem(scope: WriteScope, group: string, kind: string): string {
  const granted = scope.scope?.clusterResources ?? [];
  const allowed = ['Namespace', 'CustomResourceDefinition'];
  if (granted.length > 0) allowed.push(`${granted.map(formatClusterResource).join(', ')} (${scopeName(scope.scope!)})`);
  return `cluster-scoped kind ${formatClusterResource({ group, kind })} is outside the scope of app "${scope.app}", which may write ${listing(allowed)}: to allow it, add { group: ${group === '' ? '""' : group}, kind: ${kind} } to the clusterResources of the app's scope in capstan.yaml`;
}

/** `rbac.authorization.k8s.io/ClusterRole`, `Namespace` (the core group), `*` for any group or kind. */
export function formatClusterResource(resource: ClusterResource): string {
  return resource.group === '' ? resource.kind : `${resource.group}/${resource.kind}`;
}

function scopeName(scope: Scope): string {
  return scope.name === undefined ? 'its scope' : `scope "${scope.name}"`;
}

function listing(items: readonly string[]): string {
  return items.length < 2 ? items.join('') : `${items.slice(0, -1).join(', ')} and ${items.at(-1)}`;
}

function isNamespaceObject(manifest: Manifest): boolean {
  return manifest.kind === 'Namespace' && typeof manifest.apiVersion === 'string' && groupOf(manifest.apiVersion) === '';
}

/** What the agent's apps may write, for its RBAC: namespaces by name, by pattern, and cluster-scoped kinds. */
export interface ProjectAccess {
  /** Every app's namespace and the names its scope grants, in the order first met; capstan's own left out. */
  namespaces: string[];
  /** Namespace patterns scopes grant (`team-*`), with the scope that grants each. */
  patterns: Array<{ pattern: string; scope: string }>;
  /** Namespace and CustomResourceDefinition, then the kinds scopes grant. */
  clusterResources: ClusterResource[];
}

/**
 * What the apps of the given environments (every one when none is given) may write, read from
 * capstan.yaml alone: the namespaces that Namespace objects in renders create are not known here
 * (grant them in a scope to have them listed).
 */
export function projectAccess(project: Project, envs: readonly string[] | undefined, options: { ownNamespace: string }): ProjectAccess {
  const namespaces = new Set<string>();
  const patterns = new Map<string, string>();
  const resources = new Map<string, ClusterResource>(defaultClusterResources.map((r) => [`${r.group}/${r.kind}`, r]));
  for (const env of selectEnvironments(project, envs)) {
    for (const app of appsInEnvironment(project, env.name)) {
      namespaces.add(app.namespace);
      for (const name of app.scope?.namespaces ?? []) {
        if (name.includes('*')) {
          if (!patterns.has(name)) patterns.set(name, app.scope!.name === undefined ? `the scope of app "${app.name}"` : `scope "${app.scope!.name}"`);
        } else {
          namespaces.add(name);
        }
      }
      for (const r of app.scope?.clusterResources ?? []) resources.set(`${r.group}/${r.kind}`, r);
    }
  }
  namespaces.delete(options.ownNamespace);
  return {
    namespaces: [...namespaces],
    patterns: [...patterns].map(([pattern, scope]) => ({ pattern, scope })),
    clusterResources: [...resources.values()],
  };
}
