/**
 * Server-side apply and managed-fields tracking, as the Kubernetes API server does them
 * (structured-merge-diff's Updater under apiserver's field manager stack).
 *
 * - `serverSideApply`: merge an applied configuration into the live object, detect conflicts with
 *   other managers, prune what this manager applied before and no longer applies, and record the
 *   manager's Apply entry.
 * - `trackUpdate`: after a create/update/patch, give the changed fields to the updater's Update entry.
 * - `trackScale`: after a write through the scale subresource, give the replicas field to the writer.
 * - `managerFromUserAgent`: the manager of a write that names none.
 *
 * Pure: no I/O, no logging. Inputs are never mutated.
 */
import type { FieldCause, KubeObject, ManagedFieldsEntry, MergeSchema } from './types.ts';
import {
  FieldSet,
  FieldSetBuilder,
  cloneJson,
  fieldKey,
  fieldSetOf,
  formatFieldPath,
  formatPathElement,
  goJsonStringify,
  isJsonObject,
  jsonEqual,
  listItemKey,
  type JsonObject,
} from './field-set.ts';
import { emptyObjectFor } from './merge-schema.ts';
import { formatTime } from './time.ts';

/** A field of the applied configuration that another manager owns with a different value. */
export interface ApplyConflict {
  manager: string;
  operation: 'Apply' | 'Update';
  apiVersion: string;
  /** The owner's subresource, when it is not the main resource. */
  subresource?: string;
  /** The path in Kubernetes' form, e.g. `.spec.replicas`. */
  field: string;
}

export interface ServerSideApplyInput {
  /** The stored object, or undefined when the apply creates it. */
  live: KubeObject | undefined;
  /** The applied configuration, as sent. */
  applied: KubeObject;
  manager: string;
  force: boolean;
  schema: MergeSchema;
  /** RFC 3339 time recorded on the manager's entry. */
  now: string;
  /** `status` for an apply to the status subresource. */
  subresource?: string;
  /**
   * Whether the kind has a status subresource (default true): then an apply to the main resource
   * ignores `status`, and an apply to `status` touches nothing else.
   */
  statusSubresource?: boolean;
}

export type ServerSideApplyResult =
  | {
      ok: true;
      /** The new object with its managedFields; shares nothing with the inputs. */
      object: KubeObject;
      /** False when the apply changed nothing, managedFields included (the write can be skipped). */
      changed: boolean;
    }
  | { ok: false; conflicts: ApplyConflict[] };

export interface TrackScaleInput {
  /** The stored object. */
  live: KubeObject;
  manager: string;
  /** The parent's apiVersion (`apps/v1`): the entry is recorded in it, not in autoscaling/v1. */
  apiVersion: string;
  /** The parent's replicas field as the scale subresource names it (`.spec.replicas`). */
  replicasPath: string;
  /** Whether the write changes the number of replicas. */
  changed: boolean;
}

export interface TrackUpdateInput {
  /** The stored object, or undefined for a create. */
  live: KubeObject | undefined;
  /** The object about to be stored. */
  updated: KubeObject;
  manager: string;
  schema: MergeSchema;
  now: string;
  subresource?: string;
  /** As in ServerSideApplyInput. */
  statusSubresource?: boolean;
}

const LAST_APPLIED = 'kubectl.kubernetes.io/last-applied-configuration';
const BEFORE_FIRST_APPLY = 'before-first-apply';
const ANCIENT_CHANGES = 'ancient-changes';
const MAX_UPDATE_MANAGERS = 10;
/** apiserver's validation.FieldManagerMaxLength, in bytes. */
const FIELD_MANAGER_MAX_LENGTH = 128;
/** The manager whose client-side-apply history is honoured on its first server-side apply. */
const KUBECTL = 'kubectl';

/** Fields never recorded in managed fields (apiserver's stripMetaManager, plus deletionTimestamp). */
const STRIP_SET = buildSet([
  ['apiVersion'],
  ['kind'],
  ['metadata'],
  ...['name', 'namespace', 'creationTimestamp', 'selfLink', 'uid', 'clusterName', 'generation', 'managedFields', 'resourceVersion', 'deletionTimestamp'].map((field) => ['metadata', field]),
]);

/** Metadata of an applied configuration that apply never merges: the server owns it. */
const SERVER_METADATA = ['managedFields', 'resourceVersion', 'uid', 'creationTimestamp', 'generation', 'deletionTimestamp', 'deletionGracePeriodSeconds', 'selfLink'];

function buildSet(paths: string[][]): FieldSet {
  const builder = new FieldSetBuilder();
  for (const path of paths) builder.insert(path.map(fieldKey));
  return builder.build();
}

// ---------------------------------------------------------------------------
// Managers

interface Manager {
  manager: string;
  operation: 'Apply' | 'Update';
  apiVersion: string;
  time: string | undefined;
  subresource: string;
  set: FieldSet;
}

type Managers = Map<string, Manager>;

