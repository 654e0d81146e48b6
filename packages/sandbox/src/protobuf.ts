/**
 * Decodes Kubernetes protobuf request bodies (`application/vnd.kubernetes.protobuf`) into the JSON
 * form the same object would have had, so the rest of the sandbox only ever sees JSON.
 *
 * The body is the magic `k8s\0` followed by a `runtime.Unknown` envelope
 * {typeMeta{apiVersion=1, kind=2}=1, raw=2, contentEncoding=3, contentType=4}; `raw` is the typed
 * object's protobuf encoding. Decoding is driven by the descriptor table below (field numbers from
 * Kubernetes' generated.proto files), and the JSON follows what Go's encoding/json prints for the
 * decoded struct: pointer fields appear exactly when they were sent, non-pointer scalars with
 * `omitempty` disappear when zero, fields without `omitempty` are always present, and non-pointer
 * structs (`resources: {}`, `status: {}`, `creationTimestamp: null`) are always printed.
 *
 * The wire reader is hand-written (varint, length-delimited, fixed32/64 and groups skipped): it is small
 * and the sandbox takes no protobuf dependency.
 */
import { formatTime } from './time.ts';

/** The body carries a kind the descriptor table does not cover. */
export class UnsupportedProtobufKindError extends Error {
  constructor(
    readonly apiVersion: string,
    readonly kind: string,
  ) {
    super(`decoding protobuf bodies of kind ${kind} (${apiVersion}) is not supported`);
    this.name = 'UnsupportedProtobufKindError';
  }
}

const magic = [0x6b, 0x38, 0x73, 0x00]; // "k8s\0"

/**
 * Field types, written as in Go: `*T` pointer (present exactly when sent), `[]T` list, `map[string]T`,
 * `...T` an inlined struct (`json:",inline"`), and a trailing `!` for a field without `omitempty`
 * (printed even when zero or nil). Scalars: string, bool, int32, int64, bytes. Special Kubernetes types:
 * Time, Quantity, IntOrString, FieldsV1. Anything else names a message of this table.
 */
type FieldTable = Record<string, [number, string]>;

const metaMessages: Record<string, FieldTable> = {
  ObjectMeta: {
    name: [1, 'string'],
    generateName: [2, 'string'],
    namespace: [3, 'string'],
    selfLink: [4, 'string'],
    uid: [5, 'string'],
    resourceVersion: [6, 'string'],
    generation: [7, 'int64'],
    creationTimestamp: [8, 'Time'],
    deletionTimestamp: [9, '*Time'],
    deletionGracePeriodSeconds: [10, '*int64'],
    labels: [11, 'map[string]string'],
    annotations: [12, 'map[string]string'],
    ownerReferences: [13, '[]OwnerReference'],
    finalizers: [14, '[]string'],
    managedFields: [17, '[]ManagedFieldsEntry'],
  },
  OwnerReference: {
    apiVersion: [5, 'string!'],
    kind: [1, 'string!'],
    name: [3, 'string!'],
    uid: [4, 'string!'],
    controller: [6, '*bool'],
    blockOwnerDeletion: [7, '*bool'],
  },
  ManagedFieldsEntry: {
    manager: [1, 'string'],
    operation: [2, 'string'],
    apiVersion: [3, 'string'],
    time: [4, '*Time'],
    fieldsType: [6, 'string'],
    fieldsV1: [7, '*FieldsV1'],
    subresource: [8, 'string'],
  },
  LabelSelector: {
    matchLabels: [1, 'map[string]string'],
    matchExpressions: [2, '[]LabelSelectorRequirement'],
  },
  LabelSelectorRequirement: {
    key: [1, 'string!'],
    operator: [2, 'string!'],
    values: [3, '[]string'],
  },
  Condition: {
    type: [1, 'string!'],
    status: [2, 'string!'],
    observedGeneration: [3, 'int64'],
    lastTransitionTime: [4, 'Time'],
    reason: [5, 'string!'],
    message: [6, 'string!'],
  },
  DeleteOptions: {
    gracePeriodSeconds: [1, '*int64'],
    preconditions: [2, '*Preconditions'],
    orphanDependents: [3, '*bool'],
    propagationPolicy: [4, '*string'],
    dryRun: [5, '[]string'],
    ignoreStoreReadErrorWithClusterBreakingPotential: [6, '*bool'],
  },
  Preconditions: {
    uid: [1, '*string'],
    resourceVersion: [2, '*string'],
  },
};

