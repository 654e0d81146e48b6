/**
 * Structural knowledge that server-side apply and strategic merge patch need about a kind:
 * which lists are merged by key or as sets, which structs and maps are atomic, and the
 * defaults of list-map keys. Built-in kinds use a table transcribed from the Kubernetes
 * OpenAPI (`x-kubernetes-list-type`, `x-kubernetes-list-map-keys`, `x-kubernetes-map-type`);
 * custom resources read the same annotations from their CRD's openAPIV3Schema.
 * Anything not described is a granular map or an atomic list, as in Kubernetes.
 */
import type { ListType, MergeSchema } from './types.ts';

interface SchemaNode {
  /** Declared fields of a struct. */
  fields?: Map<string, SchemaNode>;
  /** Schema of every entry of a map (`additionalProperties`, or `*` in the built-in table). */
  entries?: SchemaNode;
  /** Schema of the items of a list. */
  items?: SchemaNode;
  list?: ListType;
  atomic?: boolean;
  keyDefaults?: Record<string, unknown>;
}

const ATOMIC_LIST: ListType = Object.freeze({ type: 'atomic' });
const NO_DEFAULTS: Record<string, unknown> = Object.freeze({});

/** A MergeSchema backed by a tree of schema nodes; paths are resolved one segment at a time. */
class TreeMergeSchema implements MergeSchema {
  constructor(
    private readonly root: SchemaNode,
    /** True for built-in kinds, whose empty object has Go struct fields (see emptyObjectFor). */
    readonly builtin: boolean,
  ) {}

  listType(path: readonly string[]): ListType {
    return this.resolve(path)?.list ?? ATOMIC_LIST;
  }

  isAtomic(path: readonly string[]): boolean {
    return this.resolve(path)?.atomic === true;
  }

  keyDefaults(path: readonly string[]): Record<string, unknown> {
    return this.resolve(path)?.keyDefaults ?? NO_DEFAULTS;
  }

  private resolve(path: readonly string[]): SchemaNode | undefined {
    let node: SchemaNode | undefined = this.root;
    for (let i = 0; i < path.length && node; i++) {
      const segment = path[i];
      node = segment === '[]' ? node.items : (node.fields?.get(segment) ?? node.entries);
    }
    return node;
  }
}

// ---------------------------------------------------------------------------
// Built-in kinds

type NodeSpec = Pick<SchemaNode, 'list' | 'atomic' | 'keyDefaults'>;
type Rule = readonly [path: string, spec: NodeSpec];

const mapList = (keys: string[], keyDefaults?: Record<string, unknown>): NodeSpec => ({
  list: { type: 'map', keys },
  ...(keyDefaults ? { keyDefaults } : {}),
});
const SET: NodeSpec = { list: { type: 'set' } };
const ATOMIC: NodeSpec = { atomic: true };
const BY_NAME = mapList(['name']);
const BY_TYPE = mapList(['type']);

/** Rules below `prefix`; `''` means the prefix itself. */
function under(prefix: string, rules: readonly Rule[]): Rule[] {
  return rules.map(([path, spec]) => [path ? `${prefix}.${path}` : prefix, spec] as const);
}

const OBJECT_META: Rule[] = [
  ['finalizers', SET],
  ['ownerReferences', mapList(['uid'])],
  ['ownerReferences[]', ATOMIC], // OwnerReference is +structType=atomic
];

const CONTAINER: Rule[] = [
  ['ports', mapList(['containerPort', 'protocol'], { protocol: 'TCP' })],
  ['env', BY_NAME],
  ['env[].valueFrom.configMapKeyRef', ATOMIC],
  ['env[].valueFrom.secretKeyRef', ATOMIC],
  ['env[].valueFrom.fieldRef', ATOMIC],
  ['env[].valueFrom.resourceFieldRef', ATOMIC],
  ['volumeMounts', mapList(['mountPath'])],
  ['volumeDevices', mapList(['devicePath'])],
  ['resources.claims', BY_NAME],
];

const VOLUME: Rule[] = [
  // LocalObjectReference / SecretReference are +structType=atomic
  ...['cephfs', 'rbd', 'iscsi', 'flexVolume', 'scaleIO', 'storageos'].map((source): Rule => [`${source}.secretRef`, ATOMIC]),
  ['csi.nodePublishSecretRef', ATOMIC],
  ...under('ephemeral.volumeClaimTemplate.metadata', OBJECT_META),
  ['ephemeral.volumeClaimTemplate.spec.selector', ATOMIC],
  ['ephemeral.volumeClaimTemplate.spec.dataSource', ATOMIC],
];

