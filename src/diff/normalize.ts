import { keyOf, type IgnoreRule, type Manifest, type ResourceKey } from '../core/index.ts';
import { rulesFor } from './ignore-rules.ts';
import { parsePointer, removePath } from './json-pointer.ts';
import { sortedCopy, type JsonObject } from './json.ts';
import { fieldSetsOf, removeFieldSet, type ManagedFieldsEntry } from './managed-fields.ts';

export interface NormalizeOptions {
  /** Ignore rules; only those that match the object (see `key`) are applied. */
  ignore?: readonly IgnoreRule[];
  /**
   * The managed fields that `managedFieldsManagers` rules read: pass the live object's, so that
   * both sides drop the same fields. Default: the object's own `metadata.managedFields`.
   */
  managedFields?: readonly ManagedFieldsEntry[];
  /** The identity that ignore rules are matched against. Default: the object's own. */
  key?: ResourceKey;
}

/** Fields under `metadata` that the API server sets and that never belong in a comparison. */
const serverMetadata = [
  'managedFields',
  'resourceVersion',
  'uid',
  'creationTimestamp',
  'generation',
  'selfLink',
  'deletionTimestamp',
  'deletionGracePeriodSeconds',
];

/** Annotations that tools and controllers write onto objects, not part of the desired state. */
const serverAnnotations = ['kubectl.kubernetes.io/last-applied-configuration', 'deployment.kubernetes.io/revision'];

/**
 * A copy of `object` fit for comparison: without status, server-set metadata, the annotations
 * `kubectl.kubernetes.io/last-applied-configuration` and `deployment.kubernetes.io/revision`, and the
 * fields that matching ignore rules name; maps emptied by those removals are removed; keys sorted.
 * The input is not modified.
 */
export function normalize(object: Manifest, options: NormalizeOptions = {}): Manifest {
  const copy = structuredClone(object) as unknown as JsonObject;
  const managedFields = options.managedFields ?? object.metadata.managedFields;
  const rules = rulesFor(options.key ?? keyOf(object), options.ignore);

  removePath(copy, ['status']);
  for (const field of serverMetadata) removePath(copy, ['metadata', field]);
  for (const annotation of serverAnnotations) removePath(copy, ['metadata', 'annotations', annotation]);

  for (const rule of rules) {
    for (const set of fieldSetsOf(managedFields, rule.managedFieldsManagers ?? [])) removeFieldSet(copy, set);
    for (const pointer of rule.jsonPointers ?? []) {
      if (pointer.startsWith('/')) removePath(copy, parsePointer(pointer));
    }
  }
  return sortedCopy(copy) as unknown as Manifest;
}