/** core/v1: the kinds kubectl creates, and everything a pod template holds. */
const coreMessages: Record<string, FieldTable> = {
  Namespace: { metadata: [1, 'ObjectMeta'], spec: [2, 'NamespaceSpec'], status: [3, 'NamespaceStatus'] },
  NamespaceSpec: { finalizers: [1, '[]string'] },
  NamespaceStatus: { phase: [1, 'string'], conditions: [2, '[]NamespaceCondition'] },
  NamespaceCondition: {
    type: [1, 'string!'],
    status: [2, 'string!'],
    lastTransitionTime: [4, 'Time'],
    reason: [5, 'string'],
    message: [6, 'string'],
  },
  ConfigMap: {
    metadata: [1, 'ObjectMeta'],
    immutable: [4, '*bool'],
    data: [2, 'map[string]string'],
    binaryData: [3, 'map[string]bytes'],
  },
  Secret: {
    metadata: [1, 'ObjectMeta'],
    immutable: [5, '*bool'],
    data: [2, 'map[string]bytes'],
    stringData: [4, 'map[string]string'],
    type: [3, 'string'],
  },
  ServiceAccount: {
    metadata: [1, 'ObjectMeta'],
    secrets: [2, '[]ObjectReference'],
    imagePullSecrets: [3, '[]LocalObjectReference'],
    automountServiceAccountToken: [4, '*bool'],
  },
  ObjectReference: {
    kind: [1, 'string'],
    namespace: [2, 'string'],
    name: [3, 'string'],
    uid: [4, 'string'],
    apiVersion: [5, 'string'],
    resourceVersion: [6, 'string'],
    fieldPath: [7, 'string'],
  },
  LocalObjectReference: { name: [1, 'string'] },
  TypedLocalObjectReference: { apiGroup: [1, '*string!'], kind: [2, 'string!'], name: [3, 'string!'] },
  Service: { metadata: [1, 'ObjectMeta'], spec: [2, 'ServiceSpec'], status: [3, 'ServiceStatus'] },
  ServiceSpec: {
    ports: [1, '[]ServicePort'],
    selector: [2, 'map[string]string'],
    clusterIP: [3, 'string'],
    clusterIPs: [18, '[]string'],
    type: [4, 'string'],
    externalIPs: [5, '[]string'],
    sessionAffinity: [7, 'string'],
    loadBalancerIP: [8, 'string'],
    loadBalancerSourceRanges: [9, '[]string'],
    externalName: [10, 'string'],
    externalTrafficPolicy: [11, 'string'],
    healthCheckNodePort: [12, 'int32'],
    publishNotReadyAddresses: [13, 'bool'],
    sessionAffinityConfig: [14, '*SessionAffinityConfig'],
    ipFamilies: [19, '[]string'],
    ipFamilyPolicy: [17, '*string'],
    allocateLoadBalancerNodePorts: [20, '*bool'],
    loadBalancerClass: [21, '*string'],
    internalTrafficPolicy: [22, '*string'],
    trafficDistribution: [23, '*string'],
  },
  ServicePort: {
    name: [1, 'string'],
    protocol: [2, 'string'],
    appProtocol: [6, '*string'],
    port: [3, 'int32!'],
    targetPort: [4, 'IntOrString'],
    nodePort: [5, 'int32'],
  },
  SessionAffinityConfig: { clientIP: [1, '*ClientIPConfig'] },
  ClientIPConfig: { timeoutSeconds: [1, '*int32'] },
  ServiceStatus: { loadBalancer: [1, 'LoadBalancerStatus'], conditions: [2, '[]Condition'] },
  LoadBalancerStatus: { ingress: [1, '[]LoadBalancerIngress'] },
  LoadBalancerIngress: { ip: [1, 'string'], hostname: [2, 'string'], ipMode: [3, '*string'], ports: [4, '[]PortStatus'] },
  PortStatus: { port: [1, 'int32!'], protocol: [2, 'string!'], error: [3, '*string'] },
  ResourceQuota: { metadata: [1, 'ObjectMeta'], spec: [2, 'ResourceQuotaSpec'], status: [3, 'ResourceQuotaStatus'] },
  ResourceQuotaSpec: {
    hard: [1, 'map[string]Quantity'],
    scopes: [2, '[]string'],
    scopeSelector: [3, '*ScopeSelector'],
  },
  ScopeSelector: { matchExpressions: [1, '[]ScopedResourceSelectorRequirement'] },
  ScopedResourceSelectorRequirement: { scopeName: [1, 'string!'], operator: [2, 'string!'], values: [3, '[]string'] },
  ResourceQuotaStatus: { hard: [1, 'map[string]Quantity'], used: [2, 'map[string]Quantity'] },

  PodTemplateSpec: { metadata: [1, 'ObjectMeta'], spec: [2, 'PodSpec'] },
  PodSpec: {
    volumes: [1, '[]Volume'],
    initContainers: [20, '[]Container'],
    containers: [2, '[]Container!'],
    ephemeralContainers: [34, '[]EphemeralContainer'],
    restartPolicy: [3, 'string'],
    terminationGracePeriodSeconds: [4, '*int64'],
    activeDeadlineSeconds: [5, '*int64'],
    dnsPolicy: [6, 'string'],
    nodeSelector: [7, 'map[string]string'],
    serviceAccountName: [8, 'string'],
    serviceAccount: [9, 'string'],
    automountServiceAccountToken: [21, '*bool'],
    nodeName: [10, 'string'],
    hostNetwork: [11, 'bool'],
    hostPID: [12, 'bool'],
    hostIPC: [13, 'bool'],
    shareProcessNamespace: [27, '*bool'],
    securityContext: [14, '*PodSecurityContext'],
    imagePullSecrets: [15, '[]LocalObjectReference'],
    hostname: [16, 'string'],
    subdomain: [17, 'string'],
    affinity: [18, '*Affinity'],
    schedulerName: [19, 'string'],
    tolerations: [22, '[]Toleration'],
    hostAliases: [23, '[]HostAlias'],
    priorityClassName: [24, 'string'],
    priority: [25, '*int32'],
    dnsConfig: [26, '*PodDNSConfig'],
    readinessGates: [28, '[]PodReadinessGate'],
    runtimeClassName: [29, '*string'],
    enableServiceLinks: [30, '*bool'],
    preemptionPolicy: [31, '*string'],
    overhead: [32, 'map[string]Quantity'],
    topologySpreadConstraints: [33, '[]TopologySpreadConstraint'],
    setHostnameAsFQDN: [35, '*bool'],
    os: [36, '*PodOS'],
    hostUsers: [37, '*bool'],
    schedulingGates: [38, '[]PodSchedulingGate'],
    resourceClaims: [39, '[]PodResourceClaim'],
    resources: [40, '*ResourceRequirements'],
  },
  Container: {
    name: [1, 'string!'],
    image: [2, 'string'],
    command: [3, '[]string'],
    args: [4, '[]string'],
    workingDir: [5, 'string'],
    ports: [6, '[]ContainerPort'],
    envFrom: [19, '[]EnvFromSource'],
    env: [7, '[]EnvVar'],
    resources: [8, 'ResourceRequirements'],
    resizePolicy: [23, '[]ContainerResizePolicy'],
    restartPolicy: [24, '*string'],
    volumeMounts: [9, '[]VolumeMount'],
    volumeDevices: [21, '[]VolumeDevice'],
    livenessProbe: [10, '*Probe'],
    readinessProbe: [11, '*Probe'],
    startupProbe: [22, '*Probe'],
    lifecycle: [12, '*Lifecycle'],
    terminationMessagePath: [13, 'string'],
    terminationMessagePolicy: [20, 'string'],
    imagePullPolicy: [14, 'string'],
    securityContext: [15, '*SecurityContext'],
    stdin: [16, 'bool'],
    stdinOnce: [17, 'bool'],
    tty: [18, 'bool'],
  },
  // EphemeralContainerCommon has Container's fields under the same numbers
  EphemeralContainer: { ephemeralContainerCommon: [1, '...Container'], targetContainerName: [2, 'string'] },
  ContainerPort: {
    name: [1, 'string'],
    hostPort: [2, 'int32'],
    containerPort: [3, 'int32!'],
    protocol: [4, 'string'],
    hostIP: [5, 'string'],
  },
  ContainerResizePolicy: { resourceName: [1, 'string!'], restartPolicy: [2, 'string!'] },
  EnvFromSource: { prefix: [1, 'string'], configMapRef: [2, '*ConfigMapEnvSource'], secretRef: [3, '*SecretEnvSource'] },
  ConfigMapEnvSource: { localObjectReference: [1, '...LocalObjectReference'], optional: [2, '*bool'] },
  SecretEnvSource: { localObjectReference: [1, '...LocalObjectReference'], optional: [2, '*bool'] },
  EnvVar: { name: [1, 'string!'], value: [2, 'string'], valueFrom: [3, '*EnvVarSource'] },
  EnvVarSource: {
    fieldRef: [1, '*ObjectFieldSelector'],
    resourceFieldRef: [2, '*ResourceFieldSelector'],
    configMapKeyRef: [3, '*ConfigMapKeySelector'],
    secretKeyRef: [4, '*SecretKeySelector'],
  },
  ObjectFieldSelector: { apiVersion: [1, 'string'], fieldPath: [2, 'string!'] },
  ResourceFieldSelector: { containerName: [1, 'string'], resource: [2, 'string!'], divisor: [3, 'Quantity'] },
  ConfigMapKeySelector: { localObjectReference: [1, '...LocalObjectReference'], key: [2, 'string!'], optional: [3, '*bool'] },
  SecretKeySelector: { localObjectReference: [1, '...LocalObjectReference'], key: [2, 'string!'], optional: [3, '*bool'] },
  ResourceRequirements: {
    limits: [1, 'map[string]Quantity'],
    requests: [2, 'map[string]Quantity'],
    claims: [3, '[]ResourceClaim'],
  },
  ResourceClaim: { name: [1, 'string!'], request: [2, 'string'] },
  VolumeMount: {
    name: [1, 'string!'],
    readOnly: [2, 'bool'],
    recursiveReadOnly: [7, '*string'],
    mountPath: [3, 'string!'],
    subPath: [4, 'string'],
    mountPropagation: [5, '*string'],
    subPathExpr: [6, 'string'],
  },
  VolumeDevice: { name: [1, 'string!'], devicePath: [2, 'string!'] },
  Probe: {
    probeHandler: [1, '...ProbeHandler'],
    initialDelaySeconds: [2, 'int32'],
    timeoutSeconds: [3, 'int32'],
    periodSeconds: [4, 'int32'],
    successThreshold: [5, 'int32'],
    failureThreshold: [6, 'int32'],
    terminationGracePeriodSeconds: [7, '*int64'],
  },
  ProbeHandler: {
    exec: [1, '*ExecAction'],
    httpGet: [2, '*HTTPGetAction'],
    tcpSocket: [3, '*TCPSocketAction'],
    grpc: [4, '*GRPCAction'],
  },
  ExecAction: { command: [1, '[]string'] },
  HTTPGetAction: {
    path: [1, 'string'],
    port: [2, 'IntOrString'],
    host: [3, 'string'],
    scheme: [4, 'string'],
    httpHeaders: [5, '[]HTTPHeader'],
  },
  HTTPHeader: { name: [1, 'string!'], value: [2, 'string!'] },
  TCPSocketAction: { port: [1, 'IntOrString'], host: [2, 'string'] },
  GRPCAction: { port: [1, 'int32!'], service: [2, '*string!'] },
  Lifecycle: { postStart: [1, '*LifecycleHandler'], preStop: [2, '*LifecycleHandler'], stopSignal: [3, '*string'] },
  LifecycleHandler: {
    exec: [1, '*ExecAction'],
    httpGet: [2, '*HTTPGetAction'],
    tcpSocket: [3, '*TCPSocketAction'],
    sleep: [4, '*SleepAction'],
  },
  SleepAction: { seconds: [1, 'int64!'] },
  SecurityContext: {
    capabilities: [1, '*Capabilities'],
    privileged: [2, '*bool'],
    seLinuxOptions: [3, '*SELinuxOptions'],
    windowsOptions: [10, '*WindowsSecurityContextOptions'],
    runAsUser: [4, '*int64'],
    runAsGroup: [8, '*int64'],
    runAsNonRoot: [5, '*bool'],
    readOnlyRootFilesystem: [6, '*bool'],
    allowPrivilegeEscalation: [7, '*bool'],
    procMount: [9, '*string'],
    seccompProfile: [11, '*SeccompProfile'],
    appArmorProfile: [12, '*AppArmorProfile'],
  },
  Capabilities: { add: [1, '[]string'], drop: [2, '[]string'] },
  SELinuxOptions: { user: [1, 'string'], role: [2, 'string'], type: [3, 'string'], level: [4, 'string'] },
  WindowsSecurityContextOptions: {
    gmsaCredentialSpecName: [1, '*string'],
    gmsaCredentialSpec: [2, '*string'],
    runAsUserName: [3, '*string'],
    hostProcess: [4, '*bool'],
  },
  SeccompProfile: { type: [1, 'string!'], localhostProfile: [2, '*string'] },
  AppArmorProfile: { type: [1, 'string!'], localhostProfile: [2, '*string'] },
  PodSecurityContext: {
    seLinuxOptions: [1, '*SELinuxOptions'],
    windowsOptions: [8, '*WindowsSecurityContextOptions'],
    runAsUser: [2, '*int64'],
    runAsGroup: [6, '*int64'],
    runAsNonRoot: [3, '*bool'],
    supplementalGroups: [4, '[]int64'],
    supplementalGroupsPolicy: [12, '*string'],
    fsGroup: [5, '*int64'],
    sysctls: [7, '[]Sysctl'],
    fsGroupChangePolicy: [9, '*string'],
    seccompProfile: [10, '*SeccompProfile'],
    appArmorProfile: [11, '*AppArmorProfile'],
    seLinuxChangePolicy: [13, '*string'],
  },
  Sysctl: { name: [1, 'string!'], value: [2, 'string!'] },
  Affinity: { nodeAffinity: [1, '*NodeAffinity'], podAffinity: [2, '*PodAffinity'], podAntiAffinity: [3, '*PodAntiAffinity'] },
  NodeAffinity: {
    requiredDuringSchedulingIgnoredDuringExecution: [1, '*NodeSelector'],
    preferredDuringSchedulingIgnoredDuringExecution: [2, '[]PreferredSchedulingTerm'],
  },
  NodeSelector: { nodeSelectorTerms: [1, '[]NodeSelectorTerm!'] },
  NodeSelectorTerm: { matchExpressions: [1, '[]NodeSelectorRequirement'], matchFields: [2, '[]NodeSelectorRequirement'] },
  NodeSelectorRequirement: { key: [1, 'string!'], operator: [2, 'string!'], values: [3, '[]string'] },
  PreferredSchedulingTerm: { weight: [1, 'int32!'], preference: [2, 'NodeSelectorTerm'] },
  PodAffinity: {
    requiredDuringSchedulingIgnoredDuringExecution: [1, '[]PodAffinityTerm'],
    preferredDuringSchedulingIgnoredDuringExecution: [2, '[]WeightedPodAffinityTerm'],
  },
  PodAntiAffinity: {
    requiredDuringSchedulingIgnoredDuringExecution: [1, '[]PodAffinityTerm'],
    preferredDuringSchedulingIgnoredDuringExecution: [2, '[]WeightedPodAffinityTerm'],
  },
  PodAffinityTerm: {
    labelSelector: [1, '*LabelSelector'],
    namespaces: [2, '[]string'],
    topologyKey: [3, 'string!'],
    namespaceSelector: [4, '*LabelSelector'],
    matchLabelKeys: [5, '[]string'],
    mismatchLabelKeys: [6, '[]string'],
  },
  WeightedPodAffinityTerm: { weight: [1, 'int32!'], podAffinityTerm: [2, 'PodAffinityTerm'] },
  Toleration: {
    key: [1, 'string'],
    operator: [2, 'string'],
    value: [3, 'string'],
    effect: [4, 'string'],
    tolerationSeconds: [5, '*int64'],
  },
  HostAlias: { ip: [1, 'string!'], hostnames: [2, '[]string'] },
  PodDNSConfig: { nameservers: [1, '[]string'], searches: [2, '[]string'], options: [3, '[]PodDNSConfigOption'] },
  PodDNSConfigOption: { name: [1, 'string'], value: [2, '*string'] },
  PodReadinessGate: { conditionType: [1, 'string!'] },
  TopologySpreadConstraint: {
    maxSkew: [1, 'int32!'],
    topologyKey: [2, 'string!'],
    whenUnsatisfiable: [3, 'string!'],
    labelSelector: [4, '*LabelSelector'],
    minDomains: [5, '*int32'],
    nodeAffinityPolicy: [6, '*string'],
    nodeTaintsPolicy: [7, '*string'],
    matchLabelKeys: [8, '[]string'],
  },
  PodOS: { name: [1, 'string!'] },
  PodSchedulingGate: { name: [1, 'string!'] },
  PodResourceClaim: {
    name: [1, 'string!'],
    resourceClaimName: [3, '*string'],
    resourceClaimTemplateName: [4, '*string'],
  },
  Volume: { name: [1, 'string!'], volumeSource: [2, '...VolumeSource'] },
  // the volume sources kubectl users meet; the cloud and legacy in-tree ones are skipped as unknown fields
  VolumeSource: {
    hostPath: [1, '*HostPathVolumeSource'],
    emptyDir: [2, '*EmptyDirVolumeSource'],
    secret: [6, '*SecretVolumeSource'],
    nfs: [7, '*NFSVolumeSource'],
    persistentVolumeClaim: [10, '*PersistentVolumeClaimVolumeSource'],
    downwardAPI: [16, '*DownwardAPIVolumeSource'],
    configMap: [19, '*ConfigMapVolumeSource'],
    projected: [26, '*ProjectedVolumeSource'],
    csi: [28, '*CSIVolumeSource'],
    ephemeral: [29, '*EphemeralVolumeSource'],
    image: [30, '*ImageVolumeSource'],
  },
  HostPathVolumeSource: { path: [1, 'string!'], type: [2, '*string'] },
  EmptyDirVolumeSource: { medium: [1, 'string'], sizeLimit: [2, '*Quantity'] },
  SecretVolumeSource: { secretName: [1, 'string'], items: [2, '[]KeyToPath'], defaultMode: [3, '*int32'], optional: [4, '*bool'] },
  KeyToPath: { key: [1, 'string!'], path: [2, 'string!'], mode: [3, '*int32'] },
  NFSVolumeSource: { server: [1, 'string!'], path: [2, 'string!'], readOnly: [3, 'bool'] },
  PersistentVolumeClaimVolumeSource: { claimName: [1, 'string!'], readOnly: [2, 'bool'] },
  DownwardAPIVolumeSource: { items: [1, '[]DownwardAPIVolumeFile'], defaultMode: [2, '*int32'] },
  DownwardAPIVolumeFile: {
    path: [1, 'string!'],
    fieldRef: [2, '*ObjectFieldSelector'],
    resourceFieldRef: [3, '*ResourceFieldSelector'],
    mode: [4, '*int32'],
  },
  ConfigMapVolumeSource: {
    localObjectReference: [1, '...LocalObjectReference'],
    items: [2, '[]KeyToPath'],
    defaultMode: [3, '*int32'],
    optional: [4, '*bool'],
  },
  ProjectedVolumeSource: { sources: [1, '[]VolumeProjection!'], defaultMode: [2, '*int32'] },
  VolumeProjection: {
    secret: [1, '*SecretProjection'],
    downwardAPI: [2, '*DownwardAPIProjection'],
    configMap: [3, '*ConfigMapProjection'],
    serviceAccountToken: [4, '*ServiceAccountTokenProjection'],
  },
  SecretProjection: { localObjectReference: [1, '...LocalObjectReference'], items: [2, '[]KeyToPath'], optional: [4, '*bool'] },
  ConfigMapProjection: { localObjectReference: [1, '...LocalObjectReference'], items: [2, '[]KeyToPath'], optional: [4, '*bool'] },
  DownwardAPIProjection: { items: [1, '[]DownwardAPIVolumeFile'] },
  ServiceAccountTokenProjection: { audience: [1, 'string'], expirationSeconds: [2, '*int64'], path: [3, 'string!'] },
  CSIVolumeSource: {
    driver: [1, 'string!'],
    readOnly: [2, '*bool'],
    fsType: [3, '*string'],
    volumeAttributes: [4, 'map[string]string'],
    nodePublishSecretRef: [5, '*LocalObjectReference'],
  },
  EphemeralVolumeSource: { volumeClaimTemplate: [1, '*PersistentVolumeClaimTemplate'] },
  PersistentVolumeClaimTemplate: { metadata: [1, 'ObjectMeta'], spec: [2, 'PersistentVolumeClaimSpec'] },
  PersistentVolumeClaimSpec: {
    accessModes: [1, '[]string'],
    selector: [4, '*LabelSelector'],
    resources: [2, 'VolumeResourceRequirements'],
    volumeName: [3, 'string'],
    storageClassName: [5, '*string'],
    volumeMode: [6, '*string'],
    dataSource: [7, '*TypedLocalObjectReference'],
  },
  VolumeResourceRequirements: { limits: [1, 'map[string]Quantity'], requests: [2, 'map[string]Quantity'] },
  ImageVolumeSource: { reference: [1, 'string'], pullPolicy: [2, 'string'] },
};

