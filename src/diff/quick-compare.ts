import type { Manifest } from '../core/index.ts';
import { deepEqual, isObject, type JsonObject, type JsonValue } from './json.ts';
import { fieldSetsOf, type FieldsV1 } from './managed-fields.ts';

/**
 * `in-sync`: applying `desired` with server-side apply would change nothing in `live`.
 * `differs`: it would (or cannot be told without the server): ask the server with a dry-run.
 */
export type QuickVerdict = 'in-sync' | 'differs';

export interface QuickCompareOptions {
  /** The field manager capstan applies with; default `capstan`. */
  fieldManager?: string;
}

/**
 * A cheap, conservative check that lets a reconcile skip the server dry-run of an object that did
 * not change: `in-sync` only when (1) every value `desired` sets is already in `live` (server
 * defaults and others' fields may add more), and (2) every field the manager owns in `live`
 * (its Apply entry of `managedFields`) is still set by `desired` — otherwise the apply would remove
 * it. Anything it cannot match exactly (a quantity written differently, a list item without its
 * key) answers `differs`, and the caller falls back to the dry-run, which is the
 * authority. Both objects are left unchanged.
 */
export function quickCompare(desired: Manifest, live: Manifest | undefined, options: QuickCompareOptions = {}): QuickVerdict {
  if (!live) return 'differs';
  const manager = options.fieldManager ?? 'capstan';
  // a Secret's stringData is write-only: the server stores it base64-encoded under data
  const stored = storedForm(desired);
  if (!covers(stored as unknown as JsonValue, live as unknown as JsonValue)) return 'differs';
  const entries = Array.isArray(live.metadata.managedFields) ? (live.metadata.managedFields as { manager?: string; operation?: string; subresource?: string }[]) : [];
  const applied = entries.filter((e) => e.manager === manager && e.operation === 'Apply' && !e.subresource);
  if (applied.length !== 1) return 'differs';
  const [owned] = fieldSetsOf([applied[0]], [manager]);
  if (!owned) return 'differs';
  // what the manager owns may be recorded under stringData or under data: both are still set
  const sets = stored === desired ? desired : { ...stored, stringData: (desired as { stringData?: unknown }).stringData };
  return stillSet(owned, sets as unknown as JsonValue) ? 'in-sync' : 'differs';
}

/**
 * `desired` as the server stores it: a core Secret's `stringData` folded into `data` (base64 of the
 * UTF-8 text, stringData winning on a shared key); any other object as it is. Only compared,
 * never shown.
 */
function storedForm(desired: Manifest): Manifest {
  const stringData = (desired as { stringData?: unknown }).stringData;
  if (desired.kind !== 'Secret' || desired.apiVersion !== 'v1' || stringData === undefined) return desired;
  if (!isObject(stringData as JsonValue)) return desired;
  const { stringData: _folded, ...rest } = desired as Manifest & { stringData?: unknown; data?: unknown };
  const data: JsonObject = isObject(rest.data as JsonValue) ? { ...(rest.data as JsonObject) } : {};
  for (const [key, value] of Object.entries(stringData as JsonObject)) data[key] = typeof value === 'string' ? Buffer.from(value, 'utf8').toString('base64') : value;
  return { ...rest, data } as Manifest;
}

/** Every value in `want` is in `have` (maps may have more keys; lists must match item by item). */
function covers(want: JsonValue | undefined, have: JsonValue | undefined): boolean {
  if (isObject(want)) {
    if (!isObject(have)) return false;
    for (const [key, value] of Object.entries(want)) {
      if (value === null) continue; // null asks the server to remove a field: cannot be told here
      if (!covers(value, have[key])) return false;
    }
    return true;
  }
  if (Array.isArray(want)) {
    if (!Array.isArray(have) || have.length !== want.length) return false;
    return want.every((item, i) => covers(item, have[i]));
  }
  return deepEqual(want, have);
}

/** Every leaf of the owned field set names a field that `value` still sets. */
function stillSet(set: FieldsV1, value: JsonValue | undefined): boolean {
  for (const [path, child] of Object.entries(set)) {
    if (path === '.') continue;
    const next = step(path, value);
    if (next === undefined) return false;
    if (!stillSet(child, next)) return false;
  }
  return true;
}

/** The part of `value` a FieldsV1 path element names, or undefined when `value` has no such part. */
function step(path: string, value: JsonValue | undefined): JsonValue | undefined {
  if (path.startsWith('f:')) return isObject(value) ? value[path.slice(2)] : undefined;
  if (!Array.isArray(value)) return undefined;
  const json = parse(path.slice(2));
  if (json === undefined) return undefined;
  if (path.startsWith('k:')) {
    if (!isObject(json)) return undefined;
    return value.find((item) => isObject(item) && Object.entries(json).every(([k, v]) => deepEqual((item as JsonObject)[k], v)));
  }
  if (path.startsWith('v:')) return value.some((item) => deepEqual(item, json)) ? json : undefined;
  if (path.startsWith('i:')) return typeof json === 'number' ? value[json] : undefined;
  return undefined;
}

function parse(text: string): JsonValue | undefined {
  try {
    return JSON.parse(text) as JsonValue;
  } catch {
    return undefined;
  }
}
