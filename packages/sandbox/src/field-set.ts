/**
 * Field sets, as Kubernetes' structured-merge-diff keeps them for managed fields.
 *
 * A set is a tree keyed by path elements in their FieldsV1 spelling: `f:<field>` for a struct or map
 * field, `k:<compact JSON of the key fields, sorted by name>` for an item of an associative list,
 * `v:<JSON value>` for an item of a set, `i:<index>` for a list index (never produced here, accepted
 * on input). A node is a *member* when its own path is in the set; on the wire a member without
 * children is `{}`, and a member with children carries `".": {}` next to them.
 *
 * Sets are immutable once built: the operations return new sets and may share subtrees.
 * Also home of the small JSON helpers the merge modules share.
 */
import type { FieldsV1, ListType, MergeSchema } from './types.ts';

// ---------------------------------------------------------------------------
// JSON helpers

export type JsonObject = Record<string, unknown>;

export function isJsonObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * Structural equality of JSON values (object key order does not matter), as util.isDeepStrictEqual
 * decides it for them (Object.is for scalars, the same own keys, arrays in order) at a fraction of
 * its cost: the store runs it on every write, to tell a no-op from a change.
 */
export function jsonEqual(a: unknown, b: unknown): boolean {
  if (a === b) return a !== 0 || Object.is(a, b);
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return Object.is(a, b);
  if (Array.isArray(a)) {
    if (!Array.isArray(b) || a.length !== b.length) return false;
    for (let i = 0; i < a.length; i++) if (!jsonEqual(a[i], b[i])) return false;
    return true;
  }
  if (Array.isArray(b) || Object.getPrototypeOf(a) !== Object.getPrototypeOf(b)) return false;
  const keys = Object.keys(a);
  if (keys.length !== Object.keys(b).length) return false;
  for (const key of keys) {
    if (!Object.hasOwn(b, key) || !jsonEqual((a as JsonObject)[key], (b as JsonObject)[key])) return false;
  }
  return true;
}

/** A deep copy of a JSON value (faster than structuredClone for plain data). */
export function cloneJson<T>(value: T): T {
  if (typeof value !== 'object' || value === null) return value;
  if (Array.isArray(value)) return value.map(cloneJson) as T;
  const out: JsonObject = {};
  for (const [key, child] of Object.entries(value as JsonObject)) out[key] = cloneJson(child);
  return out as T;
}

const GO_ESCAPES: Record<string, string> = {
  '<': '\\u003c',
  '>': '\\u003e',
  '&': '\\u0026',
  '\u2028': '\\u2028',
  '\u2029': '\\u2029',
  '\\b': '\\u0008',
  '\\f': '\\u000c',
};

function goString(value: string): string {
  const json = JSON.stringify(value);
  if (!/[<>&\u2028\u2029\b\f]/.test(value)) return json;
  return json.replace(/\\.|[<>&\u2028\u2029]/g, (match) => GO_ESCAPES[match] ?? match);
}

/**
 * Compact JSON as Go's encoding/json writes it: object keys sorted, `<`, `>`, `&`, U+2028 and U+2029
 * escaped. Used for list keys in FieldsV1 and for the last-applied-configuration annotation.
 */
export function goJsonStringify(value: unknown): string {
  if (value === null || value === undefined) return 'null';
  switch (typeof value) {
    case 'string':
      return goString(value);
    case 'number':
      return Number.isFinite(value) ? JSON.stringify(value) : 'null';
    case 'boolean':
      return value ? 'true' : 'false';
    case 'object':
      break;
    default:
      return 'null';
  }
  if (Array.isArray(value)) return `[${value.map(goJsonStringify).join(',')}]`;
  const object = value as JsonObject;
  const keys = Object.keys(object).filter((key) => object[key] !== undefined).sort();
  return `{${keys.map((key) => `${goString(key)}:${goJsonStringify(object[key])}`).join(',')}}`;
}

// ---------------------------------------------------------------------------
// Path elements

export function fieldKey(name: string): string {
  return `f:${name}`;
}

