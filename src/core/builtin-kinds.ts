/**
 * The kinds every Kubernetes API server serves, with their scope: what `capstan validate` knows
 * without a cluster. With a cluster, discovery is the authority.
 */
const clusterScoped = [
  '/Namespace', '/Node', '/PersistentVolume', '/ComponentStatus',
  'rbac.authorization.k8s.io/ClusterRole', 'rbac.authorization.k8s.io/ClusterRoleBinding',
  'apiextensions.k8s.io/CustomResourceDefinition', 'apiregistration.k8s.io/APIService',
  'storage.k8s.io/StorageClass', 'storage.k8s.io/CSIDriver', 'storage.k8s.io/CSINode', 'storage.k8s.io/VolumeAttachment',
  'scheduling.k8s.io/PriorityClass', 'node.k8s.io/RuntimeClass', 'networking.k8s.io/IngressClass',
  'admissionregistration.k8s.io/MutatingWebhookConfiguration', 'admissionregistration.k8s.io/ValidatingWebhookConfiguration',
  'admissionregistration.k8s.io/ValidatingAdmissionPolicy', 'admissionregistration.k8s.io/ValidatingAdmissionPolicyBinding',
  'certificates.k8s.io/CertificateSigningRequest', 'flowcontrol.apiserver.k8s.io/FlowSchema',
  'flowcontrol.apiserver.k8s.io/PriorityLevelConfiguration',
];

const namespaced = [
  '/Pod', '/Service', '/ConfigMap', '/Secret', '/ServiceAccount', '/PersistentVolumeClaim', '/Endpoints',
  '/LimitRange', '/ResourceQuota', '/ReplicationController', '/PodTemplate', '/Event',
  'apps/Deployment', 'apps/StatefulSet', 'apps/DaemonSet', 'apps/ReplicaSet', 'apps/ControllerRevision',
  'batch/Job', 'batch/CronJob', 'autoscaling/HorizontalPodAutoscaler', 'policy/PodDisruptionBudget',
  'networking.k8s.io/Ingress', 'networking.k8s.io/NetworkPolicy', 'discovery.k8s.io/EndpointSlice',
  'rbac.authorization.k8s.io/Role', 'rbac.authorization.k8s.io/RoleBinding', 'coordination.k8s.io/Lease',
  'events.k8s.io/Event', 'storage.k8s.io/CSIStorageCapacity',
];

const scopes = new Map<string, boolean>([...clusterScoped.map((k) => [k, false] as const), ...namespaced.map((k) => [k, true] as const)]);

/** Whether a built-in kind is namespaced (`group/Kind`, core group as ''), or undefined when it is not built in. */
export function builtinScope(group: string, kind: string): { namespaced: boolean } | undefined {
  const scope = scopes.get(`${group}/${kind}`);
  return scope === undefined ? undefined : { namespaced: scope };
}

/** The groups that serve a built-in kind (`['rbac.authorization.k8s.io']` for ClusterRole); [] when no built-in kind has that name. */
export function builtinGroupsOf(kind: string): string[] {
  return [...scopes.keys()].filter((key) => key.slice(key.indexOf('/') + 1) === kind).map((key) => key.slice(0, key.indexOf('/')));
}