const POD_SPEC: Rule[] = [
  ...['containers', 'initContainers', 'ephemeralContainers'].flatMap((field) => [
    [field, BY_NAME] as const,
    ...under(`${field}[]`, CONTAINER),
  ]),
  ['volumes', BY_NAME],
  ...under('volumes[]', VOLUME),
  ['imagePullSecrets', BY_NAME],
  ['imagePullSecrets[]', ATOMIC],
  ['hostAliases', mapList(['ip'])],
  ['topologySpreadConstraints', mapList(['topologyKey', 'whenUnsatisfiable'])],
  ['topologySpreadConstraints[].labelSelector', ATOMIC],
  ['resourceClaims', BY_NAME],
  ['schedulingGates', BY_NAME],
  ['nodeSelector', ATOMIC], // +mapType=atomic
  ['affinity.nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution', ATOMIC], // NodeSelector
];

const POD_TEMPLATE: Rule[] = [...under('metadata', OBJECT_META), ...under('spec', POD_SPEC)];

const WORKLOAD: Rule[] = [['spec.selector', ATOMIC], ...under('spec.template', POD_TEMPLATE)];

/** Every built-in kind: metadata, and status conditions keyed by type. */
const COMMON: Rule[] = [...under('metadata', OBJECT_META), ['status.conditions', BY_TYPE]];

const KIND_RULES: Record<string, Rule[]> = {
  '/Pod': [...under('spec', POD_SPEC), ['status.podIPs', mapList(['ip'])]],
  '/PodTemplate': under('template', POD_TEMPLATE),
  '/ReplicationController': [['spec.selector', ATOMIC], ...under('spec.template', POD_TEMPLATE)],
  '/Service': [
    ['spec.ports', mapList(['port', 'protocol'], { protocol: 'TCP' })],
    ['spec.selector', ATOMIC], // +mapType=atomic
  ],
  '/PersistentVolumeClaim': [['spec.selector', ATOMIC], ['spec.dataSource', ATOMIC]],
  '/PersistentVolume': [['spec.claimRef', ATOMIC], ['spec.nodeAffinity.required', ATOMIC]],
  'apps/Deployment': WORKLOAD,
  'apps/ReplicaSet': WORKLOAD,
  'apps/StatefulSet': WORKLOAD, // volumeClaimTemplates stay atomic
  'apps/DaemonSet': WORKLOAD,
  'batch/Job': [...WORKLOAD, ['status.conditions', { list: ATOMIC_LIST }]], // JobStatus.conditions is +listType=atomic
  'batch/CronJob': [
    ...under('spec.jobTemplate.metadata', OBJECT_META),
    ...under('spec.jobTemplate', WORKLOAD),
  ],
  'networking.k8s.io/NetworkPolicy': [['spec.podSelector', ATOMIC]],
  'policy/PodDisruptionBudget': [['spec.selector', ATOMIC]],
  'admissionregistration.k8s.io/MutatingWebhookConfiguration': webhookRules(),
  'admissionregistration.k8s.io/ValidatingWebhookConfiguration': webhookRules(),
};

function webhookRules(): Rule[] {
  return [['webhooks', BY_NAME], ['webhooks[].namespaceSelector', ATOMIC], ['webhooks[].objectSelector', ATOMIC]];
}

function splitPath(path: string): string[] {
  const segments: string[] = [];
  for (const part of path.split('.')) {
    if (part.endsWith('[]')) segments.push(part.slice(0, -2), '[]');
    else segments.push(part);
  }
  return segments;
}

function nodeAt(root: SchemaNode, segments: readonly string[]): SchemaNode {
  let node = root;
  for (const segment of segments) {
    if (segment === '[]') node = node.items ??= {};
    else if (segment === '*') node = node.entries ??= {};
    else {
      node.fields ??= new Map();
      let next = node.fields.get(segment);
      if (!next) node.fields.set(segment, (next = {}));
      node = next;
    }
  }
  return node;
}

function treeFromRules(rules: readonly Rule[]): SchemaNode {
  const root: SchemaNode = {};
  for (const [path, spec] of rules) Object.assign(nodeAt(root, splitPath(path)), spec);
  return root;
}

const builtinCache = new Map<string, TreeMergeSchema>();

/** The merge schema of a built-in kind (group `''` for the core group). Unknown kinds get the common rules. */
export function builtinMergeSchema(group: string, kind: string): MergeSchema {
  const id = `${group}/${kind}`;
  let schema = builtinCache.get(id);
  if (!schema) {
    schema = new TreeMergeSchema(treeFromRules([...COMMON, ...(KIND_RULES[id] ?? [])]), true);
    builtinCache.set(id, schema);
  }
  return schema;
}

/** Metadata rules only; every other list is atomic. For objects of an unknown type. */
export const defaultMergeSchema: MergeSchema = new TreeMergeSchema(treeFromRules(under('metadata', OBJECT_META)), false);

// ---------------------------------------------------------------------------
// Custom resources