/**
 * The path element of a list item: `k:{...}` for a map list (key defaults filled in), `v:...` for a set.
 * Returns an error text, as structured-merge-diff words it, when the item cannot be keyed.
 */
export function listItemKey(item: unknown, listType: ListType, keyDefaults: Record<string, unknown>): string | { error: string } {
  if (listType.type === 'set') return `v:${goJsonStringify(item)}`;
  if (listType.type !== 'map') return { error: 'atomic lists have no item keys' };
  if (item === null) return { error: 'associative list with keys may not have a null element' };
  if (!isJsonObject(item)) return { error: 'associative list with keys may not have non-map elements' };
  const keys = listType.keys.length > 1 ? [...listType.keys].sort() : listType.keys;
  let json = '';
  for (const key of keys) {
    let value = item[key];
    if (value === undefined) {
      value = keyDefaults[key];
      if (value === undefined) {
        return { error: `associative list with keys has an element that omits key field ${JSON.stringify(key)} (and doesn't have default value)` };
      }
    }
    json += `${json ? ',' : ''}${goString(key)}:${goJsonStringify(value)}`;
  }
  return `k:{${json}}`;
}

/** Human form of a value inside a path element, as structured-merge-diff's value.ToString. */
function valueToString(value: unknown): string {
  if (value === null || value === undefined) return 'null';
  if (typeof value === 'string') return JSON.stringify(value);
  if (Array.isArray(value)) return `[${value.map(valueToString).join(',')}]`;
  if (isJsonObject(value)) return Object.entries(value).map(([key, child]) => `${key}=${valueToString(child)}`).join('');
  return String(value);
}

/** One path element in Kubernetes' message form: `.name`, `[name="nginx"]`, `[containerPort=80,protocol="TCP"]`, `[="value"]`, `[3]`. */
export function formatPathElement(key: string): string {
  const body = key.slice(2);
  switch (key[0]) {
    case 'f':
      return `.${body}`;
    case 'k': {
      const parsed: unknown = JSON.parse(body);
      if (!isJsonObject(parsed)) return `[${body}]`;
      return `[${Object.entries(parsed).map(([name, value]) => `${name}=${valueToString(value)}`).join(',')}]`;
    }
    case 'v':
      return `[=${valueToString(JSON.parse(body))}]`;
    case 'i':
      return `[${body}]`;
    default:
      return '{{invalid path element}}';
  }
}

/** A path in Kubernetes' message form, e.g. `.spec.template.spec.containers[name="nginx"].image`. */
export function formatFieldPath(keys: readonly string[]): string {
  let out = '';
  for (const key of keys) out += formatPathElement(key);
  return out;
}

const KIND_RANK: Record<string, number> = { f: 0, k: 1, v: 2, i: 3 };

function typeRank(value: unknown): number {
  if (typeof value === 'number') return 0;
  if (typeof value === 'string') return 1;
  if (typeof value === 'boolean') return 2;
  if (Array.isArray(value)) return 3;
  if (isJsonObject(value)) return 4;
  return 5;
}

function compareValues(a: unknown, b: unknown): number {
  const ra = typeRank(a);
  const rb = typeRank(b);
  if (ra !== rb) return ra - rb;
  if (typeof a === 'number' && typeof b === 'number') return a - b;
  if (typeof a === 'string' && typeof b === 'string') return a < b ? -1 : a > b ? 1 : 0;
  if (typeof a === 'boolean' && typeof b === 'boolean') return Number(a) - Number(b);
  if (Array.isArray(a) && Array.isArray(b)) return compareSequences(a, b);
  if (isJsonObject(a) && isJsonObject(b)) return compareFieldLists(a, b);
  return 0;
}

function compareSequences(a: readonly unknown[], b: readonly unknown[]): number {
  for (let i = 0; i < Math.min(a.length, b.length); i++) {
    const c = compareValues(a[i], b[i]);
    if (c !== 0) return c;
  }
  return a.length - b.length;
}

