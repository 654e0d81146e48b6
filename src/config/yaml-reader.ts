/**
 * Typed reading of a parsed YAML document that remembers where every value came from, so each
 * problem is reported as `file:line:column: path: message`, and collects every problem instead of
 * stopping at the first.
 */
import { isAlias, isMap, isPair, isScalar, isSeq, LineCounter, parseDocument, type Document, type Node } from 'yaml';
import { didYouMean } from './suggest-name.ts';
import type { ConfigIssue } from './types.ts';

/** A value in the document: where it is (`path`), its node (undefined when absent) and where to point. */
export interface Slot {
  path: string;
  node: Node | undefined;
  /** What positions a report when the node is absent or empty: the key, or the enclosing mapping. */
  at: Node | undefined;
}

export interface MapOptions {
  /** Every field the mapping may have, in the order to list them. */
  fields: readonly string[];
  /** Extra advice for known mistakes: a field that belongs elsewhere, or under another name. */
  hints?: Readonly<Record<string, string>>;
}

const friendlySyntax: Record<string, string> = {
  MULTIPLE_DOCS: 'the file must hold one YAML document: remove the second "---" and what follows, or merge them',
  DUPLICATE_KEY: 'this key is already set above in the same mapping: keep one of them',
  TAB_AS_INDENT: 'tabs are not allowed as indentation in YAML: indent with spaces',
};

/** Path segment for a key: `.name` when it reads plainly, `["odd key"]` otherwise. */
export function childPath(path: string, key: string): string {
  if (/^[A-Za-z0-9_-]+$/.test(key)) return path ? `${path}.${key}` : key;
  return `${path}[${JSON.stringify(key)}]`;
}

/** How a value reads in a message: `"text"`, `1.27`, `true`, `an empty value`, `a list`, `a mapping`. */
export function describeNode(node: Node | undefined, text: string): string {
  if (node === undefined) return 'nothing';
  if (isMap(node)) return 'a mapping';
  if (isSeq(node)) return 'a list';
  if (isAlias(node)) return `an alias *${node.source}`;
  if (isScalar(node)) {
    if (node.value === null || node.value === undefined) return 'an empty value';
    if (typeof node.value === 'string') return JSON.stringify(truncate(node.value));
    const kind = typeof node.value === 'number' || typeof node.value === 'bigint' ? 'a number' : typeof node.value === 'boolean' ? 'a boolean' : 'a value';
    return `${sourceText(node, text)} (${kind})`;
  }
  return 'a value';
}

/** The value as written in the file (`1.10`, not `1.1`). */
export function sourceText(node: Node, text: string): string {
  return node.range ? text.slice(node.range[0], node.range[1]).trim() : String(isScalar(node) ? node.value : '');
}

function truncate(text: string): string {
  return text.length > 80 ? `${text.slice(0, 77)}...` : text;
}

export class YamlReader {
  readonly issues: ConfigIssue[] = [];
  readonly document: Document;
  readonly root: Slot;
  private readonly lineCounter = new LineCounter();

  constructor(
    readonly text: string,
    readonly file: string,
  ) {
    this.document = parseDocument(text, { lineCounter: this.lineCounter, prettyErrors: false, uniqueKeys: true });
    for (const error of this.document.errors) {
      const { line, col } = this.lineCounter.linePos(error.pos[0]);
      const message = friendlySyntax[error.code] ?? `YAML syntax error: ${lowerFirst(error.message)}`;
      this.issues.push({ file, line, column: col, path: '', message });
    }
    const contents = this.document.contents ?? undefined;
    this.root = { path: '', node: contents, at: contents };
  }

  /** Whether the YAML itself is broken (then its contents are not worth checking). */
  get syntaxBroken(): boolean {
    return this.document.errors.length > 0;
  }

  /** Reports a problem with a slot's value (or its absence). */
  report(slot: Slot, message: string): void {
    this.reportAt(this.offsetOf(slot), slot.path, message);
  }

  /** Reports a problem at a node itself (a key), with a path. */
  reportNode(node: Node | undefined, path: string, message: string): void {
    this.reportAt(node?.range?.[0] ?? 0, path, message);
  }

  /** A value's position: the value when it is written, else the key or mapping it belongs to. */
  positionOf(slot: Slot): { line: number; column: number } {
    const { line, col } = this.lineCounter.linePos(this.offsetOf(slot));
    return { line, column: col };
  }

  private reportAt(offset: number, path: string, message: string): void {
    const { line, col } = this.lineCounter.linePos(offset);
    this.issues.push({ file: this.file, line, column: col, path, message });
  }

