import { deepEqual, isEmptyContainer, isObject, type JsonObject, type JsonValue } from './json.ts';

/**
 * A field set in the `FieldsV1` format of `metadata.managedFields`: `f:<name>` is a field of a map,
 * `k:<json>` a list item by its key fields, `v:<json>` a set item by its value, `i:<n>` a list item
 * by index, and `.` the node itself.
 */
export interface FieldsV1 {
  [key: string]: FieldsV1;
}

/** One entry of `metadata.managedFields`, as read from a cluster. */
export interface ManagedFieldsEntry {
  manager?: string;
  operation?: string;
  apiVersion?: string;
  time?: string;
  fieldsType?: string;
  fieldsV1?: FieldsV1;
  subresource?: string;
}

/** The field sets that `managers` own according to `managedFields` (entries of other types are skipped). */
export function fieldSetsOf(managedFields: unknown, managers: readonly string[]): FieldsV1[] {
  if (!Array.isArray(managedFields) || managers.length === 0) return [];
  const sets: FieldsV1[] = [];
  for (const entry of managedFields as unknown[]) {
    if (!isObject(entry) || typeof entry.manager !== 'string' || !managers.includes(entry.manager)) continue;
    if (entry.fieldsType !== undefined && entry.fieldsType !== 'FieldsV1') continue;
    if (isObject(entry.fieldsV1)) sets.push(entry.fieldsV1 as unknown as FieldsV1);
  }
  return sets;
}

/** A node with no children but `.` is a leaf: the manager owns the whole value there. */
function isLeaf(set: FieldsV1): boolean {
  return Object.keys(set).every((key) => key === '.');
}

function parseJson(text: string): JsonValue | undefined {
  try {
    return JSON.parse(text) as JsonValue;
  } catch {
    return undefined;
  }
}

/** Removes what `set` names from `value` (in place); true when `value` was emptied by the removal. */
function removeFrom(value: JsonValue, set: FieldsV1): boolean {
  const wasEmpty = isEmptyContainer(value);
  if (isObject(value)) removeFromMap(value, set);
  else if (Array.isArray(value)) removeFromList(value, set);
  return !wasEmpty && isEmptyContainer(value);
}

function removeFromMap(map: JsonObject, set: FieldsV1): void {
  for (const [path, childSet] of Object.entries(set)) {
    if (!path.startsWith('f:')) continue;
    const name = path.slice(2);
    if (!Object.hasOwn(map, name)) continue;
    if (isLeaf(childSet) || removeFrom(map[name], childSet)) delete map[name];
  }
}

function removeFromList(list: JsonValue[], set: FieldsV1): void {
  const drop = new Set<number>();
  for (const [path, childSet] of Object.entries(set)) {
    const kind = path.slice(0, 2);
    const matches: number[] = [];
    if (kind === 'k:') {
      const keyFields = parseJson(path.slice(2));
      if (!isObject(keyFields)) continue;
      list.forEach((item, i) => {
        if (isObject(item) && Object.entries(keyFields).every(([field, want]) => deepEqual(item[field], want))) matches.push(i);
      });
    } else if (kind === 'v:') {
      const wanted = parseJson(path.slice(2));
      if (wanted === undefined) continue;
      list.forEach((item, i) => {
        if (deepEqual(item, wanted)) matches.push(i);
      });
    } else if (kind === 'i:') {
      const index = Number(path.slice(2));
      if (Number.isInteger(index) && index >= 0 && index < list.length) matches.push(index);
    }
    for (const i of matches) {
      if (isLeaf(childSet) || removeFrom(list[i], childSet)) drop.add(i);
    }
  }
  for (const i of [...drop].sort((a, b) => b - a)) list.splice(i, 1);
}

/**
 * Removes from `object` (in place) every field that `set` names. A field the set names as a leaf is
 * removed whole; below a node that has children only those children are removed, so a map a manager
 * created (`.`) keeps the entries other managers own. Maps, lists and list items the removal leaves
 * empty are removed too.
 */
export function removeFieldSet(object: JsonObject, set: FieldsV1): void {
  removeFromMap(object, set);
}