function compareFieldLists(a: JsonObject, b: JsonObject): number {
  const ae = Object.entries(a).sort(([x], [y]) => (x < y ? -1 : x > y ? 1 : 0));
  const be = Object.entries(b).sort(([x], [y]) => (x < y ? -1 : x > y ? 1 : 0));
  for (let i = 0; i < Math.min(ae.length, be.length); i++) {
    if (ae[i][0] !== be[i][0]) return ae[i][0] < be[i][0] ? -1 : 1;
    const c = compareValues(ae[i][1], be[i][1]);
    if (c !== 0) return c;
  }
  return ae.length - be.length;
}

/** structured-merge-diff's PathElement order: fields, then keys, then values, then indexes. */
export function comparePathElements(a: string, b: string): number {
  const kind = a[0];
  if (kind !== b[0]) return (KIND_RANK[kind] ?? 9) - (KIND_RANK[b[0]] ?? 9);
  if (kind === 'f') return a < b ? -1 : a > b ? 1 : 0;
  if (kind === 'i') return Number(a.slice(2)) - Number(b.slice(2));
  return compareValues(JSON.parse(a.slice(2)), JSON.parse(b.slice(2)));
}

function sortedKeys(children: ReadonlyMap<string, FieldSet>): string[] {
  const keys = [...children.keys()];
  if (keys.length < 2) return keys;
  return keys.every((key) => key.startsWith('f:')) ? keys.sort() : keys.sort(comparePathElements);
}

// ---------------------------------------------------------------------------
// The set

const NO_CHILDREN: ReadonlyMap<string, FieldSet> = new Map();
const LEAF_WIRE: FieldsV1 = Object.freeze({});
/**
 * The set each encoding `toFieldsV1()` made stands for. Encodings are frozen and stored as they are
 * in objects' managedFields, so when the next write of the object decodes its managers again it
 * gets the same sets back without reading them, and re-encodes the managers it did not change for
 * free: most writes (a controller's status update) touch one manager of several.
 */
const setOfEncoding = new WeakMap<object, FieldSet>();

export class FieldSet {
  static readonly EMPTY = new FieldSet(false, NO_CHILDREN);

  /**
   * @param member whether the path of this node is itself in the set
   * @param children subsets keyed by path element; the map is owned by the set from now on and
   *   must hold no empty subsets
   */
  constructor(
    readonly member: boolean,
    readonly children: ReadonlyMap<string, FieldSet> = NO_CHILDREN,
  ) {}

  private encoded: FieldsV1 | undefined;

  isEmpty(): boolean {
    return !this.member && this.children.size === 0;
  }

  child(key: string): FieldSet | undefined {
    return this.children.get(key);
  }

  /** Whether the path (in path elements) is a member of the set. */
  has(keys: readonly string[]): boolean {
    let children = this.children;
    let member = this.member;
    for (const key of keys) {
      const node = children.get(key);
      if (!node) return false;
      children = node.children;
      member = node.member;
    }
    return member;
  }

  union(other: FieldSet): FieldSet {
    if (other.isEmpty() || other === this) return this;
    if (this.isEmpty()) return other;
    // a union that adds nothing is this same set, so its encoding (see toFieldsV1) is kept
    let children: Map<string, FieldSet> | undefined;
    for (const [key, theirs] of other.children) {
      const ours = this.children.get(key);
      const both = ours ? ours.union(theirs) : theirs;
      if (both === ours) continue;
      children ??= new Map(this.children);
      children.set(key, both);
    }
    const member = this.member || other.member;
    if (!children && member === this.member) return this;
    return new FieldSet(member, children ?? this.children);
  }

  /** The members of this set that are not members of `other`. */
  difference(other: FieldSet): FieldSet {
    if (this.isEmpty() || other.isEmpty()) return this;
    if (other === this) return FieldSet.EMPTY;
    let children: Map<string, FieldSet> | undefined;
    for (const [key, ours] of this.children) {
      const theirs = other.children.get(key);
      if (!theirs) continue;
      const rest = ours.difference(theirs);
      if (rest === ours) continue;
      children ??= new Map(this.children);
      if (rest.isEmpty()) children.delete(key);
      else children.set(key, rest);
    }
    const member = this.member && !other.member;
    if (!children && member === this.member) return this;
    return new FieldSet(member, children ?? this.children);
  }