const workloadMessages: Record<string, FieldTable> = {
  // apps/v1
  Deployment: { metadata: [1, 'ObjectMeta'], spec: [2, 'DeploymentSpec'], status: [3, 'DeploymentStatus'] },
  DeploymentSpec: {
    replicas: [1, '*int32'],
    selector: [2, '*LabelSelector!'],
    template: [3, 'PodTemplateSpec'],
    strategy: [4, 'DeploymentStrategy'],
    minReadySeconds: [5, 'int32'],
    revisionHistoryLimit: [6, '*int32'],
    paused: [7, 'bool'],
    progressDeadlineSeconds: [9, '*int32'],
    podReplacementPolicy: [10, '*string'],
  },
  DeploymentStrategy: { type: [1, 'string'], rollingUpdate: [2, '*RollingUpdateDeployment'] },
  RollingUpdateDeployment: { maxUnavailable: [1, '*IntOrString'], maxSurge: [2, '*IntOrString'] },
  DeploymentStatus: {
    observedGeneration: [1, 'int64'],
    replicas: [2, 'int32'],
    updatedReplicas: [3, 'int32'],
    readyReplicas: [7, 'int32'],
    availableReplicas: [4, 'int32'],
    unavailableReplicas: [5, 'int32'],
    terminatingReplicas: [9, '*int32'],
    conditions: [6, '[]DeploymentCondition'],
    collisionCount: [8, '*int32'],
  },
  DeploymentCondition: {
    type: [1, 'string!'],
    status: [2, 'string!'],
    lastUpdateTime: [6, 'Time'],
    lastTransitionTime: [7, 'Time'],
    reason: [4, 'string'],
    message: [5, 'string'],
  },
  // batch/v1
  Job: { metadata: [1, 'ObjectMeta'], spec: [2, 'JobSpec'], status: [3, 'JobStatus'] },
  JobSpec: {
    parallelism: [1, '*int32'],
    completions: [2, '*int32'],
    activeDeadlineSeconds: [3, '*int64'],
    podFailurePolicy: [11, '*PodFailurePolicy'],
    successPolicy: [16, '*SuccessPolicy'],
    backoffLimit: [7, '*int32'],
    backoffLimitPerIndex: [12, '*int32'],
    maxFailedIndexes: [13, '*int32'],
    selector: [4, '*LabelSelector'],
    manualSelector: [5, '*bool'],
    template: [6, 'PodTemplateSpec'],
    ttlSecondsAfterFinished: [8, '*int32'],
    completionMode: [9, '*string'],
    suspend: [10, '*bool'],
    podReplacementPolicy: [14, '*string'],
    managedBy: [15, '*string'],
  },
  JobStatus: {
    conditions: [1, '[]JobCondition'],
    startTime: [2, '*Time'],
    completionTime: [3, '*Time'],
    active: [4, 'int32'],
    succeeded: [5, 'int32'],
    failed: [6, 'int32'],
    terminating: [11, '*int32'],
    completedIndexes: [7, 'string'],
    failedIndexes: [10, '*string'],
    uncountedTerminatedPods: [8, '*UncountedTerminatedPods'],
    ready: [9, '*int32'],
  },
  JobCondition: {
    type: [1, 'string!'],
    status: [2, 'string!'],
    lastProbeTime: [3, 'Time'],
    lastTransitionTime: [4, 'Time'],
    reason: [5, 'string'],
    message: [6, 'string'],
  },
  UncountedTerminatedPods: { succeeded: [1, '[]string'], failed: [2, '[]string'] },
  PodFailurePolicy: { rules: [1, '[]PodFailurePolicyRule!'] },
  PodFailurePolicyRule: {
    action: [1, 'string!'],
    onExitCodes: [2, '*PodFailurePolicyOnExitCodesRequirement'],
    onPodConditions: [3, '[]PodFailurePolicyOnPodConditionsPattern'],
  },
  PodFailurePolicyOnExitCodesRequirement: { containerName: [1, '*string'], operator: [2, 'string!'], values: [3, '[]int32!'] },
  PodFailurePolicyOnPodConditionsPattern: { type: [1, 'string!'], status: [2, 'string!'] },
  SuccessPolicy: { rules: [1, '[]SuccessPolicyRule!'] },
  SuccessPolicyRule: { succeededIndexes: [1, '*string'], succeededCount: [2, '*int32'] },
  CronJob: { metadata: [1, 'ObjectMeta'], spec: [2, 'CronJobSpec'], status: [3, 'CronJobStatus'] },
  CronJobSpec: {
    schedule: [1, 'string!'],
    timeZone: [8, '*string'],
    startingDeadlineSeconds: [2, '*int64'],
    concurrencyPolicy: [3, 'string'],
    suspend: [4, '*bool'],
    jobTemplate: [5, 'JobTemplateSpec'],
    successfulJobsHistoryLimit: [6, '*int32'],
    failedJobsHistoryLimit: [7, '*int32'],
  },
  CronJobStatus: { active: [1, '[]ObjectReference'], lastScheduleTime: [4, '*Time'], lastSuccessfulTime: [5, '*Time'] },
  JobTemplateSpec: { metadata: [1, 'ObjectMeta'], spec: [2, 'JobSpec'] },
  // autoscaling/v1
  HorizontalPodAutoscaler: {
    metadata: [1, 'ObjectMeta'],
    spec: [2, 'HorizontalPodAutoscalerSpec'],
    status: [3, 'HorizontalPodAutoscalerStatus'],
  },
  HorizontalPodAutoscalerSpec: {
    scaleTargetRef: [1, 'CrossVersionObjectReference'],
    minReplicas: [2, '*int32'],
    maxReplicas: [3, 'int32!'],
    targetCPUUtilizationPercentage: [4, '*int32'],
  },
  CrossVersionObjectReference: { kind: [1, 'string!'], name: [2, 'string!'], apiVersion: [3, 'string'] },
  HorizontalPodAutoscalerStatus: {
    observedGeneration: [1, '*int64'],
    lastScaleTime: [2, '*Time'],
    currentReplicas: [3, 'int32!'],
    desiredReplicas: [4, 'int32!'],
    currentCPUUtilizationPercentage: [5, '*int32'],
  },
  Scale: { metadata: [1, 'ObjectMeta'], spec: [2, 'ScaleSpec'], status: [3, 'ScaleStatus'] },
  ScaleSpec: { replicas: [1, 'int32'] },
  ScaleStatus: { replicas: [1, 'int32!'], selector: [2, 'string'] },
  // policy/v1
  PodDisruptionBudget: {
    metadata: [1, 'ObjectMeta'],
    spec: [2, 'PodDisruptionBudgetSpec'],
    status: [3, 'PodDisruptionBudgetStatus'],
  },
  PodDisruptionBudgetSpec: {
    minAvailable: [1, '*IntOrString'],
    selector: [2, '*LabelSelector'],
    maxUnavailable: [3, '*IntOrString'],
  },
  PodDisruptionBudgetStatus: {
    observedGeneration: [1, 'int64'],
    disruptedPods: [2, 'map[string]Time'],
    disruptionsAllowed: [3, 'int32!'],
    currentHealthy: [4, 'int32!'],
    desiredHealthy: [5, 'int32!'],
    expectedPods: [6, 'int32!'],
    conditions: [7, '[]Condition'],
  },
};