  private offsetOf(slot: Slot): number {
    const node = slot.node;
    const empty = node === undefined || (isScalar(node) && (node.value === null || node.value === undefined) && node.range?.[0] === node.range?.[1]);
    return (empty ? slot.at?.range?.[0] : node.range?.[0]) ?? slot.at?.range?.[0] ?? 0;
  }

  /** The node behind aliases; an alias to no anchor is reported and reads as absent. */
  private resolve(slot: Slot): Node | undefined {
    const node = slot.node;
    if (node === undefined || !isAlias(node)) return node;
    const target = node.resolve(this.document);
    if (target === undefined) {
      this.report(slot, `alias *${node.source} refers to no anchor: define &${node.source} before using it`);
      return undefined;
    }
    return target as Node;
  }

  /** Whether a slot holds an explicit null (`key:`, `key: ~`, `key: null`). */
  isNull(slot: Slot): boolean {
    const node = slot.node;
    return isScalar(node) && (node.value === null || node.value === undefined);
  }

  /** Whether a slot holds a number or boolean scalar (written without quotes). */
  isNonString(slot: Slot): boolean {
    const node = slot.node;
    return isScalar(node) && (typeof node.value === 'number' || typeof node.value === 'boolean');
  }

  describe(slot: Slot): string {
    return describeNode(slot.node, this.text);
  }

  /** Reports a wrong type: `must be <expected>, got <what it is>`. */
  expected(slot: Slot, expected: string): void {
    this.report(slot, `must be ${expected}, got ${this.describe(slot)}`);
  }

  /**
   * The fields of a mapping by name. Unknown fields are reported (with a suggestion or the list of
   * known ones); a value that is not a mapping is reported as such and yields undefined.
   */
  fields(slot: Slot, options: MapOptions, expected = 'a mapping'): Map<string, Slot> | undefined {
    const node = this.resolve(slot);
    if (node === undefined) return undefined;
    if (!isMap(node)) {
      this.expected(slot, expected);
      return undefined;
    }
    const result = new Map<string, Slot>();
    for (const pair of node.items) {
      if (!isPair(pair)) continue;
      const keyNode = (pair.key ?? undefined) as Node | undefined;
      const key = isScalar(keyNode) ? keyNode.value : undefined;
      if (typeof key !== 'string' && typeof key !== 'number') {
        this.reportNode(keyNode ?? node, slot.path, `keys must be plain names, got ${describeNode(keyNode, this.text)}`);
        continue;
      }
      const name = String(key);
      const path = childPath(slot.path, name);
      const value = { path, node: (pair.value ?? undefined) as Node | undefined, at: keyNode };
      if (!options.fields.includes(name)) {
        const hint = options.hints?.[name];
        const advice = hint ? `${hint.startsWith('did you mean') ? ';' : ':'} ${hint}` : didYouMean(name, options.fields) || ` (known fields: ${options.fields.join(', ')})`;
        this.reportNode(keyNode, path, `unknown field${advice}`);
        continue;
      }
      result.set(name, value);
    }
    return result;
  }

  /** The entries of a mapping whose keys are names chosen by the user (no field list). */
  entries(slot: Slot, expected: string): Array<{ key: string; keyNode: Node | undefined; value: Slot }> | undefined {
    const node = this.resolve(slot);
    if (node === undefined) return undefined;
    if (!isMap(node)) {
      this.expected(slot, expected);
      return undefined;
    }
    const result: Array<{ key: string; keyNode: Node | undefined; value: Slot }> = [];
    for (const pair of node.items) {
      if (!isPair(pair)) continue;
      const keyNode = (pair.key ?? undefined) as Node | undefined;
      const raw = isScalar(keyNode) ? keyNode.value : undefined;
      if (typeof raw !== 'string' && typeof raw !== 'number') {
        this.reportNode(keyNode ?? node, slot.path, `keys must be names, got ${describeNode(keyNode, this.text)}`);
        continue;
      }
      const key = typeof raw === 'number' && keyNode ? sourceText(keyNode, this.text) : String(raw);
      result.push({ key, keyNode, value: { path: childPath(slot.path, key), node: (pair.value ?? undefined) as Node | undefined, at: keyNode } });
    }
    return result;
  }

  /** The items of a list; a value that is not a list is reported and yields undefined. */
  items(slot: Slot, expected = 'a list'): Slot[] | undefined {
    const node = this.resolve(slot);
    if (node === undefined) return undefined;
    if (!isSeq(node)) {
      this.expected(slot, expected);
      return undefined;
    }
    return node.items.map((item, i) => {
      const itemNode = item as Node;
      return { path: `${slot.path}[${i}]`, node: itemNode, at: itemNode };
    });
  }

