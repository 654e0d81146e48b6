import type { ResourceKey } from '../core/index.ts';

/**
 * The steps of a sync wave, in the order they are applied. The table follows the reasoning of
 * Helm's install order and Argo CD's sync-task kind order — what others depend on goes first
 * (namespaces, CRDs, cluster-wide policy and RBAC, identities, configuration, storage, network
 * endpoints), then workloads, then what refers to workloads (Ingress, HPA, PDB, policies) — with
 * two capstan rules: CRDs get a step of their own that waits until they are Established, and
 * custom resources come last, after everything built in.
 */
export type StepKind =
  | 'namespaces'
  | 'crds'
  | 'cluster'
  | 'identities'
  | 'rbac'
  | 'config'
  | 'storage'
  | 'services'
  | 'workloads'
  | 'other'
  | 'custom';

export const stepOrder: readonly StepKind[] = ['namespaces', 'crds', 'cluster', 'identities', 'rbac', 'config', 'storage', 'services', 'workloads', 'other', 'custom'];

/** API groups served by Kubernetes itself; a kind of any other group is a custom resource. */
export const builtinGroups: ReadonlySet<string> = new Set([
  '',
  'admissionregistration.k8s.io',
  'apiextensions.k8s.io',
  'apiregistration.k8s.io',
  'apps',
  'authentication.k8s.io',
  'authorization.k8s.io',
  'autoscaling',
  'batch',
  'certificates.k8s.io',
  'coordination.k8s.io',
  'discovery.k8s.io',
  'events.k8s.io',
  'extensions',
  'flowcontrol.apiserver.k8s.io',
  'internal.apiserver.k8s.io',
  'networking.k8s.io',
  'node.k8s.io',
  'policy',
  'rbac.authorization.k8s.io',
  'resource.k8s.io',
  'scheduling.k8s.io',
  'storage.k8s.io',
  'storagemigration.k8s.io',
]);

/** Built-in kinds by `group/Kind` and the step they are applied in. */
const knownKinds: ReadonlyMap<string, StepKind> = new Map<string, StepKind>([
  ['/Namespace', 'namespaces'],
  ['apiextensions.k8s.io/CustomResourceDefinition', 'crds'],
  // cluster-wide objects that namespaced ones refer to
  ['storage.k8s.io/StorageClass', 'cluster'],
  ['storage.k8s.io/CSIDriver', 'cluster'],
  ['scheduling.k8s.io/PriorityClass', 'cluster'],
  ['node.k8s.io/RuntimeClass', 'cluster'],
  ['networking.k8s.io/IngressClass', 'cluster'],
  ['policy/PodSecurityPolicy', 'cluster'],
  ['rbac.authorization.k8s.io/ClusterRole', 'cluster'],
  ['rbac.authorization.k8s.io/ClusterRoleBinding', 'cluster'],
  // who pods run as, and the limits of the namespace they run in
  ['/ServiceAccount', 'identities'],
  ['/ResourceQuota', 'identities'],
  ['/LimitRange', 'identities'],
  ['rbac.authorization.k8s.io/Role', 'rbac'],
  ['rbac.authorization.k8s.io/RoleBinding', 'rbac'],
  ['/ConfigMap', 'config'],
  ['/Secret', 'config'],
  ['/PersistentVolume', 'storage'],
  ['/PersistentVolumeClaim', 'storage'],
  ['/Service', 'services'],
  ['apps/Deployment', 'workloads'],
  ['extensions/Deployment', 'workloads'],
  ['apps/StatefulSet', 'workloads'],
  ['apps/DaemonSet', 'workloads'],
  ['extensions/DaemonSet', 'workloads'],
  ['apps/ReplicaSet', 'workloads'],
  ['extensions/ReplicaSet', 'workloads'],
  ['/ReplicationController', 'workloads'],
  ['/Pod', 'workloads'],
  ['batch/Job', 'workloads'],
  ['batch/CronJob', 'workloads'],
  // Ingress, HPA, PDB, NetworkPolicy, endpoints, webhooks and API services: they refer to
  // workloads and services (a webhook configured before its backend would block later writes)
  // and fall into 'other' like every built-in kind not listed here.
]);

export interface ClassifyOptions {
  /** `group/Kind` of kinds defined by CRDs (of the render or known from the cluster). */
  customKinds: ReadonlySet<string>;
}

/** The step an object's kind is applied in. */
export function stepKindOf(key: Pick<ResourceKey, 'group' | 'kind'>, options: ClassifyOptions): StepKind {
  const gk = `${key.group}/${key.kind}`;
  if (options.customKinds.has(gk)) return 'custom';
  const known = knownKinds.get(gk);
  if (known) return known;
  return builtinGroups.has(key.group) ? 'other' : 'custom';
}

export function stepRank(kind: StepKind): number {
  return stepOrder.indexOf(kind);
}