const clusterMessages: Record<string, FieldTable> = {
  // rbac.authorization.k8s.io/v1
  Role: { metadata: [1, 'ObjectMeta'], rules: [2, '[]PolicyRule!'] },
  ClusterRole: { metadata: [1, 'ObjectMeta'], rules: [2, '[]PolicyRule!'], aggregationRule: [3, '*AggregationRule'] },
  AggregationRule: { clusterRoleSelectors: [1, '[]LabelSelector'] },
  PolicyRule: {
    verbs: [1, '[]string!'],
    apiGroups: [2, '[]string'],
    resources: [3, '[]string'],
    resourceNames: [4, '[]string'],
    nonResourceURLs: [5, '[]string'],
  },
  RoleBinding: { metadata: [1, 'ObjectMeta'], subjects: [2, '[]Subject'], roleRef: [3, 'RoleRef'] },
  ClusterRoleBinding: { metadata: [1, 'ObjectMeta'], subjects: [2, '[]Subject'], roleRef: [3, 'RoleRef'] },
  RoleRef: { apiGroup: [1, 'string!'], kind: [2, 'string!'], name: [3, 'string!'] },
  Subject: { kind: [1, 'string!'], apiGroup: [2, 'string'], name: [3, 'string!'], namespace: [4, 'string'] },
  // scheduling.k8s.io/v1
  PriorityClass: {
    metadata: [1, 'ObjectMeta'],
    value: [2, 'int32!'],
    globalDefault: [3, 'bool'],
    description: [4, 'string'],
    preemptionPolicy: [5, '*string'],
  },
  // networking.k8s.io/v1
  Ingress: { metadata: [1, 'ObjectMeta'], spec: [2, 'IngressSpec'], status: [3, 'IngressStatus'] },
  IngressSpec: {
    ingressClassName: [4, '*string'],
    defaultBackend: [1, '*IngressBackend'],
    tls: [2, '[]IngressTLS'],
    rules: [3, '[]IngressRule'],
  },
  IngressBackend: { service: [4, '*IngressServiceBackend'], resource: [3, '*TypedLocalObjectReference'] },
  IngressServiceBackend: { name: [1, 'string!'], port: [2, 'ServiceBackendPort'] },
  ServiceBackendPort: { name: [1, 'string'], number: [2, 'int32'] },
  IngressTLS: { hosts: [1, '[]string'], secretName: [2, 'string'] },
  IngressRule: { host: [1, 'string'], ingressRuleValue: [2, '...IngressRuleValue'] },
  IngressRuleValue: { http: [1, '*HTTPIngressRuleValue'] },
  HTTPIngressRuleValue: { paths: [1, '[]HTTPIngressPath!'] },
  HTTPIngressPath: { path: [1, 'string'], pathType: [3, '*string'], backend: [2, 'IngressBackend'] },
  IngressStatus: { loadBalancer: [1, 'IngressLoadBalancerStatus'] },
  IngressLoadBalancerStatus: { ingress: [1, '[]IngressLoadBalancerIngress'] },
  IngressLoadBalancerIngress: { ip: [1, 'string'], hostname: [2, 'string'], ports: [4, '[]IngressPortStatus'] },
  IngressPortStatus: { port: [1, 'int32!'], protocol: [2, 'string!'], error: [3, '*string'] },
};