/** The manager identifier: Apply entries are one per manager whatever the version; Update entries one per version. */
function identify(m: Pick<Manager, 'manager' | 'operation' | 'apiVersion' | 'subresource'>): string {
  return `${m.operation}\u0000${m.manager}\u0000${m.operation === 'Update' ? m.apiVersion : ''}\u0000${m.subresource}`;
}

function decodeManagers(raw: unknown): Managers {
  const managers: Managers = new Map();
  if (raw === undefined || raw === null) return managers;
  if (!Array.isArray(raw)) throw new Error('managedFields must be a list');
  for (const entry of raw) {
    if (!isJsonObject(entry)) throw new Error('managedFields entries must be objects');
    const { operation, apiVersion, fieldsType, fieldsV1 } = entry;
    if (operation !== 'Apply' && operation !== 'Update') throw new Error('operation must be `Apply` or `Update`');
    if (typeof apiVersion !== 'string' || apiVersion === '') throw new Error('apiVersion must not be empty');
    if (fieldsType !== 'FieldsV1') throw new Error(`invalid fieldsType ${JSON.stringify(fieldsType)}`);
    const manager: Manager = {
      manager: typeof entry.manager === 'string' ? entry.manager : '',
      operation,
      apiVersion,
      time: typeof entry.time === 'string' ? entry.time : undefined,
      subresource: typeof entry.subresource === 'string' ? entry.subresource : '',
      set: fieldsV1 === undefined || fieldsV1 === null ? FieldSet.EMPTY : FieldSet.fromFieldsV1(fieldsV1),
    };
    managers.set(identify(manager), manager);
  }
  return managers;
}

/** Stored managed fields that do not decode are treated as absent, as apiserver does for the live object. */
function decodeStored(raw: unknown): Managers {
  try {
    return decodeManagers(raw);
  } catch {
    return new Map();
  }
}

/** `metadata.managedFields: []` or `[{}]` in a request clears the managed fields. */
function isReset(raw: unknown): boolean {
  if (!Array.isArray(raw)) return false;
  if (raw.length === 0) return true;
  return raw.length === 1 && isJsonObject(raw[0]) && Object.keys(raw[0]).length === 0;
}

function seconds(time: string | undefined): number {
  if (!time) return 0;
  const ms = Date.parse(time);
  return Number.isNaN(ms) ? 0 : Math.floor(ms / 1000);
}