  /** The members of this set that are also members of `other`. */
  intersection(other: FieldSet): FieldSet {
    if (this.isEmpty() || other.isEmpty()) return FieldSet.EMPTY;
    if (other === this) return this;
    const children = new Map<string, FieldSet>();
    const [small, large] = this.children.size <= other.children.size ? [this, other] : [other, this];
    for (const [key, mine] of small.children) {
      const theirs = large.children.get(key);
      if (!theirs) continue;
      const both = mine.intersection(theirs);
      if (!both.isEmpty()) children.set(key, both);
    }
    return new FieldSet(this.member && other.member, children);
  }

  /** The set without the subtree at `key` (a top-level path element). */
  without(key: string): FieldSet {
    if (!this.children.has(key)) return this;
    const children = new Map(this.children);
    children.delete(key);
    return new FieldSet(this.member, children);
  }

  /** Only the subtree at `key` (a top-level path element). */
  only(key: string): FieldSet {
    const child = this.children.get(key);
    return child ? new FieldSet(false, new Map([[key, child]])) : FieldSet.EMPTY;
  }

  /** Every member path, in structured-merge-diff's iteration order (a node's members, then its children). */
  memberPaths(): string[][] {
    const out: string[][] = [];
    const walk = (node: FieldSet, prefix: string[]): void => {
      const keys = sortedKeys(node.children);
      for (const key of keys) if (node.children.get(key)!.member) out.push([...prefix, key]);
      for (const key of keys) {
        const child = node.children.get(key)!;
        if (child.children.size > 0) walk(child, [...prefix, key]);
      }
    };
    if (this.member) out.push([]);
    walk(this, []);
    return out;
  }

  /** Every member path in Kubernetes' message form, e.g. `.spec.replicas`. */
  paths(): string[] {
    return this.memberPaths().map(formatFieldPath);
  }

  /** The FieldsV1 wire form, children in structured-merge-diff's order; frozen, and made once per set. */
  toFieldsV1(): FieldsV1 {
    if (this.encoded) return this.encoded;
    const out: FieldsV1 = {};
    for (const key of sortedKeys(this.children)) {
      const child = this.children.get(key)!;
      if (child.children.size === 0) out[key] = LEAF_WIRE;
      else {
        const encoded = child.toFieldsV1();
        out[key] = child.member ? Object.freeze({ '.': LEAF_WIRE, ...encoded }) : encoded;
      }
    }
    this.encoded = Object.freeze(out);
    setOfEncoding.set(out, this);
    return out;
  }

  /** Reads the FieldsV1 wire form. Throws on anything Kubernetes would not decode. */
  static fromFieldsV1(wire: unknown): FieldSet {
    if (!isJsonObject(wire)) throw new Error('FieldsV1 must be a JSON object');
    return setOfEncoding.get(wire) ?? decode(wire, []);
  }
}

function decode(wire: JsonObject, at: string[]): FieldSet {
  let member = false;
  const children = new Map<string, FieldSet>();
  for (const [rawKey, value] of Object.entries(wire)) {
    if (!isJsonObject(value)) throw new Error(`FieldsV1 ${formatFieldPath(at)}: value of ${JSON.stringify(rawKey)} must be an object`);
    if (rawKey === '.') {
      member = true;
      continue;
    }
    const key = canonicalKey(rawKey, at);
    const child = Object.keys(value).length === 0 ? new FieldSet(true) : decode(value, [...at, key]);
    if (!child.isEmpty()) children.set(key, child);
  }
  return new FieldSet(member, children);
}