/** `apiVersion/kind` → message; DeleteOptions is accepted under any group version. */
const topLevel: Record<string, string> = {
  'v1/Namespace': 'Namespace',
  'v1/ConfigMap': 'ConfigMap',
  'v1/Secret': 'Secret',
  'v1/ServiceAccount': 'ServiceAccount',
  'v1/Service': 'Service',
  'v1/ResourceQuota': 'ResourceQuota',
  'apps/v1/Deployment': 'Deployment',
  'batch/v1/Job': 'Job',
  'batch/v1/CronJob': 'CronJob',
  'rbac.authorization.k8s.io/v1/Role': 'Role',
  'rbac.authorization.k8s.io/v1/ClusterRole': 'ClusterRole',
  'rbac.authorization.k8s.io/v1/RoleBinding': 'RoleBinding',
  'rbac.authorization.k8s.io/v1/ClusterRoleBinding': 'ClusterRoleBinding',
  'policy/v1/PodDisruptionBudget': 'PodDisruptionBudget',
  'scheduling.k8s.io/v1/PriorityClass': 'PriorityClass',
  'networking.k8s.io/v1/Ingress': 'Ingress',
  'autoscaling/v1/HorizontalPodAutoscaler': 'HorizontalPodAutoscaler',
  'autoscaling/v1/Scale': 'Scale',
};