function compareStrings(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** Merges the oldest Update entries into `ancient-changes` (one per version) beyond ten Update entries. */
function capUpdateManagers(managers: Managers): void {
  const updaters = [...managers.entries()].filter(([, m]) => m.operation === 'Update');
  if (updaters.length <= MAX_UPDATE_MANAGERS) return;
  updaters.sort(([ia, a], [ib, b]) => seconds(a.time) - seconds(b.time) || compareStrings(ia, ib));
  const firstOfVersion = new Map<string, string>();
  let count = updaters.length;
  for (let i = 0; i < updaters.length && count > MAX_UPDATE_MANAGERS; i++) {
    const [id, m] = updaters[i];
    const bucketId = identify({ manager: ANCIENT_CHANGES, operation: 'Update', apiVersion: m.apiVersion, subresource: '' });
    const first = firstOfVersion.get(m.apiVersion);
    if (first === undefined) {
      firstOfVersion.set(m.apiVersion, id);
      continue;
    }
    let bucket = managers.get(bucketId);
    if (!bucket) {
      const firstManager = managers.get(first)!;
      managers.delete(first);
      bucket = { manager: ANCIENT_CHANGES, operation: 'Update', apiVersion: m.apiVersion, time: firstManager.time, subresource: '', set: firstManager.set };
      managers.set(bucketId, bucket);
    }
    managers.set(bucketId, { ...bucket, set: m.set.union(bucket.set), time: m.time });
    managers.delete(id);
    count--;
  }
}

function encodeManagers(managers: Managers): ManagedFieldsEntry[] {
  const list = [...managers.values()].filter((m) => !m.set.isEmpty());
  list.sort(
    (a, b) =>
      compareStrings(a.operation, b.operation) ||
      seconds(a.time) - seconds(b.time) ||
      compareStrings(a.manager, b.manager) ||
      compareStrings(a.apiVersion, b.apiVersion) ||
      compareStrings(a.subresource, b.subresource),
  );
  return list.map((m) => {
    const entry: ManagedFieldsEntry = {
      manager: m.manager,
      operation: m.operation,
      apiVersion: m.apiVersion,
      ...(m.time !== undefined ? { time: m.time } : {}),
      fieldsType: 'FieldsV1',
      fieldsV1: m.set.toFieldsV1(),
    };
    if (m.subresource) entry.subresource = m.subresource;
    return entry;
  });
}

const wholeSecondsUtc = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/;

/** RFC 3339 with whole seconds, as metav1.Time is serialised. */
function normalizeTime(now: string): string {
  if (wholeSecondsUtc.test(now)) return now; // already what the API server writes (the sandbox's own clock)
  const ms = Date.parse(now);
  return Number.isNaN(ms) ? now : formatTime(ms);
}

// ---------------------------------------------------------------------------
// Scope: main resource versus status subresource

interface Scope {
  /** Restricts a field set to what the request may touch. */
  fields(set: FieldSet): FieldSet;
  statusOnly: boolean;
  ignoreStatus: boolean;
}

function scopeOf(subresource: string, statusSubresource: boolean | undefined): Scope {
  const hasStatus = statusSubresource ?? true;
  const statusOnly = hasStatus && subresource === 'status';
  const ignoreStatus = hasStatus && subresource === '';
  return {
    statusOnly,
    ignoreStatus,
    fields: statusOnly ? (set) => set.only('f:status') : ignoreStatus ? (set) => set.without('f:status') : (set) => set,
  };
}

/** The part of an object a scope's field set can hold: `status` alone, everything but `status`, or all. */
function inScope(object: JsonObject, scope: Scope): JsonObject {
  if (scope.statusOnly) return 'status' in object ? { status: object.status } : {};
  if (!scope.ignoreStatus || !('status' in object)) return object;
  const { status: _status, ...rest } = object;
  return rest;
}

function withoutManagedFields(object: KubeObject): JsonObject {
  if (!isJsonObject(object.metadata) || !('managedFields' in object.metadata)) return object;
  const metadata = { ...object.metadata };
  delete metadata.managedFields;
  return { ...object, metadata };
}

/** The applied configuration minus what apply ignores: server-owned metadata, and status or non-status by scope. */
function scopeConfig(applied: KubeObject, scope: Scope): JsonObject {
  const config: JsonObject = {};
  for (const key of Object.keys(applied)) {
    const value = applied[key];
    if (key === 'metadata' && isJsonObject(value)) {
      const metadata: JsonObject = {};
      for (const field of Object.keys(value)) {
        if (SERVER_METADATA.includes(field)) continue;
        if (scope.statusOnly && field !== 'name' && field !== 'namespace') continue;
        metadata[field] = value[field];
      }
      config.metadata = metadata;
    } else if (key === 'status' ? !scope.ignoreStatus : !scope.statusOnly || key === 'apiVersion' || key === 'kind') {
      config[key] = value;
    }
  }
  return config;
}

// ---------------------------------------------------------------------------
// Comparison (structured-merge-diff's TypedValue.Compare)

interface Comparison {
  added: FieldSet;
  modified: FieldSet;
  removed: FieldSet;
}

function hasOwn(object: JsonObject, key: string): boolean {
  return Object.prototype.hasOwnProperty.call(object, key);
}

function isEmptyContainer(value: unknown): boolean {
  if (value === undefined || value === null) return true;
  if (Array.isArray(value)) return value.length === 0;
  if (isJsonObject(value)) {
    for (const key in value) if (hasOwn(value, key)) return false;
    return true;
  }
  return false;
}

/**
 * Added/modified/removed paths from `lhs` to `rhs`. Leaves (scalars, atomic values, containers
 * empty on both sides) are compared by value; a map or list that appears or disappears is itself
 * added or removed, with its contents.
 */
function compareObjects(lhs: JsonObject, rhs: JsonObject, schema: MergeSchema): Comparison {
  const comparer = new Comparer(schema);
  comparer.objects(lhs, rhs);
  return { added: comparer.added.build(), modified: comparer.modified.build(), removed: comparer.removed.build() };
}

class Comparer {
  readonly added = new FieldSetBuilder();
  readonly modified = new FieldSetBuilder();
  readonly removed = new FieldSetBuilder();
  private readonly keys: string[] = [];
  private readonly path: string[] = [];

  constructor(private readonly schema: MergeSchema) {}

  objects(lhs: JsonObject | undefined, rhs: JsonObject | undefined): void {
    if (lhs) {
      for (const name in lhs) {
        if (!hasOwn(lhs, name) || lhs[name] === undefined) continue;
        this.field(name, lhs[name], rhs && hasOwn(rhs, name) ? rhs[name] : undefined);
      }
    }
    if (rhs) {
      for (const name in rhs) {
        if (!hasOwn(rhs, name) || rhs[name] === undefined || (lhs && hasOwn(lhs, name) && lhs[name] !== undefined)) continue;
        this.field(name, undefined, rhs[name]);
      }
    }
  }

  private field(name: string, lhs: unknown, rhs: unknown): void {
    this.keys.push(fieldKey(name));
    this.path.push(name);
    this.value(lhs, rhs);
    this.path.pop();
    this.keys.pop();
  }

  private value(lhs: unknown, rhs: unknown): void {
    const lo = isJsonObject(lhs);
    const ro = isJsonObject(rhs);
    if ((lo || ro) && (lo || lhs == null) && (ro || rhs == null)) {
      if (this.schema.isAtomic(this.path) || (isEmptyContainer(lhs) && isEmptyContainer(rhs))) return this.leaf(lhs, rhs);
      this.objects(lo ? lhs : undefined, ro ? rhs : undefined);
      return this.container(lhs, rhs);
    }
    const la = Array.isArray(lhs);
    const ra = Array.isArray(rhs);
    if ((la || ra) && (la || lhs == null) && (ra || rhs == null)) {
      const listType = this.schema.listType(this.path);
      if (listType.type === 'atomic' || (isEmptyContainer(lhs) && isEmptyContainer(rhs))) return this.leaf(lhs, rhs);
      this.lists(la ? lhs : [], ra ? rhs : []);
      return this.container(lhs, rhs);
    }
    this.leaf(lhs, rhs);
  }

  private lists(lhs: readonly unknown[], rhs: readonly unknown[]): void {
    const listType = this.schema.listType(this.path);
    const keyDefaults = this.schema.keyDefaults(this.path);
    const left = indexItems(lhs, listType, keyDefaults);
    const right = indexItems(rhs, listType, keyDefaults);
    this.path.push('[]');
    for (const [key, item] of left) this.item(key, item, right.get(key));
    for (const [key, item] of right) if (!left.has(key)) this.item(key, undefined, item);
    this.path.pop();
  }

  private item(key: string, lhs: unknown, rhs: unknown): void {
    this.keys.push(key);
    this.value(lhs, rhs);
    this.keys.pop();
  }

  private leaf(lhs: unknown, rhs: unknown): void {
    if (lhs === undefined) this.added.insert(this.keys);
    else if (rhs === undefined) this.removed.insert(this.keys);
    else if (!jsonEqual(lhs, rhs)) this.modified.insert(this.keys);
  }

  /** A map or list that appeared or disappeared, after its contents were compared. */
  private container(lhs: unknown, rhs: unknown): void {
    if (lhs === undefined) this.added.insert(this.keys);
    else if (rhs === undefined) this.removed.insert(this.keys);
  }
}

/** Items by key; items that cannot be keyed, and repeats of a key, are skipped (as for stored objects). */
function indexItems(items: readonly unknown[], listType: ReturnType<MergeSchema['listType']>, keyDefaults: Record<string, unknown>): Map<string, unknown> {
  const index = new Map<string, unknown>();
  for (const item of items) {
    const key = listItemKey(item, listType, keyDefaults);
    if (typeof key === 'string' && !index.has(key)) index.set(key, item);
  }
  return index;
}

// ---------------------------------------------------------------------------
// Merging an applied configuration into the live object (TypedValue.Merge)

class Merger {
  private readonly keys: string[] = [];
  private readonly path: string[] = [];

  constructor(private readonly schema: MergeSchema) {}

  /** A fresh object: live fields kept in their order, applied values over them, new fields after. `null` removes. */
  object(live: JsonObject | undefined, applied: JsonObject): JsonObject {
    const out: JsonObject = {};
    if (live) {
      for (const name of Object.keys(live)) {
        const appliedValue = hasOwn(applied, name) ? applied[name] : undefined;
        if (appliedValue === undefined) {
          if (live[name] !== undefined) out[name] = cloneJson(live[name]);
          continue;
        }
        const merged = this.field(name, live[name], appliedValue);
        if (merged !== undefined) out[name] = merged;
      }
    }
    for (const name of Object.keys(applied)) {
      if ((live && hasOwn(live, name) && live[name] !== undefined) || applied[name] === undefined) continue;
      const merged = this.field(name, undefined, applied[name]);
      if (merged !== undefined) out[name] = merged;
    }
    return out;
  }

  private field(name: string, live: unknown, applied: unknown): unknown {
    this.keys.push(fieldKey(name));
    this.path.push(name);
    const merged = this.value(live, applied);
    this.path.pop();
    this.keys.pop();
    return merged;
  }

  private value(live: unknown, applied: unknown): unknown {
    if (applied === null) return undefined;
    if (isJsonObject(applied)) {
      if (this.schema.isAtomic(this.path)) return cloneJson(applied);
      return this.object(isJsonObject(live) ? live : undefined, applied);
    }
    if (Array.isArray(applied)) {
      const listType = this.schema.listType(this.path);
      if (listType.type === 'atomic') return cloneJson(applied);
      return this.list(Array.isArray(live) ? live : [], applied);
    }
    return applied;
  }

  /**
   * Merges list items by key the way structured-merge-diff orders them: items shared with the
   * applied list follow the applied order, live-only items keep their place, new items are placed
   * where the applied list puts them.
   */
  private list(live: readonly unknown[], applied: readonly unknown[]): unknown[] {
    const listType = this.schema.listType(this.path);
    const keyDefaults = this.schema.keyDefaults(this.path);

    const appliedKeys: string[] = [];
    const appliedItems = new Map<string, unknown>();
    for (let i = 0; i < applied.length; i++) {
      const key = listItemKey(applied[i], listType, keyDefaults);
      if (typeof key !== 'string') throw new Error(`${formatFieldPath(this.keys)}: element ${i}: ${key.error}`);
      if (appliedItems.has(key)) throw new Error(`${formatFieldPath(this.keys)}: duplicate entries for key ${formatPathElement(key)}`);
      appliedKeys.push(key);
      appliedItems.set(key, applied[i]);
    }

    const liveKeys: (string | undefined)[] = [];
    const liveItems = new Map<string, unknown>();
    const duplicated = new Set<string>();
    for (const item of live) {
      const key = listItemKey(item, listType, keyDefaults);
      if (typeof key !== 'string') {
        liveKeys.push(undefined);
        continue;
      }
      liveKeys.push(key);
      if (liveItems.has(key)) duplicated.add(key);
      else liveItems.set(key, item);
    }
    const liveItem = (key: string): unknown => (duplicated.has(key) ? undefined : liveItems.get(key));

    const shared = appliedKeys.filter((key) => liveItems.has(key));
    let nextShared = 0;
    const advanceShared = (key: string): void => {
      if (shared[nextShared] === key) nextShared++;
    };

    const out: unknown[] = [];
    const merged = new Set<string>();
    let l = 0;
    let r = 0;
    while (l < live.length || r < appliedKeys.length) {
      const liveKey = l < live.length ? liveKeys[l] : undefined;
      if (l < live.length && r < appliedKeys.length) {
        if (liveKey !== undefined && liveKey === appliedKeys[r]) {
          merged.add(liveKey);
          out.push(this.item(liveKey, liveItem(liveKey), appliedItems.get(liveKey), listType.type));
          l++;
          r++;
          nextShared++;
          continue;
        }
        if (liveKey !== undefined && appliedItems.has(liveKey) && nextShared < shared.length && shared[nextShared] !== liveKey) {
          l++; // a shared item, but not the one the applied order wants now
          continue;
        }
      }
      if (l < live.length) {
        if (liveKey === undefined || !appliedItems.has(liveKey)) {
          out.push(cloneJson(live[l]));
          l++;
          continue;
        }
        if (merged.has(liveKey)) {
          l++;
          continue;
        }
      }
      if (r < appliedKeys.length) {
        const key = appliedKeys[r];
        merged.add(key);
        out.push(this.item(key, liveItem(key), appliedItems.get(key), listType.type));
        r++;
        advanceShared(key);
      }
    }
    return out;
  }

  private item(key: string, live: unknown, applied: unknown, type: string): unknown {
    if (type !== 'map') return cloneJson(applied);
    this.keys.push(key);
    this.path.push('[]');
    const merged = this.value(live, applied);
    this.path.pop();
    this.keys.pop();
    return merged === undefined ? null : merged;
  }
}

// ---------------------------------------------------------------------------
// Pruning (Updater.prune + addBackOwnedItems + addBackDanglingItems)

/**
 * Removes, in place, what the applier owned last time and nobody owns now: a path is removed when it
 * is in `last`, present in the object, and not in `managed` (the union of every manager's set,
 * the applier's new one included). Struct fields count as members of a set when the set holds
 * anything below them (structured-merge-diff's EnsureNamedFieldsAreMembers).
 */
function pruneObject(object: JsonObject, last: FieldSet, managed: FieldSet | undefined, schema: MergeSchema, path: string[]): void {
  for (const [key, lastChild] of last.children) {
    if (!key.startsWith('f:')) continue;
    const name = key.slice(2);
    if (!hasOwn(object, name)) continue;
    const value = object[name];
    const managedChild = managed?.children.get(key);
    path.push(name);
    const granular = !isAtomicValue(value, schema, path);
    const presentInSet = !(granular && isEmptyContainer(value));
    if (presentInSet && ownsField(lastChild) && !ownsField(managedChild)) {
      delete object[name];
    } else if (lastChild.children.size > 0 && granular && !isEmptyContainer(value)) {
      pruneValue(value, lastChild, managedChild, schema, path);
      if (isEmptyContainer(value)) delete object[name];
    }
    path.pop();
  }
}

function ownsField(node: FieldSet | undefined): boolean {
  return node !== undefined && (node.member || node.children.size > 0);
}

function isAtomicValue(value: unknown, schema: MergeSchema, path: readonly string[]): boolean {
  if (isJsonObject(value)) return schema.isAtomic(path);
  if (Array.isArray(value)) return schema.listType(path).type === 'atomic';
  return true;
}

function pruneValue(value: unknown, last: FieldSet, managed: FieldSet | undefined, schema: MergeSchema, path: string[]): void {
  if (isJsonObject(value)) {
    pruneObject(value, last, managed, schema, path);
    return;
  }
  if (!Array.isArray(value)) return;
  const listType = schema.listType(path);
  const keyDefaults = schema.keyDefaults(path);
  let write = 0;
  for (let read = 0; read < value.length; read++) {
    const item = value[read];
    const key = listItemKey(item, listType, keyDefaults);
    const lastChild = typeof key === 'string' ? last.children.get(key) : undefined;
    if (typeof key === 'string' && lastChild) {
      const managedChild = managed?.children.get(key);
      if (lastChild.member && !managedChild?.member) continue;
      if (lastChild.children.size > 0 && listType.type === 'map' && isJsonObject(item)) {
        path.push('[]');
        if (!schema.isAtomic(path)) pruneObject(item, lastChild, managedChild, schema, path);
        path.pop();
      }
    }
    value[write++] = item;
  }
  value.length = write;
}

// ---------------------------------------------------------------------------
// Client-side apply history (apiserver's lastAppliedManager / lastAppliedUpdater)

function lastAppliedOf(object: JsonObject): string | undefined {
  const metadata = object.metadata;
  if (!isJsonObject(metadata) || !isJsonObject(metadata.annotations)) return undefined;
  const value = metadata.annotations[LAST_APPLIED];
  return typeof value === 'string' && value !== '' ? value : undefined;
}

/**
 * Fields that `kubectl apply` (client-side) last applied and that still hold the applied value:
 * `kubectl apply --server-side` may take them over without a conflict.
 */
function fieldsFromLastApplied(live: JsonObject, schema: MergeSchema): FieldSet | undefined {
  const text = lastAppliedOf(live);
  if (text === undefined) return undefined;
  try {
    const lastApplied: unknown = JSON.parse(text);
    if (!isJsonObject(lastApplied)) return undefined;
    const set = fieldSetOf(lastApplied, schema);
    const comparison = compareObjects(lastApplied, live, schema);
    return set.difference(comparison.modified).difference(comparison.added).difference(comparison.removed);
  } catch {
    return undefined;
  }
}

/** The annotation kubectl would write for this configuration: Go-encoded JSON without the annotation itself. */
function buildLastApplied(applied: KubeObject): string {
  let object: JsonObject = applied;
  const metadata = applied.metadata;
  if (isJsonObject(metadata) && isJsonObject(metadata.annotations) && LAST_APPLIED in metadata.annotations) {
    const annotations = { ...metadata.annotations };
    delete annotations[LAST_APPLIED];
    object = { ...applied, metadata: { ...metadata, annotations } };
  }
  return `${goJsonStringify(object)}\n`;
}

// ---------------------------------------------------------------------------
// Apply

interface Owned {
  id: string;
  manager: Manager;
  set: FieldSet;
}

/**
 * Server-side apply of `applied` onto `live` by `manager`.
 *
 * Conflicts are the applied fields whose value would change while another manager (any operation,
 * any subresource) owns them; equal values become shared ownership. With `force` the fields move to
 * this manager. Fields this manager applied before and no longer applies are removed unless another
 * manager owns them. Maps merge key by key, associative lists by key, sets as unions; atomic lists
 * and structs are replaced.
 *
 * Throws an Error (message as structured-merge-diff words it, e.g.
 * `.spec.template.spec.containers: duplicate entries for key [name="nginx"]`) when the applied
 * configuration has list items without their key or with a repeated key.
 */
export function serverSideApply(input: ServerSideApplyInput): ServerSideApplyResult {
  const { schema, manager, live } = input;
  const now = normalizeTime(input.now);
  const subresource = input.subresource ?? '';
  const scope = scopeOf(subresource, input.statusSubresource);
  const apiVersion = input.applied.apiVersion;

  const liveBody: JsonObject = live ? withoutManagedFields(live) : {};
  const managers = live ? decodeStored(live.metadata?.managedFields) : new Map<string, Manager>();

  // An object that has never been tracked: what is there belongs to "before-first-apply".
  if (live && managers.size === 0) {
    const comparison = compareObjects(emptyObjectFor(schema, live), liveBody, schema);
    const set = scope.fields(comparison.added.union(comparison.modified)).difference(STRIP_SET);
    if (!set.isEmpty()) {
      const entry: Manager = { manager: BEFORE_FIRST_APPLY, operation: 'Update', apiVersion, time: now, subresource, set };
      managers.set(identify(entry), entry);
    }
  }

  const config = scopeConfig(input.applied, scope);
  const merged = new Merger(schema).object(live ? liveBody : undefined, config);
  const appliedSet = scope.fields(fieldSetOf(config, schema)).difference(STRIP_SET);

  const selfId = identify({ manager, operation: 'Apply', apiVersion, subresource });
  const previous = managers.get(selfId);
  managers.set(selfId, { manager, operation: 'Apply', apiVersion, time: previous?.time, subresource, set: appliedSet });

  if (previous && !previous.set.isEmpty()) {
    // Kubernetes strips identity fields from the applier's set only after pruning, so they are never pruned.
    let managed = STRIP_SET;
    for (const m of managers.values()) managed = managed.union(m.set);
    pruneObject(merged, previous.set, managed, schema, []);
  }

  const comparison = compareObjects(liveBody, merged, schema);
  const changedFields = scope.fields(comparison.modified.union(comparison.added));
  const removedFields = scope.fields(comparison.removed);

  const conflicts: Owned[] = [];
  for (const [id, m] of managers) {
    if (id === selfId) continue;
    const set = m.set.intersection(changedFields);
    if (!set.isEmpty()) conflicts.push({ id, manager: m, set });
  }
  if (conflicts.length > 0 && !input.force) {
    const allowed = manager === KUBECTL ? fieldsFromLastApplied(liveBody, schema) : undefined;
    const remaining = allowed ? conflicts.map((c) => ({ ...c, set: c.set.difference(allowed) })).filter((c) => !c.set.isEmpty()) : conflicts;
    if (remaining.length > 0) return { ok: false, conflicts: toConflicts(remaining) };
  }

  for (const { id, set } of conflicts) {
    const m = managers.get(id)!;
    managers.set(id, { ...m, set: m.set.difference(set) });
  }
  if (!removedFields.isEmpty()) {
    for (const [id, m] of managers) if (id !== selfId) managers.set(id, { ...m, set: m.set.difference(removedFields) });
  }
  for (const [id, m] of managers) if (m.set.isEmpty()) managers.delete(id);

  const bodyChanged = !live || !jsonEqual(liveBody, merged);
  const self = managers.get(selfId);
  if (self && (bodyChanged || self.time === undefined)) managers.set(selfId, { ...self, time: now });
  capUpdateManagers(managers);

  const managedFields = encodeManagers(managers);
  const metadata: JsonObject = isJsonObject(merged.metadata) ? merged.metadata : {};
  if (managedFields.length > 0) metadata.managedFields = managedFields;
  if (manager === KUBECTL && lastAppliedOf(merged) !== undefined) {
    (metadata.annotations as JsonObject)[LAST_APPLIED] = buildLastApplied(input.applied);
  }
  merged.metadata = metadata;
  const object = merged as KubeObject;

  const changed = !live || !jsonEqual(live, object);
  return { ok: true, object, changed };
}

function toConflicts(owned: readonly Owned[]): ApplyConflict[] {
  const out: ApplyConflict[] = [];
  for (const { manager: m, set } of owned) {
    for (const path of set.memberPaths()) {
      const conflict: ApplyConflict = { manager: m.manager, operation: m.operation, apiVersion: m.apiVersion, field: formatFieldPath(path) };
      if (m.subresource) conflict.subresource = m.subresource;
      out.push(conflict);
    }
  }
  return out;
}

// ---------------------------------------------------------------------------
// Update tracking

/**
 * Records a create, update or patch by `manager`: the fields added or changed between `live` and
 * `updated` join the manager's Update entry (for this apiVersion and subresource) and leave every
 * other entry; removed fields leave every entry. Follows apiserver's rules for the managedFields a
 * request carries: `[]` or `[{}]` clears them, other valid entries replace the live ones (not on a
 * subresource), and an existing object without managed fields stays untracked until it is applied.
 *
 * Returns `updated` with `metadata.managedFields` set (a new top-level object and metadata; the rest
 * is shared with `updated`).
 */
export function trackUpdate(input: TrackUpdateInput): KubeObject {
  const { live, updated, schema, manager } = input;
  const subresource = input.subresource ?? '';
  const scope = scopeOf(subresource, input.statusSubresource);
  const apiVersion = updated.apiVersion;

  const managers = managersForUpdate(live, updated, subresource !== '');
  const updatedBody = withoutManagedFields(updated);
  if (managers.size === 0 && live) return withManagedFields(updatedBody, []);

  const base = live ? withoutManagedFields(live) : emptyObjectFor(schema, updated);
  // Only the scope's fields are kept below, so only its part of the objects is compared: a status
  // write (the controllers' most frequent) compares the status alone, not the whole object.
  const comparison = compareObjects(inScope(base, scope), inScope(updatedBody, scope), schema);
  const changed = scope.fields(comparison.modified.union(comparison.added));
  const removed = scope.fields(comparison.removed);
  const taken = changed.union(removed);
  const own = changed.difference(STRIP_SET);
  const entry: Manager = { manager, operation: 'Update', apiVersion, time: normalizeTime(input.now), subresource, set: own };
  const ownId = identify(entry);

  if (!taken.isEmpty()) {
    // The writer loses only what it removed and the changed fields no manager may own (STRIP_SET),
    // not the fields it owns again below: taking and giving them back would make a new, equal
    // set, whose encoding would have to be made again (see FieldSet.toFieldsV1).
    const lostByWriter = removed.union(changed.intersection(STRIP_SET));
    for (const [id, m] of managers) {
      const set = m.set.difference(id === ownId ? lostByWriter : taken);
      if (set.isEmpty()) managers.delete(id);
      else if (set !== m.set) managers.set(id, { ...m, set });
    }
  }

  if (!own.isEmpty()) {
    const previous = managers.get(ownId);
    if (previous) entry.set = previous.set.union(own);
    managers.set(ownId, entry);
  }
  capUpdateManagers(managers);
  return withManagedFields(updatedBody, encodeManagers(managers));
}

/**
 * The managedFields after a write through the scale subresource, as API servers since 1.22 record
 * them (apiserver's ScaleHandler): when the number of replicas changes, the replicas field leaves
 * every other manager (an entry left empty goes) and belongs to the writer's Update entry with
 * `subresource: scale`, in the parent's apiVersion and without a time (ScaleHandler.ToParent takes
 * times from the parent's entries, which have none for it). A write of the same number changes
 * nothing. Returns undefined when no entry is left.
 */
export function trackScale(input: TrackScaleInput): ManagedFieldsEntry[] | undefined {
  const current = input.live.metadata?.managedFields;
  if (!input.changed) return current && current.length > 0 ? current : undefined;
  const replicas = buildSet([input.replicasPath.replace(/^\./, '').split('.')]);
  const managers = decodeStored(current);
  for (const [id, m] of managers) {
    const set = m.set.difference(replicas);
    if (set.isEmpty()) managers.delete(id);
    else if (set !== m.set) managers.set(id, { ...m, set });
  }
  const entry: Manager = { manager: input.manager, operation: 'Update', apiVersion: input.apiVersion, time: undefined, subresource: 'scale', set: replicas };
  managers.set(identify(entry), entry);
  capUpdateManagers(managers);
  const encoded = encodeManagers(managers);
  return encoded.length > 0 ? encoded : undefined;
}

/**
 * The manager of a write without a fieldManager parameter, from its User-Agent as apiserver's
 * prefixFromUserAgent makes it: the part before the first `/`, unprintable characters dropped, at
 * most 128 bytes (`kubectl/v1.32.4 (linux/amd64) kubernetes/4cb5f07` → `kubectl`).
 */
export function managerFromUserAgent(userAgent: string): string {
  let out = '';
  let bytes = 0;
  for (const char of userAgent.split('/')[0]) {
    if (!/^[\p{L}\p{M}\p{N}\p{P}\p{S} ]$/u.test(char)) continue;
    const size = Buffer.byteLength(char);
    if (bytes + size > FIELD_MANAGER_MAX_LENGTH) break;
    out += char;
    bytes += size;
  }
  return out;
}

function managersForUpdate(live: KubeObject | undefined, updated: KubeObject, onSubresource: boolean): Managers {
  const liveManagers = (): Managers => (live ? decodeStored(live.metadata?.managedFields) : new Map());
  if (onSubresource) return liveManagers();
  const requested = updated.metadata?.managedFields;
  if (isReset(requested)) return new Map();
  try {
    const managers = decodeManagers(requested);
    if (managers.size > 0) return managers;
  } catch {
    // A request whose managedFields do not decode keeps the live ones.
  }
  return liveManagers();
}

function withManagedFields(body: JsonObject, managedFields: ManagedFieldsEntry[]): KubeObject {
  const metadata: JsonObject = isJsonObject(body.metadata) ? { ...body.metadata } : {};
  if (managedFields.length > 0) metadata.managedFields = managedFields;
  else delete metadata.managedFields;
  return { ...body, metadata } as KubeObject;
}

// ---------------------------------------------------------------------------
// Messages

/** The manager as apiserver prints it: `"kubectl"`, `"kube-controller-manager" using apps/v1`, `"x" with subresource "status" using v1`. */
function describeManager(conflict: ApplyConflict): string {
  let text = JSON.stringify(conflict.manager);
  if (conflict.subresource) text += ` with subresource ${JSON.stringify(conflict.subresource)}`;
  if (conflict.operation === 'Update') text += ` using ${conflict.apiVersion}`;
  return text;
}

/** The manager identifier apiserver sorts conflicts by (the JSON of the entry without fields and time). */
function managerIdentifier(conflict: ApplyConflict): string {
  return goJsonStringify({
    manager: conflict.manager,
    operation: conflict.operation,
    ...(conflict.operation === 'Update' ? { apiVersion: conflict.apiVersion } : {}),
    ...(conflict.subresource ? { subresource: conflict.subresource } : {}),
  });
}

/**
 * Kubernetes' conflict message, e.g.
 * `Apply failed with 1 conflict: conflict with "kubectl-client-side-apply" using apps/v1: .spec.replicas`, or
 * `Apply failed with 2 conflicts: conflicts with "mgr" using apps/v1:\n- .spec.replicas\n- .spec.paused`.
 */
export function formatConflictMessage(conflicts: readonly ApplyConflict[]): string {
  if (conflicts.length === 1) {
    return `Apply failed with 1 conflict: conflict with ${describeManager(conflicts[0])}: ${conflicts[0].field}`;
  }
  const byManager = new Map<string, ApplyConflict[]>();
  for (const conflict of conflicts) {
    const id = managerIdentifier(conflict);
    const group = byManager.get(id);
    if (group) group.push(conflict);
    else byManager.set(id, [conflict]);
  }
  const lines: string[] = [];
  for (const id of [...byManager.keys()].sort()) {
    const group = byManager.get(id)!;
    lines.push(`conflicts with ${describeManager(group[0])}:`);
    for (const conflict of group) lines.push(`- ${conflict.field}`);
  }
  return `Apply failed with ${conflicts.length} conflicts: ${lines.join('\n')}`;
}

/** The `details.causes` of the 409 Conflict status. */
export function conflictCauses(conflicts: readonly ApplyConflict[]): FieldCause[] {
  return conflicts.map((conflict) => ({ reason: 'FieldManagerConflict', message: `conflict with ${describeManager(conflict)}`, field: conflict.field }));
}
