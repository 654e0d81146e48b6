/**
 * Strategic merge patch (`kubectl patch`, client-side `kubectl apply`) for built-in kinds, as the API
 * server applies it: `null` deletes a key; lists with a map list type merge by their first key (the
 * patchMergeKey), set lists merge as primitive unions, other lists are replaced; and the directives
 * `$patch` (replace | delete | merge), `$retainKeys`, `$setElementOrder/<field>` and
 * `$deleteFromPrimitiveList/<field>`.
 *
 * Pure; the result is a fresh object and the inputs are left untouched.
 */
import type { ListType, MergeSchema } from './types.ts';
import { cloneJson, isJsonObject, jsonEqual, type JsonObject } from './field-set.ts';

const PATCH = '$patch';
const RETAIN_KEYS = '$retainKeys';
const SET_ELEMENT_ORDER = '$setElementOrder/';
const DELETE_FROM_PRIMITIVE_LIST = '$deleteFromPrimitiveList/';

/** Applies a strategic merge patch. Throws an Error naming the offending field when the patch is malformed. */
export function strategicMergePatch(original: unknown, patch: unknown, schema: MergeSchema): unknown {
  if (!isJsonObject(patch)) throw new Error('strategic merge patch must be a JSON object');
  const target = isJsonObject(original) ? cloneJson(original) : {};
  return new Patcher(schema).map(target, patch, []);
}

function describe(path: readonly string[]): string {
  return path.length === 0 ? 'the object' : path.map((segment) => (segment === '[]' ? '[]' : `.${segment}`)).join('');
}

class Patcher {
  constructor(private readonly schema: MergeSchema) {}

  /** Merges `patch` into `original`, which this patcher owns and may change in place. */
  map(original: JsonObject, patch: JsonObject, path: string[]): JsonObject {
    if (PATCH in patch) {
      const directive = patch[PATCH];
      if (directive === 'replace') {
        const rest = { ...patch };
        delete rest[PATCH];
        return this.map({}, rest, path);
      }
      if (directive === 'delete') return {};
      if (directive !== 'merge') {
        throw new Error(`${describe(path)}: unknown $patch directive ${JSON.stringify(directive)}, expected replace, delete or merge`);
      }
    }

    // Lists named by $setElementOrder are ordered against the live order, read before any change.
    const liveOrder = new Map<string, unknown[]>();
    for (const key of Object.keys(patch)) {
      if (!key.startsWith(SET_ELEMENT_ORDER)) continue;
      const field = key.slice(SET_ELEMENT_ORDER.length);
      const current = original[field];
      liveOrder.set(field, Array.isArray(current) ? current.slice() : []);
    }

    if (RETAIN_KEYS in patch) {
      const retain = patch[RETAIN_KEYS];
      if (!Array.isArray(retain) || !retain.every((key) => typeof key === 'string')) {
        throw new Error(`${describe(path)}: $retainKeys must be a list of field names`);
      }
      for (const key of Object.keys(original)) if (!retain.includes(key)) delete original[key];
    }

    for (const [key, values] of Object.entries(patch)) {
      if (!key.startsWith(DELETE_FROM_PRIMITIVE_LIST)) continue;
      const field = key.slice(DELETE_FROM_PRIMITIVE_LIST.length);
      if (!Array.isArray(values)) throw new Error(`${describe([...path, field])}: ${key} must be a list`);
      const current = original[field];
      if (Array.isArray(current)) original[field] = current.filter((item) => !values.some((value) => jsonEqual(value, item)));
    }

    for (const [key, value] of Object.entries(patch)) {
      if (key.startsWith('$')) {
        if (key === PATCH || key === RETAIN_KEYS || key.startsWith(DELETE_FROM_PRIMITIVE_LIST) || key.startsWith(SET_ELEMENT_ORDER)) continue;
        throw new Error(`${describe(path)}: unknown patch directive ${JSON.stringify(key)}`);
      }
      if (value === undefined) continue;
      if (value === null) {
        delete original[key];
        continue;
      }
      const childPath = [...path, key];
      const current = original[key];
      if (isJsonObject(value)) original[key] = this.map(isJsonObject(current) ? current : {}, value, childPath);
      else if (Array.isArray(value)) original[key] = this.list(Array.isArray(current) ? current : [], value, childPath);
      else original[key] = value;
    }

    for (const [field, before] of liveOrder) {
      const order = patch[SET_ELEMENT_ORDER + field];
      if (!Array.isArray(order)) throw new Error(`${describe([...path, field])}: ${SET_ELEMENT_ORDER}${field} must be a list`);
      const current = original[field];
      if (Array.isArray(current)) original[field] = this.reorder(current, order, before, [...path, field]);
    }
    return original;
  }