// ---------------------------------------------------------------------------------------------------
// Descriptors

type Special = 'Time' | 'Quantity' | 'IntOrString' | 'FieldsV1';
type Scalar = 'string' | 'bool' | 'int32' | 'int64' | 'bytes';
const scalars = new Set<string>(['string', 'bool', 'int32', 'int64', 'bytes']);
const specials = new Set<string>(['Time', 'Quantity', 'IntOrString', 'FieldsV1']);

interface FieldDescriptor {
  number: number;
  name: string;
  /** A scalar, a special type, or a message name. */
  type: string;
  shape: 'single' | 'list' | 'map';
  pointer: boolean;
  /** No `omitempty`: printed even when zero (scalars) or nil (pointers, lists, maps → null). */
  always: boolean;
  inline: boolean;
}

interface MessageDescriptor {
  name: string;
  fields: FieldDescriptor[];
  byNumber: Map<number, FieldDescriptor>;
}

const typePattern = /^(\.\.\.)?(\*)?(\[\]|map\[string\])?([A-Za-z0-9]+)(!)?$/;

function buildDescriptors(tables: Record<string, FieldTable>[]): Map<string, MessageDescriptor> {
  const all: Record<string, FieldTable> = Object.assign({}, ...tables);
  const out = new Map<string, MessageDescriptor>();
  for (const [messageName, table] of Object.entries(all)) {
    const fields = Object.entries(table).map(([name, [number, spec]]): FieldDescriptor => {
      const match = typePattern.exec(spec);
      if (!match) throw new Error(`protobuf descriptor ${messageName}.${name}: cannot read type "${spec}"`);
      const [, inline, pointer, container, type, always] = match;
      if (!scalars.has(type) && !specials.has(type) && !(type in all)) {
        throw new Error(`protobuf descriptor ${messageName}.${name}: unknown type ${type}`);
      }
      return {
        number,
        name,
        type,
        shape: container === '[]' ? 'list' : container ? 'map' : 'single',
        pointer: pointer !== undefined,
        always: always !== undefined,
        inline: inline !== undefined,
      };
    });
    out.set(messageName, { name: messageName, fields, byNumber: new Map(fields.map((f) => [f.number, f])) });
  }
  return out;
}