/** Re-spells `k:` and `v:` elements canonically, so they match the keys computed from objects. */
function canonicalKey(key: string, at: string[]): string {
  const kind = key.slice(0, 2);
  if (kind === 'f:') return key;
  if (kind === 'i:' && /^i:\d+$/.test(key)) return key;
  if (kind === 'k:' || kind === 'v:') {
    let parsed: unknown;
    try {
      parsed = JSON.parse(key.slice(2));
    } catch {
      throw new Error(`FieldsV1 ${formatFieldPath(at)}: invalid path element ${JSON.stringify(key)}`);
    }
    if (kind === 'k:' && !isJsonObject(parsed)) throw new Error(`FieldsV1 ${formatFieldPath(at)}: key ${JSON.stringify(key)} is not an object`);
    return kind + goJsonStringify(parsed);
  }
  throw new Error(`FieldsV1 ${formatFieldPath(at)}: invalid path element ${JSON.stringify(key)}`);
}

// ---------------------------------------------------------------------------
// Building

interface BuilderNode {
  member: boolean;
  children: Map<string, BuilderNode> | undefined;
}

/** Collects member paths, then freezes them into a FieldSet. */
export class FieldSetBuilder {
  private readonly root: BuilderNode = { member: false, children: undefined };

  /** Adds a member path given as path elements (`f:spec`, `k:{...}`, ...). */
  insert(keys: readonly string[]): void {
    let node = this.root;
    for (const key of keys) {
      node.children ??= new Map();
      let next = node.children.get(key);
      if (!next) node.children.set(key, (next = { member: false, children: undefined }));
      node = next;
    }
    node.member = true;
  }

  build(): FieldSet {
    return freeze(this.root);
  }
}

function freeze(node: BuilderNode): FieldSet {
  if (!node.children) return node.member ? LEAF : FieldSet.EMPTY;
  const children = new Map<string, FieldSet>();
  for (const [key, child] of node.children) {
    const frozen = freeze(child);
    if (!frozen.isEmpty()) children.set(key, frozen);
  }
  return new FieldSet(node.member, children);
}

const LEAF = new FieldSet(true);

/**
 * The fields present in an object, as structured-merge-diff's ToFieldSet: scalars, nulls, atomic
 * lists and atomic structs are leaves; associative-list items are members with their children;
 * set items are leaves; empty maps and empty non-atomic lists contribute nothing.
 * Throws, with Kubernetes' wording, on list items that cannot be keyed or that repeat a key.
 */
export function fieldSetOf(value: unknown, schema: MergeSchema): FieldSet {
  if (!isJsonObject(value)) return FieldSet.EMPTY;
  const builder = new FieldSetBuilder();
  visitObject(value, { schema, builder, keys: [], path: [] });
  return builder.build();
}

interface Visit {
  schema: MergeSchema;
  builder: FieldSetBuilder;
  keys: string[];
  path: string[];
}

function visitObject(object: JsonObject, v: Visit): void {
  for (const name in object) {
    const child = object[name];
    if (child === undefined) continue;
    v.keys.push(fieldKey(name));
    v.path.push(name);
    visitValue(child, v);
    v.path.pop();
    v.keys.pop();
  }
}

function visitValue(value: unknown, v: Visit): void {
  if (isJsonObject(value)) {
    if (v.schema.isAtomic(v.path)) v.builder.insert(v.keys);
    else visitObject(value, v);
    return;
  }
  if (!Array.isArray(value)) {
    v.builder.insert(v.keys);
    return;
  }
  const listType = v.schema.listType(v.path);
  if (listType.type === 'atomic') {
    v.builder.insert(v.keys);
    return;
  }
  const keyDefaults = v.schema.keyDefaults(v.path);
  const seen = new Set<string>();
  for (let i = 0; i < value.length; i++) {
    const item = value[i];
    const key = listItemKey(item, listType, keyDefaults);
    if (typeof key !== 'string') throw new Error(`${formatFieldPath(v.keys)}: element ${i}: ${key.error}`);
    if (seen.has(key)) throw new Error(`${formatFieldPath(v.keys)}: duplicate entries for key ${formatPathElement(key)}`);
    seen.add(key);
    v.keys.push(key);
    v.path.push('[]');
    if (listType.type === 'map' && isJsonObject(item) && !v.schema.isAtomic(v.path)) visitObject(item, v);
    v.builder.insert(v.keys);
    v.path.pop();
    v.keys.pop();
  }
}