  /** A string scalar (non-empty unless allowed); anything else is reported. */
  string(slot: Slot, expected = 'a string'): string | undefined {
    const node = this.resolve(slot);
    if (node === undefined) return undefined;
    if (!isScalar(node) || typeof node.value !== 'string') {
      const written = isScalar(node) && node.value !== null && node.value !== undefined ? sourceText(node, this.text) : undefined;
      this.report(slot, `must be ${expected}, got ${this.describe(slot)}${written === undefined ? '' : `; quote it to make it text: "${written}"`}`);
      return undefined;
    }
    if (node.value.trim() === '') {
      this.report(slot, `must be ${expected}, got an empty string`);
      return undefined;
    }
    return node.value;
  }

  boolean(slot: Slot): boolean | undefined {
    const node = this.resolve(slot);
    if (node === undefined) return undefined;
    if (!isScalar(node) || typeof node.value !== 'boolean') {
      this.expected(slot, 'true or false');
      return undefined;
    }
    return node.value;
  }

  /** A whole number at least `min`. */
  integer(slot: Slot, min: number): number | undefined {
    const node = this.resolve(slot);
    if (node === undefined) return undefined;
    if (!isScalar(node) || typeof node.value !== 'number' || !Number.isInteger(node.value) || node.value < min) {
      this.expected(slot, `a whole number of at least ${min}`);
      return undefined;
    }
    return node.value;
  }

  /** One of a few strings: `must be "auto" or "manual", got "sometimes"`. */
  oneOf<T extends string>(slot: Slot, values: readonly T[]): T | undefined {
    const node = this.resolve(slot);
    if (node === undefined) return undefined;
    if (isScalar(node) && typeof node.value === 'string' && (values as readonly string[]).includes(node.value)) return node.value as T;
    const quoted = values.map((v) => `"${v}"`);
    const list = quoted.length <= 2 ? quoted.join(' or ') : `one of ${quoted.slice(0, -1).join(', ')} or ${quoted.at(-1)}`;
    const hint = isScalar(node) && typeof node.value === 'string' ? didYouMean(node.value, values) : '';
    this.report(slot, `must be ${list}, got ${this.describe(slot)}${hint}`);
    return undefined;
  }

  /** A mapping as plain data (free-form content such as Helm values). */
  plainMap(slot: Slot, expected = 'a mapping'): Record<string, unknown> | undefined {
    const node = this.resolve(slot);
    if (node === undefined) return undefined;
    if (!isMap(node)) {
      this.expected(slot, expected);
      return undefined;
    }
    try {
      return node.toJS(this.document, { maxAliasCount: 100 }) as Record<string, unknown>;
    } catch (error) {
      this.report(slot, `cannot be read: ${error instanceof Error ? lowerFirst(error.message) : String(error)}`);
      return undefined;
    }
  }

  /**
   * The slot at `path` below `slot` (map keys and list indexes). Where the path leaves what is
   * written, the slot is absent and reports at the deepest node that exists.
   */
  descend(slot: Slot, path: ReadonlyArray<string | number>): Slot {
    let current = slot;
    for (const segment of path) {
      const node = current.node !== undefined && isAlias(current.node) ? ((current.node.resolve(this.document) ?? undefined) as Node | undefined) : current.node;
      const childAt = typeof segment === 'number' ? `${current.path}[${segment}]` : childPath(current.path, segment);
      if (typeof segment === 'number' && isSeq(node) && segment < node.items.length) {
        const item = node.items[segment] as Node;
        current = { path: childAt, node: item, at: item };
        continue;
      }
      const pair = isMap(node) ? node.items.find((p) => isScalar(p.key) && String(p.key.value) === String(segment)) : undefined;
      if (pair) {
        current = { path: childAt, node: (pair.value ?? undefined) as Node | undefined, at: (pair.key ?? undefined) as Node | undefined };
        continue;
      }
      current = { path: childAt, node: undefined, at: node ?? current.at };
    }
    return current;
  }

  /** Reports a required field that is absent: `is required: <what it is for>`. */
  require(fields: Map<string, Slot> | undefined, parent: Slot, name: string, purpose: string): Slot | undefined {
    if (fields === undefined) return undefined;
    const slot = fields.get(name);
    if (slot === undefined) this.report({ path: childPath(parent.path, name), node: undefined, at: parent.node }, `is required: ${purpose}`);
    return slot;
  }
}

function lowerFirst(text: string): string {
  return text.charAt(0).toLowerCase() + text.slice(1);
}