const messages = buildDescriptors([metaMessages, coreMessages, workloadMessages, clusterMessages]);

// ---------------------------------------------------------------------------------------------------
// Wire format

const wireVarint = 0;
const wireFixed64 = 1;
const wireBytes = 2;
const wireStartGroup = 3;
const wireEndGroup = 4;
const wireFixed32 = 5;

class WireReader {
  private pos = 0;

  constructor(
    private readonly buf: Uint8Array,
    private readonly where: string,
  ) {}

  done(): boolean {
    return this.pos >= this.buf.length;
  }

  fail(message: string): never {
    throw new Error(`malformed protobuf in ${this.where} at byte ${this.pos}: ${message}`);
  }

  varint(): bigint {
    let result = 0n;
    for (let shift = 0n; shift < 70n; shift += 7n) {
      if (this.pos >= this.buf.length) this.fail('truncated varint');
      const byte = this.buf[this.pos++];
      result |= BigInt(byte & 0x7f) << shift;
      if ((byte & 0x80) === 0) return BigInt.asUintN(64, result);
    }
    return this.fail('varint longer than 10 bytes');
  }

  bytes(): Uint8Array {
    const length = this.varint();
    if (length > BigInt(this.buf.length - this.pos)) this.fail(`length ${length} runs past the end of the data`);
    const start = this.pos;
    this.pos += Number(length);
    return this.buf.subarray(start, this.pos);
  }

  tag(): { number: number; wireType: number } {
    const tag = this.varint();
    const number = Number(tag >> 3n);
    if (number === 0 || number > 0x1fffffff) this.fail(`invalid field number ${number}`);
    return { number, wireType: Number(tag & 7n) };
  }

  skip(wireType: number, number: number): void {
    switch (wireType) {
      case wireVarint:
        this.varint();
        return;
      case wireFixed64:
        this.advance(8);
        return;
      case wireBytes:
        this.bytes();
        return;
      case wireFixed32:
        this.advance(4);
        return;
      case wireStartGroup:
        for (;;) {
          if (this.done()) this.fail(`unterminated group ${number}`);
          const inner = this.tag();
          if (inner.wireType === wireEndGroup) {
            if (inner.number !== number) this.fail(`group ${number} closed by ${inner.number}`);
            return;
          }
          this.skip(inner.wireType, inner.number);
        }
      default:
        this.fail(`unexpected wire type ${wireType} for field ${number}`);
    }
  }

  private advance(n: number): void {
    if (this.pos + n > this.buf.length) this.fail('truncated fixed-width value');
    this.pos += n;
  }
}

/** Raw occurrences of each known field of one message: varints as bigint, everything else as bytes. */
function readFields(desc: MessageDescriptor, data: Uint8Array, where: string): Map<number, (bigint | Uint8Array)[]> {
  const reader = new WireReader(data, where);
  const seen = new Map<number, (bigint | Uint8Array)[]>();
  while (!reader.done()) {
    const { number, wireType } = reader.tag();
    const field = desc.byNumber.get(number);
    if (!field) {
      reader.skip(wireType, number);
      continue;
    }
    const values = seen.get(number) ?? [];
    seen.set(number, values);
    const numeric = field.shape !== 'map' && (field.type === 'bool' || field.type === 'int32' || field.type === 'int64');
    if (numeric && wireType === wireVarint) {
      values.push(reader.varint());
    } else if (numeric && wireType === wireBytes && field.shape === 'list') {
      // a packed repeated field
      const packed = new WireReader(reader.bytes(), `${where}.${field.name}`);
      while (!packed.done()) values.push(packed.varint());
    } else if (!numeric && wireType === wireBytes) {
      values.push(reader.bytes());
    } else {
      reader.fail(`field ${field.name} (${number}) has wire type ${wireType}`);
    }
  }
  return seen;
}

// ---------------------------------------------------------------------------------------------------
// Values

function decodeString(data: Uint8Array): string {
  return Buffer.from(data.buffer, data.byteOffset, data.byteLength).toString('utf8');
}

function decodeScalar(type: Scalar, raw: bigint | Uint8Array): unknown {
  switch (type) {
    case 'string':
      return decodeString(raw as Uint8Array);
    case 'bytes':
      return Buffer.from((raw as Uint8Array).buffer, (raw as Uint8Array).byteOffset, (raw as Uint8Array).byteLength).toString('base64');
    case 'bool':
      return raw !== 0n;
    case 'int32':
      return Number(BigInt.asIntN(32, raw as bigint));
    case 'int64':
      return Number(BigInt.asIntN(64, raw as bigint));
  }
}

function zeroScalar(type: Scalar): unknown {
  return type === 'string' ? '' : type === 'bool' ? false : type === 'bytes' ? null : 0;
}

/** A tiny message whose fields are all known; used by the special types. */
function fieldsOf(data: Uint8Array, where: string, numeric: number[]): Map<number, bigint | Uint8Array> {
  const reader = new WireReader(data, where);
  const out = new Map<number, bigint | Uint8Array>();
  while (!reader.done()) {
    const { number, wireType } = reader.tag();
    if (numeric.includes(number) && wireType === wireVarint) out.set(number, reader.varint());
    else if (!numeric.includes(number) && wireType === wireBytes) out.set(number, reader.bytes());
    else reader.skip(wireType, number);
  }
  return out;
}

/** Go's zero time.Time (0001-01-01T00:00:00Z) in Unix seconds. */
const goZeroTimeSeconds = -62135596800;

/** metav1.Time {seconds=1, nanos=2}: RFC 3339 in UTC to the second; no bytes (or Go's zero time) is null. */
function decodeTime(data: Uint8Array, where: string): string | null {
  if (data.length === 0) return null;
  const fields = fieldsOf(data, where, [1, 2]);
  const seconds = Number(BigInt.asIntN(64, (fields.get(1) as bigint | undefined) ?? 0n));
  const nanos = Number(BigInt.asIntN(32, (fields.get(2) as bigint | undefined) ?? 0n));
  if (seconds === goZeroTimeSeconds && nanos === 0) return null;
  const date = new Date(seconds * 1000);
  if (Number.isNaN(date.getTime()) || date.getUTCFullYear() < 0 || date.getUTCFullYear() > 9999) {
    throw new Error(`malformed protobuf in ${where}: time ${seconds}s is out of range`);
  }
  return formatTime(date);
}

