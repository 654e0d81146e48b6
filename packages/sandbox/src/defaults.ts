import type { KubeObject, ResourceType } from './types.ts';

/**
 * The defaulting the real API server applies to built-in kinds (`pkg/apis/<group>/v1/defaults.go`
 * plus the few defaults that registry strategies and admission plugins set on create), so that a
 * server-side dry-run, `kubectl diff --server-side` and managed fields look as on a real cluster.
 *
 * Every default only fills what is missing, so applying it again is a no-op.
 */
export function applyDefaults(type: ResourceType, object: KubeObject): void {
  if (type.custom) return;
  const defaulter = defaulters[`${type.group}/${type.kind}`];
  if (defaulter) defaulter(object);
}

type Json = Record<string, unknown>;

function isRecord(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** The record at `object[key]`, created when absent. */
function child(object: Json, key: string): Json {
  const value = object[key];
  if (isRecord(value)) return value;
  const created: Json = {};
  object[key] = created;
  return created;
}

/** The record at `object[key]`, or undefined when absent (never created). */
function existing(object: Json, key: string): Json | undefined {
  const value = object[key];
  return isRecord(value) ? value : undefined;
}

function records(value: unknown): Json[] {
  return Array.isArray(value) ? value.filter(isRecord) : [];
}

function setDefault(object: Json, key: string, value: unknown): void {
  if (object[key] === undefined || object[key] === null || object[key] === '') object[key] = value;
}

const defaulters: Record<string, (object: KubeObject) => void> = {
  '/Namespace': defaultNamespace,
  '/Secret': (object) => setDefault(object, 'type', 'Opaque'),
  '/Service': defaultService,
  '/Pod': defaultPod,
  '/PodTemplate': (object) => defaultPodTemplate(existing(object, 'template')),
  '/ReplicationController': (object) => {
    const spec = child(object, 'spec');
    setDefault(spec, 'replicas', 1);
    defaultPodTemplate(existing(spec, 'template'));
  },
  '/PersistentVolumeClaim': (object) => {
    defaultClaimSpec(child(object, 'spec'));
    setDefault(child(object, 'status'), 'phase', 'Pending');
  },
  '/PersistentVolume': (object) => {
    const spec = child(object, 'spec');
    setDefault(spec, 'persistentVolumeReclaimPolicy', 'Retain');
    setDefault(spec, 'volumeMode', 'Filesystem');
    setDefault(child(object, 'status'), 'phase', 'Pending');
  },
  '/Endpoints': (object) => {
    for (const subset of records(object.subsets)) for (const port of records(subset.ports)) setDefault(port, 'protocol', 'TCP');
  },
  'apps/Deployment': defaultDeployment,
  'apps/ReplicaSet': (object) => {
    const spec = child(object, 'spec');
    setDefault(spec, 'replicas', 1);
    defaultPodTemplate(existing(spec, 'template'));
  },
  'apps/StatefulSet': defaultStatefulSet,
  'apps/DaemonSet': defaultDaemonSet,
  'batch/Job': defaultJob,
  'batch/CronJob': defaultCronJob,
  'networking.k8s.io/NetworkPolicy': defaultNetworkPolicy,
  'rbac.authorization.k8s.io/RoleBinding': defaultBinding,
  'rbac.authorization.k8s.io/ClusterRoleBinding': defaultBinding,
  'storage.k8s.io/StorageClass': (object) => {
    setDefault(object, 'reclaimPolicy', 'Delete');
    setDefault(object, 'volumeBindingMode', 'Immediate');
  },
  'scheduling.k8s.io/PriorityClass': (object) => setDefault(object, 'preemptionPolicy', 'PreemptLowerPriority'),
};

// ------------------------------------------------------------------ core

function defaultNamespace(object: KubeObject): void {
  const name = object.metadata.name;
  if (name) object.metadata.labels = { ...(object.metadata.labels ?? {}), 'kubernetes.io/metadata.name': name };
  const spec = child(object, 'spec');
  if (!Array.isArray(spec.finalizers)) spec.finalizers = ['kubernetes'];
  setDefault(child(object, 'status'), 'phase', 'Active');
}

function defaultService(object: KubeObject): void {
  const spec = child(object, 'spec');
  setDefault(spec, 'type', 'ClusterIP');
  setDefault(spec, 'sessionAffinity', 'None');
  if (spec.sessionAffinity === 'None') delete spec.sessionAffinityConfig;
  if (spec.sessionAffinity === 'ClientIP') {
    const config = child(spec, 'sessionAffinityConfig');
    setDefault(child(config, 'clientIP'), 'timeoutSeconds', 10800);
  }
  for (const port of records(spec.ports)) {
    setDefault(port, 'protocol', 'TCP');
    if (port.targetPort === undefined || port.targetPort === 0 || port.targetPort === '') port.targetPort = port.port;
  }
  const type = spec.type;
  if ((type === 'NodePort' || type === 'LoadBalancer') && spec.externalTrafficPolicy === undefined) spec.externalTrafficPolicy = 'Cluster';
  if ((type === 'ClusterIP' || type === 'NodePort' || type === 'LoadBalancer') && spec.internalTrafficPolicy === undefined) {
    spec.internalTrafficPolicy = 'Cluster';
  }
  if (type === 'LoadBalancer') setDefault(spec, 'allocateLoadBalancerNodePorts', true);
  if (type !== 'ExternalName') {
    // set by the service registry on a single-stack IPv4 cluster; headless services without a selector ask for dual stack
    const headlessWithoutSelector = spec.clusterIP === 'None' && !isRecord(spec.selector);
    setDefault(spec, 'ipFamilyPolicy', headlessWithoutSelector ? 'RequireDualStack' : 'SingleStack');
    if (!Array.isArray(spec.ipFamilies) || spec.ipFamilies.length === 0) spec.ipFamilies = ['IPv4'];
  }
  const status = child(object, 'status');
  if (!isRecord(status.loadBalancer)) status.loadBalancer = {};
}

function defaultPod(object: KubeObject): void {
  const spec = child(object, 'spec');
  defaultPodSpec(spec);
  // requests default to limits, on Pods only (not on templates)
  for (const container of [...records(spec.containers), ...records(spec.initContainers)]) {
    const resources = existing(container, 'resources');
    const limits = resources && existing(resources, 'limits');
    if (!resources || !limits) continue;
    const requests = child(resources, 'requests');
    for (const [key, value] of Object.entries(limits)) if (requests[key] === undefined) requests[key] = value;
  }
  setDefault(spec, 'enableServiceLinks', true);
  // set on create by admission: ServiceAccount, Priority and DefaultTolerationSeconds
  setDefault(spec, 'serviceAccountName', 'default');
  setDefault(spec, 'serviceAccount', spec.serviceAccountName);
  setDefault(spec, 'priority', 0);
  setDefault(spec, 'preemptionPolicy', 'PreemptLowerPriority');
  const tolerations = Array.isArray(spec.tolerations) ? (spec.tolerations as unknown[]) : [];
  for (const key of ['node.kubernetes.io/not-ready', 'node.kubernetes.io/unreachable']) {
    if (records(tolerations).some((t) => t.key === key)) continue;
    tolerations.push({ key, operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 300 });
  }
  spec.tolerations = tolerations;
  const status = child(object, 'status');
  setDefault(status, 'phase', 'Pending');
  setDefault(status, 'qosClass', qosClass(spec));
}

/** The QoS class the API server records in a new Pod's status. */
export function qosClass(spec: Json): 'Guaranteed' | 'Burstable' | 'BestEffort' {
  const containers = [...records(spec.containers), ...records(spec.initContainers)];
  let any = false;
  let guaranteed = containers.length > 0;
  for (const container of containers) {
    const resources = existing(container, 'resources') ?? {};
    const requests = existing(resources, 'requests') ?? {};
    const limits = existing(resources, 'limits') ?? {};
    for (const resource of ['cpu', 'memory']) {
      if (requests[resource] !== undefined || limits[resource] !== undefined) any = true;
      if (limits[resource] === undefined || (requests[resource] !== undefined && String(requests[resource]) !== String(limits[resource]))) guaranteed = false;
    }
  }
  if (!any) return 'BestEffort';
  return guaranteed ? 'Guaranteed' : 'Burstable';
}

function defaultPodTemplate(template: Json | undefined): void {
  if (!template) return;
  defaultPodSpec(child(template, 'spec'));
}

function defaultPodSpec(spec: Json): void {
  setDefault(spec, 'restartPolicy', 'Always');
  setDefault(spec, 'terminationGracePeriodSeconds', 30);
  setDefault(spec, 'dnsPolicy', 'ClusterFirst');
  if (!isRecord(spec.securityContext)) spec.securityContext = {};
  setDefault(spec, 'schedulerName', 'default-scheduler');
  for (const container of [...records(spec.containers), ...records(spec.initContainers), ...records(spec.ephemeralContainers)]) defaultContainer(container);
  for (const volume of records(spec.volumes)) defaultVolume(volume);
}

function defaultContainer(container: Json): void {
  setDefault(container, 'terminationMessagePath', '/dev/termination-log');
  setDefault(container, 'terminationMessagePolicy', 'File');
  setDefault(container, 'imagePullPolicy', imageTag(typeof container.image === 'string' ? container.image : '') === 'latest' ? 'Always' : 'IfNotPresent');
  if (!isRecord(container.resources)) container.resources = {};
  for (const port of records(container.ports)) setDefault(port, 'protocol', 'TCP');
  for (const key of ['livenessProbe', 'readinessProbe', 'startupProbe']) {
    const probe = existing(container, key);
    if (probe) defaultProbe(probe);
  }
  const lifecycle = existing(container, 'lifecycle');
  for (const key of ['postStart', 'preStop']) {
    const handler = lifecycle && existing(lifecycle, key);
    const httpGet = handler && existing(handler, 'httpGet');
    if (httpGet) defaultHttpGet(httpGet);
  }
  for (const env of records(container.env)) {
    const from = existing(env, 'valueFrom');
    const fieldRef = from && existing(from, 'fieldRef');
    if (fieldRef) setDefault(fieldRef, 'apiVersion', 'v1');
  }
}

/**
 * The tag of an image reference as Kubernetes reads it: `latest` when neither tag nor digest is
 * given, '' when only a digest is.
 */
export function imageTag(image: string): string {
  const at = image.indexOf('@');
  const name = at >= 0 ? image.slice(0, at) : image;
  const slash = name.lastIndexOf('/');
  const colon = name.lastIndexOf(':');
  if (colon > slash) return name.slice(colon + 1);
  return at >= 0 ? '' : 'latest';
}

function defaultProbe(probe: Json): void {
  setDefault(probe, 'timeoutSeconds', 1);
  setDefault(probe, 'periodSeconds', 10);
  setDefault(probe, 'successThreshold', 1);
  setDefault(probe, 'failureThreshold', 3);
  const httpGet = existing(probe, 'httpGet');
  if (httpGet) defaultHttpGet(httpGet);
}

function defaultHttpGet(action: Json): void {
  setDefault(action, 'path', '/');
  setDefault(action, 'scheme', 'HTTP');
}

const volumeSources = [
  'hostPath', 'emptyDir', 'gcePersistentDisk', 'awsElasticBlockStore', 'gitRepo', 'secret', 'nfs', 'iscsi', 'glusterfs',
  'persistentVolumeClaim', 'rbd', 'flexVolume', 'cinder', 'cephfs', 'flocker', 'downwardAPI', 'fc', 'azureFile', 'configMap',
  'vsphereVolume', 'quobyte', 'azureDisk', 'photonPersistentDisk', 'projected', 'portworxVolume', 'scaleIO', 'storageos', 'csi',
  'ephemeral', 'image',
];

function defaultVolume(volume: Json): void {
  if (!volumeSources.some((source) => volume[source] !== undefined)) volume.emptyDir = {};
  for (const key of ['secret', 'configMap', 'downwardAPI', 'projected']) {
    const source = existing(volume, key);
    if (source) setDefault(source, 'defaultMode', 420);
  }
  const hostPath = existing(volume, 'hostPath');
  if (hostPath && hostPath.type === undefined) hostPath.type = '';
  const downward = existing(volume, 'downwardAPI');
  if (downward) defaultDownwardItems(downward.items);
  const projected = existing(volume, 'projected');
  for (const source of records(projected?.sources)) {
    const token = existing(source, 'serviceAccountToken');
    if (token) setDefault(token, 'expirationSeconds', 3600);
    const projectedDownward = existing(source, 'downwardAPI');
    if (projectedDownward) defaultDownwardItems(projectedDownward.items);
  }
  const ephemeral = existing(volume, 'ephemeral');
  const claimTemplate = ephemeral && existing(ephemeral, 'volumeClaimTemplate');
  const claimSpec = claimTemplate && existing(claimTemplate, 'spec');
  if (claimSpec) defaultClaimSpec(claimSpec);
}

function defaultDownwardItems(items: unknown): void {
  for (const item of records(items)) {
    const fieldRef = existing(item, 'fieldRef');
    if (fieldRef) setDefault(fieldRef, 'apiVersion', 'v1');
  }
}

function defaultClaimSpec(spec: Json): void {
  setDefault(spec, 'volumeMode', 'Filesystem');
}

// ------------------------------------------------------------------ apps

function defaultDeployment(object: KubeObject): void {
  const spec = child(object, 'spec');
  setDefault(spec, 'replicas', 1);
  const strategy = child(spec, 'strategy');
  setDefault(strategy, 'type', 'RollingUpdate');
  if (strategy.type === 'RollingUpdate') {
    const rolling = child(strategy, 'rollingUpdate');
    setDefault(rolling, 'maxUnavailable', '25%');
    setDefault(rolling, 'maxSurge', '25%');
  }
  setDefault(spec, 'revisionHistoryLimit', 10);
  setDefault(spec, 'progressDeadlineSeconds', 600);
  defaultPodTemplate(existing(spec, 'template'));
}

function defaultStatefulSet(object: KubeObject): void {
  const spec = child(object, 'spec');
  setDefault(spec, 'podManagementPolicy', 'OrderedReady');
  const strategy = child(spec, 'updateStrategy');
  if (strategy.type === undefined || strategy.type === '') {
    strategy.type = 'RollingUpdate';
    child(strategy, 'rollingUpdate');
  }
  const rolling = existing(strategy, 'rollingUpdate');
  if (strategy.type === 'RollingUpdate' && rolling) setDefault(rolling, 'partition', 0);
  const retention = child(spec, 'persistentVolumeClaimRetentionPolicy');
  setDefault(retention, 'whenDeleted', 'Retain');
  setDefault(retention, 'whenScaled', 'Retain');
  setDefault(spec, 'replicas', 1);
  setDefault(spec, 'revisionHistoryLimit', 10);
  defaultPodTemplate(existing(spec, 'template'));
  for (const claim of records(spec.volumeClaimTemplates)) {
    // claim templates are PersistentVolumeClaims and are defaulted as such
    claim.apiVersion ??= 'v1';
    claim.kind ??= 'PersistentVolumeClaim';
    defaultClaimSpec(child(claim, 'spec'));
    setDefault(child(claim, 'status'), 'phase', 'Pending');
  }
}

function defaultDaemonSet(object: KubeObject): void {
  const spec = child(object, 'spec');
  const strategy = child(spec, 'updateStrategy');
  setDefault(strategy, 'type', 'RollingUpdate');
  if (strategy.type === 'RollingUpdate') {
    const rolling = child(strategy, 'rollingUpdate');
    setDefault(rolling, 'maxUnavailable', 1);
    setDefault(rolling, 'maxSurge', 0);
  }
  setDefault(spec, 'revisionHistoryLimit', 10);
  defaultPodTemplate(existing(spec, 'template'));
}

// ------------------------------------------------------------------ batch

function defaultJob(object: KubeObject): void {
  const spec = child(object, 'spec');
  if (spec.completions === undefined && spec.parallelism === undefined) spec.completions = 1;
  setDefault(spec, 'parallelism', 1);
  if (spec.backoffLimit === undefined) spec.backoffLimit = spec.backoffLimitPerIndex !== undefined ? 2147483647 : 6;
  const template = existing(spec, 'template');
  const templateLabels = template && existing(template, 'metadata') ? existing(existing(template, 'metadata') as Json, 'labels') : undefined;
  if (templateLabels && Object.keys(object.metadata.labels ?? {}).length === 0) {
    object.metadata.labels = { ...(templateLabels as Record<string, string>) };
  }
  setDefault(spec, 'completionMode', 'NonIndexed');
  setDefault(spec, 'suspend', false);
  const failurePolicy = existing(spec, 'podFailurePolicy');
  for (const rule of records(failurePolicy?.rules)) for (const pattern of records(rule.onPodConditions)) setDefault(pattern, 'status', 'True');
  setDefault(spec, 'podReplacementPolicy', failurePolicy ? 'Failed' : 'TerminatingOrFailed');
  setDefault(spec, 'manualSelector', false);
  defaultPodTemplate(template);
}

function defaultCronJob(object: KubeObject): void {
  const spec = child(object, 'spec');
  setDefault(spec, 'concurrencyPolicy', 'Allow');
  setDefault(spec, 'suspend', false);
  setDefault(spec, 'successfulJobsHistoryLimit', 3);
  setDefault(spec, 'failedJobsHistoryLimit', 1);
  // the job template is not defaulted as a Job: only its pod template is
  const jobTemplate = existing(spec, 'jobTemplate');
  const jobSpec = jobTemplate && existing(jobTemplate, 'spec');
  if (jobSpec) defaultPodTemplate(existing(jobSpec, 'template'));
}

// ------------------------------------------------------------------ others

function defaultNetworkPolicy(object: KubeObject): void {
  const spec = child(object, 'spec');
  for (const direction of ['ingress', 'egress']) {
    for (const rule of records(spec[direction])) for (const port of records(rule.ports)) setDefault(port, 'protocol', 'TCP');
  }
  if (!Array.isArray(spec.policyTypes) || spec.policyTypes.length === 0) {
    spec.policyTypes = Array.isArray(spec.egress) && spec.egress.length > 0 ? ['Ingress', 'Egress'] : ['Ingress'];
  }
}

function defaultBinding(object: KubeObject): void {
  for (const subject of records(object.subjects)) {
    // a ServiceAccount's group defaults to '', which the wire form omits
    if (subject.apiGroup === undefined && (subject.kind === 'User' || subject.kind === 'Group')) subject.apiGroup = 'rbac.authorization.k8s.io';
  }
}