const crdCache = new WeakMap<Record<string, unknown>, TreeMergeSchema>();

/**
 * The merge schema of a custom resource, read from its CRD's openAPIV3Schema:
 * `x-kubernetes-list-type` (atomic | set | map), `x-kubernetes-list-map-keys` (with key defaults
 * from the items' `default`), `x-kubernetes-map-type: atomic`, through `properties`, `items` and
 * `additionalProperties`. Lists without an annotation are atomic. `metadata` is always ObjectMeta.
 */
export function crdMergeSchema(openAPIV3Schema: Record<string, unknown> | undefined): MergeSchema {
  if (!openAPIV3Schema) return defaultMergeSchema;
  let schema = crdCache.get(openAPIV3Schema);
  if (!schema) {
    const root = fromOpenAPI(openAPIV3Schema);
    addObjectMeta(root);
    schema = new TreeMergeSchema(root, false);
    crdCache.set(openAPIV3Schema, schema);
  }
  return schema;
}

function addObjectMeta(node: SchemaNode): void {
  for (const [path, spec] of under('metadata', OBJECT_META)) Object.assign(nodeAt(node, splitPath(path)), spec);
}

function asRecord(value: unknown): Record<string, unknown> | undefined {
  return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined;
}

function fromOpenAPI(schema: Record<string, unknown>): SchemaNode {
  const node: SchemaNode = {};
  if (schema['x-kubernetes-map-type'] === 'atomic') node.atomic = true;

  const properties = asRecord(schema.properties);
  if (properties) {
    node.fields = new Map();
    for (const [name, property] of Object.entries(properties)) {
      const child = asRecord(property);
      if (child) node.fields.set(name, fromOpenAPI(child));
    }
  }
  const additional = asRecord(schema.additionalProperties);
  if (additional) node.entries = fromOpenAPI(additional);

  const items = asRecord(schema.items);
  if (items) node.items = fromOpenAPI(items);
  if (schema.type === 'array' || items) {
    node.list = listTypeOf(schema);
    crdKeyDefaults(node, schema);
  }

  if (schema['x-kubernetes-embedded-resource'] === true) addObjectMeta(node);
  return node;
}

function listTypeOf(schema: Record<string, unknown>): ListType {
  const annotated = schema['x-kubernetes-list-type'];
  if (annotated === 'set') return { type: 'set' };
  if (annotated !== 'map') return ATOMIC_LIST;
  const rawKeys = schema['x-kubernetes-list-map-keys'];
  const keys = Array.isArray(rawKeys) ? rawKeys.filter((key): key is string => typeof key === 'string') : [];
  return keys.length > 0 ? { type: 'map', keys } : ATOMIC_LIST;
}

/** Key defaults of a CRD list-map come from the `default` of each key property. */
function crdKeyDefaults(node: SchemaNode, schema: Record<string, unknown>): void {
  if (node.list?.type !== 'map') return;
  const itemProperties = asRecord(asRecord(schema.items)?.properties);
  if (!itemProperties) return;
  const defaults: Record<string, unknown> = {};
  for (const key of node.list.keys) {
    const property = asRecord(itemProperties[key]);
    if (property && 'default' in property) defaults[key] = property.default;
  }
  if (Object.keys(defaults).length > 0) node.keyDefaults = defaults;
}

// ---------------------------------------------------------------------------
// Empty objects

/**
 * The object Kubernetes compares a create against (`objectCreater.New(gvk)` converted to JSON):
 * for built-in kinds Go struct fields that are not pointers exist even when empty, so a create does
 * not claim `metadata`, `spec` or a pod template as a whole; a custom resource starts from nothing.
 * Only the parts that matter for managed fields of common kinds are reproduced.
 */
export function emptyObjectFor(schema: MergeSchema, object: Record<string, unknown>): Record<string, unknown> {
  if (!(schema instanceof TreeMergeSchema) || !schema.builtin) return {};
  const empty: Record<string, unknown> = { metadata: {} };
  const spec = asRecord(object.spec);
  if (spec) {
    const emptySpec: Record<string, unknown> = {};
    if (object.kind === 'Pod') emptySpec.containers = null;
    if (asRecord(spec.template)) emptySpec.template = emptyPodTemplate();
    if (asRecord(spec.strategy)) emptySpec.strategy = {};
    if (asRecord(spec.updateStrategy)) emptySpec.updateStrategy = {};
    if (asRecord(spec.jobTemplate)) emptySpec.jobTemplate = { metadata: {}, spec: { template: emptyPodTemplate() } };
    empty.spec = emptySpec;
  }
  if (asRecord(object.status)) empty.status = {};
  return empty;
}

function emptyPodTemplate(): Record<string, unknown> {
  return { metadata: {}, spec: { containers: null } };
}
