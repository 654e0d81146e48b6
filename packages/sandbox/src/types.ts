/**
 * Shapes shared by every part of the sandbox API server.
 * The sandbox imports nothing from the rest of capstan (DESIGN.md): it is a stand-in cluster.
 */

export interface OwnerReference {
  apiVersion: string;
  kind: string;
  name: string;
  uid: string;
  controller?: boolean;
  blockOwnerDeletion?: boolean;
}

export interface ManagedFieldsEntry {
  manager: string;
  operation: 'Apply' | 'Update';
  apiVersion: string;
  time?: string;
  fieldsType: 'FieldsV1';
  fieldsV1: FieldsV1;
  subresource?: string;
}

/** The wire form of a field set: `{"f:metadata":{"f:labels":{"f:app":{}}}}`, list items as `k:{...}` or `v:...`, `.` for the node itself. */
export interface FieldsV1 {
  [key: string]: FieldsV1;
}

export interface ObjectMeta {
  name?: string;
  generateName?: string;
  namespace?: string;
  uid?: string;
  resourceVersion?: string;
  generation?: number;
  creationTimestamp?: string;
  deletionTimestamp?: string;
  deletionGracePeriodSeconds?: number;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
  finalizers?: string[];
  ownerReferences?: OwnerReference[];
  managedFields?: ManagedFieldsEntry[];
  [key: string]: unknown;
}

export interface KubeObject {
  apiVersion: string;
  kind: string;
  metadata: ObjectMeta;
  [key: string]: unknown;
}

/** How a list is merged by server-side apply and strategic merge patch. */
export type ListType =
  | { type: 'atomic' }
  | { type: 'set' }
  | { type: 'map'; keys: string[] };

/**
 * Structural knowledge server-side apply and strategic merge patch need about a kind.
 * A path is the list of field names from the object root; `[]` stands for "an item of the list",
 * e.g. `['spec','template','spec','containers','[]','ports']`.
 */
export interface MergeSchema {
  listType(path: readonly string[]): ListType;
  /** A struct or map replaced as a whole by apply (e.g. a LabelSelector, `structType: atomic`). */
  isAtomic(path: readonly string[]): boolean;
  /** Default values of list-map keys (e.g. `protocol: TCP` for ports), applied before keys are read. */
  keyDefaults(path: readonly string[]): Record<string, unknown>;
}

export interface ScaleSubresource {
  specReplicasPath: string;
  statusReplicasPath: string;
  labelSelectorPath?: string;
}

export interface PrinterColumn {
  name: string;
  type: string;
  jsonPath: string;
  description?: string;
  format?: string;
  priority?: number;
}

/** One served resource: a built-in kind or one defined by a CRD. */
export interface ResourceType {
  group: string; // '' for the core group
  version: string;
  kind: string;
  listKind: string;
  plural: string;
  singular: string;
  namespaced: boolean;
  shortNames: string[];
  categories: string[];
  verbs: string[];
  subresources: { status: boolean; scale?: ScaleSubresource };
  /** Columns for `kubectl get` beyond NAME and AGE, for custom resources (additionalPrinterColumns). */
  printerColumns?: PrinterColumn[];
  /** The CRD's openAPIV3Schema, when the type comes from a CRD. */
  openAPIV3Schema?: Record<string, unknown>;
  /** True for types defined by a CustomResourceDefinition. */
  custom: boolean;
}

export function apiVersionOf(type: Pick<ResourceType, 'group' | 'version'>): string {
  return type.group ? `${type.group}/${type.version}` : type.version;
}

/** A field-level validation failure, as in a Kubernetes Status `details.causes` entry. */
export interface FieldCause {
  reason: 'FieldValueRequired' | 'FieldValueInvalid' | 'FieldValueForbidden' | 'FieldValueNotSupported' | 'FieldValueDuplicate' | 'FieldValueTooLong' | 'FieldManagerConflict';
  message: string;
  field: string;
}