  private list(original: unknown[], patch: readonly unknown[], path: string[]): unknown[] {
    const listType = this.schema.listType(path);
    if (listType.type === 'map') return this.mergeByKey(original, patch, listType.keys[0], path);
    if (listType.type === 'set') {
      const merged: unknown[] = [];
      for (const item of [...original, ...patch]) if (!merged.some((seen) => jsonEqual(seen, item))) merged.push(cloneJson(item));
      return merged;
    }
    return cloneJson([...patch]);
  }

  private mergeByKey(original: unknown[], patch: readonly unknown[], mergeKey: string, path: string[]): unknown[] {
    const itemPath = [...path, '[]'];
    let result = original.slice();
    const items: JsonObject[] = [];
    let replace = false;
    for (const item of patch) {
      if (!isJsonObject(item)) throw new Error(`${describe(path)}: list items must be objects, merged by ${mergeKey}`);
      if (!(PATCH in item)) {
        items.push(item);
        continue;
      }
      const directive = item[PATCH];
      if (directive === 'delete') {
        if (!(mergeKey in item)) throw new Error(`${describe(path)}: $patch: delete item ${JSON.stringify(item)} does not contain the merge key ${mergeKey}`);
        result = result.filter((existing) => !(isJsonObject(existing) && jsonEqual(existing[mergeKey], item[mergeKey])));
      } else if (directive === 'replace') {
        replace = true;
      } else if (directive === 'merge') {
        throw new Error(`${describe(path)}: merging lists cannot yet be specified in the patch`);
      } else {
        throw new Error(`${describe(path)}: unknown $patch directive ${JSON.stringify(directive)}, expected replace, delete or merge`);
      }
    }
    if (replace) return items.map((item) => this.map({}, item, itemPath));

    for (const item of items) {
      if (!(mergeKey in item)) throw new Error(`${describe(path)}: map: ${JSON.stringify(item)} does not contain declared merge key: ${mergeKey}`);
      const index = result.findIndex((existing) => isJsonObject(existing) && jsonEqual(existing[mergeKey], item[mergeKey]));
      if (index >= 0) result[index] = this.map(result[index] as JsonObject, item, itemPath);
      else result.push(this.map({}, item, itemPath));
    }
    return result;
  }

  /**
   * Orders a merged list by `$setElementOrder`: the items it names follow its order, the others keep
   * their live order, and the two are interleaved by their live positions.
   */
  private reorder(merged: unknown[], order: readonly unknown[], live: readonly unknown[], path: string[]): unknown[] {
    const listType: ListType = this.schema.listType(path);
    const mergeKey = listType.type === 'map' ? listType.keys[0] : undefined;
    const identity = (item: unknown): unknown => (mergeKey !== undefined && isJsonObject(item) ? item[mergeKey] : item);
    const wanted = order.map((entry) => {
      if (mergeKey !== undefined && !(isJsonObject(entry) && mergeKey in entry)) {
        throw new Error(`${describe(path)}: ${SET_ELEMENT_ORDER} entries must name the merge key ${mergeKey}`);
      }
      return identity(entry);
    });
    const positionIn = (ids: readonly unknown[], item: unknown): number => {
      const id = identity(item);
      return ids.findIndex((candidate) => jsonEqual(candidate, id));
    };
    const liveIds = live.map(identity);

    const named = merged.filter((item) => positionIn(wanted, item) >= 0).sort((a, b) => positionIn(wanted, a) - positionIn(wanted, b));
    const others = merged.filter((item) => positionIn(wanted, item) < 0);
    const out: unknown[] = [];
    let i = 0;
    let j = 0;
    while (i < others.length || j < named.length) {
      if (i >= others.length) out.push(named[j++]);
      else if (j >= named.length) out.push(others[i++]);
      else {
        const left = positionIn(liveIds, others[i]);
        const right = positionIn(liveIds, named[j]);
        if (left >= 0 && right >= 0 && left < right) out.push(others[i++]);
        else out.push(named[j++]);
      }
    }
    return out;
  }
}