/** resource.Quantity {string=1}: the canonical string the client already wrote. */
function decodeQuantity(data: Uint8Array, where: string): string {
  const value = fieldsOf(data, where, []).get(1) as Uint8Array | undefined;
  const text = value ? decodeString(value) : '';
  return text === '' ? '0' : text;
}

/** intstr.IntOrString {type=1, intVal=2, strVal=3}: a number or a string. */
function decodeIntOrString(data: Uint8Array, where: string): number | string {
  const fields = fieldsOf(data, where, [1, 2]);
  if (((fields.get(1) as bigint | undefined) ?? 0n) === 1n) {
    const str = fields.get(3) as Uint8Array | undefined;
    return str ? decodeString(str) : '';
  }
  return Number(BigInt.asIntN(32, (fields.get(2) as bigint | undefined) ?? 0n));
}

/** metav1.FieldsV1 {Raw=1}: the raw bytes are JSON. */
function decodeFieldsV1(data: Uint8Array, where: string): unknown {
  const raw = fieldsOf(data, where, []).get(1) as Uint8Array | undefined;
  if (!raw || raw.length === 0) return null;
  try {
    return JSON.parse(decodeString(raw));
  } catch (error) {
    throw new Error(`malformed protobuf in ${where}: fieldsV1 is not JSON: ${(error as Error).message}`);
  }
}

function decodeValue(type: string, raw: bigint | Uint8Array, where: string): unknown {
  if (scalars.has(type)) return decodeScalar(type as Scalar, raw);
  const data = raw as Uint8Array;
  switch (type as Special) {
    case 'Time':
      return decodeTime(data, where);
    case 'Quantity':
      return decodeQuantity(data, where);
    case 'IntOrString':
      return decodeIntOrString(data, where);
    case 'FieldsV1':
      return decodeFieldsV1(data, where);
  }
  return decodeMessage(type, data, where);
}

/** Embedded messages sent more than once merge, as if their bytes had been concatenated. */
function joined(values: (bigint | Uint8Array)[]): Uint8Array {
  return values.length === 1 ? (values[0] as Uint8Array) : Buffer.concat(values as Uint8Array[]);
}

function decodeMapEntry(field: FieldDescriptor, data: Uint8Array, where: string): [string, unknown] {
  const valueNumeric = field.type === 'bool' || field.type === 'int32' || field.type === 'int64';
  const entry = fieldsOf(data, where, valueNumeric ? [2] : []);
  const key = entry.get(1) as Uint8Array | undefined;
  const raw = entry.get(2);
  const keyText = key ? decodeString(key) : '';
  if (raw !== undefined) return [keyText, decodeValue(field.type, raw, `${where}[${keyText}]`)];
  if (scalars.has(field.type)) return [keyText, field.type === 'bytes' ? '' : zeroScalar(field.type as Scalar)];
  return [keyText, decodeValue(field.type, new Uint8Array(0), `${where}[${keyText}]`)];
}

function isZero(value: unknown): boolean {
  return value === '' || value === false || value === 0 || value === null;
}

function decodeMessage(type: string, data: Uint8Array, where: string): Record<string, unknown> {
  const desc = messages.get(type) as MessageDescriptor;
  const seen = readFields(desc, data, where);
  const out: Record<string, unknown> = {};
  for (const field of desc.fields) {
    const values = seen.get(field.number) ?? [];
    const path = `${where}.${field.name}`;
    if (field.shape === 'list') {
      if (values.length > 0) out[field.name] = values.map((v, i) => decodeValue(field.type, v, `${path}[${i}]`));
      else if (field.always) out[field.name] = null;
      continue;
    }
    if (field.shape === 'map') {
      if (values.length > 0) out[field.name] = Object.fromEntries(values.map((v) => decodeMapEntry(field, v as Uint8Array, path)));
      else if (field.always) out[field.name] = null;
      continue;
    }
    const isScalar = scalars.has(field.type);
    if (values.length === 0 && (field.pointer || isScalar)) {
      if (field.pointer) {
        if (field.always) out[field.name] = null;
      } else if (field.always) {
        out[field.name] = zeroScalar(field.type as Scalar);
      }
      continue;
    }
    const value = isScalar
      ? decodeScalar(field.type as Scalar, values[values.length - 1])
      : decodeValue(field.type, values.length === 0 ? new Uint8Array(0) : joined(values), path);
    if (field.inline) {
      Object.assign(out, value);
    } else if (field.pointer || field.always || !isScalar || !isZero(value)) {
      out[field.name] = value;
    }
  }
  return out;
}

// ---------------------------------------------------------------------------------------------------
// The envelope

/**
 * Decodes a Kubernetes protobuf body (`k8s\0` + runtime.Unknown) into the object's JSON form.
 * Throws UnsupportedProtobufKindError for kinds outside the table and an Error for malformed bodies.
 */
export function decodeProtobufObject(body: Buffer): Record<string, unknown> {
  if (body.length < magic.length || magic.some((b, i) => body[i] !== b)) {
    throw new Error('malformed protobuf body: it does not start with the Kubernetes magic "k8s\\0"');
  }
  const reader = new WireReader(body.subarray(magic.length), 'runtime.Unknown');
  let apiVersion = '';
  let kind = '';
  let raw: Uint8Array = new Uint8Array(0);
  let contentEncoding = '';
  while (!reader.done()) {
    const { number, wireType } = reader.tag();
    if (wireType !== wireBytes || number > 4) {
      reader.skip(wireType, number);
      continue;
    }
    const value = reader.bytes();
    if (number === 1) {
      const typeMeta = fieldsOf(value, 'runtime.Unknown.typeMeta', []);
      const v = typeMeta.get(1) as Uint8Array | undefined;
      const k = typeMeta.get(2) as Uint8Array | undefined;
      apiVersion = v ? decodeString(v) : '';
      kind = k ? decodeString(k) : '';
    } else if (number === 2) {
      raw = value;
    } else if (number === 3) {
      contentEncoding = decodeString(value);
    }
  }
  if (kind === '') throw new Error('malformed protobuf body: the envelope names no kind');
  if (contentEncoding !== '') throw new Error(`protobuf body of kind ${kind}: content encoding "${contentEncoding}" is not supported`);
  const message = kind === 'DeleteOptions' ? 'DeleteOptions' : topLevel[`${apiVersion}/${kind}`];
  if (!message) throw new UnsupportedProtobufKindError(apiVersion, kind);
  const object = decodeMessage(message, raw, kind);
  const typeMeta: Record<string, unknown> = {};
  if (apiVersion !== '') typeMeta.apiVersion = apiVersion;
  typeMeta.kind = kind;
  return { ...typeMeta, ...object };
}
