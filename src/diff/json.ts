/** Plain JSON values as Kubernetes objects are made of, and the few pure helpers the diff needs on them. */
export type JsonValue = string | number | boolean | null | JsonValue[] | JsonObject;
export interface JsonObject {
  [key: string]: JsonValue;
}

export function isObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

export function isContainer(value: unknown): value is JsonObject | JsonValue[] {
  return typeof value === 'object' && value !== null;
}

export function isEmptyContainer(value: unknown): boolean {
  if (Array.isArray(value)) return value.length === 0;
  return isObject(value) && Object.keys(value).length === 0;
}

/**
 * Keys printed before all others, in this order, as Kubernetes prints them: an object starts with
 * its type and identity, and a list item with the `name` that tells it from its siblings.
 */
const leadingKeys = ['apiVersion', 'kind', 'metadata', 'name', 'namespace'];

/** The order of keys in a map as capstan prints them (see sortedCopy). */
export function compareKeys(a: string, b: string): number {
  const rankA = leadingKeys.indexOf(a);
  const rankB = leadingKeys.indexOf(b);
  if (rankA >= 0 || rankB >= 0) return (rankA < 0 ? leadingKeys.length : rankA) - (rankB < 0 ? leadingKeys.length : rankB);
  return a < b ? -1 : a > b ? 1 : 0;
}

/**
 * A deep copy with every map's keys in a stable order, so that the same object always prints the
 * same way: `apiVersion`, `kind`, `metadata`, `name`, `namespace` first, then the others sorted.
 */
export function sortedCopy<T>(value: T): T {
  if (Array.isArray(value)) return value.map((item: unknown) => sortedCopy(item)) as T;
  if (isObject(value)) {
    const out: JsonObject = {};
    for (const key of Object.keys(value).sort(compareKeys)) {
      if (value[key] !== undefined) out[key] = sortedCopy(value[key]);
    }
    return out as T;
  }
  return value;
}

export function deepEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (Array.isArray(a)) {
    return Array.isArray(b) && a.length === b.length && a.every((item, i) => deepEqual(item, b[i]));
  }
  if (isObject(a) && isObject(b)) {
    const keys = Object.keys(a);
    if (keys.length !== Object.keys(b).length) return false;
    return keys.every((key) => Object.hasOwn(b, key) && deepEqual(a[key], b[key]));
  }
  return false;
}
