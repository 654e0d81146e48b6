// Walks a YAML or JSON document the way sops walks its tree: map values get the key appended to the
// path, list items keep their list's path, null values are skipped, comments belong to the
// innermost collection around them. The top-level `sops` key is never walked.
import { isAlias, isMap, isScalar, isSeq, visit, type Document, type Node, type Scalar, type YAMLMap, type YAMLSeq } from 'yaml';
import type { PlainValue } from './cipher.ts';
import type { JsonNode } from './json-tree.ts';

export interface TreeVisitor {
  /** A non-null scalar at `path`; `set` replaces it. */
  leaf(path: readonly string[], value: PlainValue, set: (next: PlainValue) => void): void;
  /** One comment line (the text after `#`) inside the collection at `path`; returns its replacement. */
  comment?(path: readonly string[], text: string): string;
}

/** A document sops cannot represent (a top-level list, a non-string key); the message names the key path only. */
export class TreeShapeError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'TreeShapeError';
  }
}

export const METADATA_KEY = 'sops';

/** Replaces aliases by copies of what they point to (sops writes documents without anchors). */
export function expandAliases(doc: Document): void {
  let found = false;
  visit(doc, {
    Alias(_key, node) {
      found = true;
      const target = node.resolve(doc);
      if (!target) throw new TreeShapeError(`has an alias *${node.source} without its anchor`);
      return target.clone() as Node;
    },
  });
  if (!found) return;
  visit(doc, {
    Node(_key, node) {
      if ('anchor' in node) delete (node as { anchor?: string }).anchor;
    },
  });
}

export function walkYamlDocument(doc: Document, visitor: TreeVisitor): void {
  const root = doc.contents;
  onComments(doc, [], visitor);
  if (root === null || root === undefined) return;
  if (isScalar(root) && (root.value === null || root.value === undefined)) return;
  if (!isMap(root)) throw new TreeShapeError('is a YAML document that is not a map (sops supports only maps at the top level)');
  walkMap(root, [], visitor, true);
}

function walkMap(map: YAMLMap, path: string[], visitor: TreeVisitor, top = false): void {
  onComments(map, path, visitor);
  for (const pair of map.items) {
    const keyNode = pair.key as Node | null;
    if (!isScalar(keyNode) || (keyNode.value !== null && typeof keyNode.value === 'object')) {
      throw new TreeShapeError(`has a non-scalar key under ${describe(path)}`);
    }
    const key = String(keyNode.value);
    if (top && key === METADATA_KEY) continue;
    onComments(keyNode, path, visitor);
    walkValue(pair.value as Node | null, path, [...path, key], visitor);
  }
}

function walkSeq(seq: YAMLSeq, path: string[], visitor: TreeVisitor): void {
  onComments(seq, path, visitor);
  for (const item of seq.items) walkValue(item as Node | null, path, path, visitor);
}

function walkValue(node: Node | null, parentPath: string[], path: string[], visitor: TreeVisitor): void {
  if (node === null || node === undefined) return;
  if (isMap(node)) return walkMap(node, path, visitor);
  if (isSeq(node)) return walkSeq(node, path, visitor);
  if (isAlias(node)) throw new TreeShapeError(`has an unresolved alias at ${describe(path)}`);
  if (!isScalar(node)) throw new TreeShapeError(`has an unsupported node at ${describe(path)}`);
  onComments(node, parentPath, visitor);
  const value = yamlScalarValue(node);
  if (value === null) return;
  visitor.leaf(path, value, (next) => setYamlScalar(node, next));
}

function onComments(node: { commentBefore?: string | null; comment?: string | null }, path: readonly string[], visitor: TreeVisitor): void {
  const fn = visitor.comment;
  if (!fn) return;
  const map = (text: string | null | undefined): string | null | undefined =>
    text ? text.split('\n').map((line) => (line === '' ? line : fn.call(visitor, path, line))).join('\n') : text;
  if (node.commentBefore) node.commentBefore = map(node.commentBefore);
  if (node.comment) node.comment = map(node.comment);
}

/** The value of a scalar typed as yaml.v3 decodes it for sops (null when sops skips it). */
export function yamlScalarValue(node: Scalar): PlainValue | null {
  const v = node.value;
  if (v === null || v === undefined) return null;
  if (typeof v === 'boolean') return { type: 'bool', value: v };
  if (typeof v === 'bigint') return { type: 'int', value: Number(v) };
  if (typeof v === 'number') {
    const source = typeof node.source === 'string' ? node.source : undefined;
    const isInt =
      node.format === 'HEX' || node.format === 'OCT' || (source === undefined ? Number.isInteger(v) : /^[-+]?[0-9]+$/.test(source));
    return { type: isInt ? 'int' : 'float', value: v };
  }
  return { type: 'str', value: typeof v === 'string' ? v : String(v) };
}

function setYamlScalar(node: Scalar, next: PlainValue): void {
  node.value = next.value;
  node.type = undefined;
  node.format = undefined;
  node.minFractionDigits = undefined;
  node.tag = undefined;
  delete (node as { source?: unknown }).source;
}

export function walkJsonTree(root: JsonNode, visitor: TreeVisitor): void {
  if (root.t !== 'object') throw new TreeShapeError('is a JSON document that is not an object (sops supports only objects at the top level)');
  walkJsonObject(root, [], visitor, true);
}

function walkJsonObject(node: Extract<JsonNode, { t: 'object' }>, path: string[], visitor: TreeVisitor, top = false): void {
  for (const entry of node.entries) {
    if (top && entry[0] === METADATA_KEY) continue;
    walkJsonValue(entry[1], [...path, entry[0]], visitor, (next) => {
      entry[1] = next;
    });
  }
}

function walkJsonValue(node: JsonNode, path: string[], visitor: TreeVisitor, replace: (next: JsonNode) => void): void {
  switch (node.t) {
    case 'object':
      return walkJsonObject(node, path, visitor);
    case 'array':
      node.items.forEach((item, i) =>
        walkJsonValue(item, path, visitor, (next) => {
          node.items[i] = next;
        }),
      );
      return;
    case 'null':
      return;
    case 'string':
      return visitor.leaf(path, { type: 'str', value: node.v }, (next) => replace(jsonNodeOf(next)));
    case 'number':
      // sops' JSON store decodes every number as a float64.
      return visitor.leaf(path, { type: 'float', value: node.v }, (next) => replace(jsonNodeOf(next)));
    case 'bool':
      return visitor.leaf(path, { type: 'bool', value: node.v }, (next) => replace(jsonNodeOf(next)));
  }
}

function jsonNodeOf(value: PlainValue): JsonNode {
  switch (value.type) {
    case 'str':
    case 'comment':
      return { t: 'string', v: value.value };
    case 'int':
    case 'float':
      return { t: 'number', v: value.value };
    case 'bool':
      return { t: 'bool', v: value.value };
  }
}

export function describe(path: readonly string[]): string {
  return path.length === 0 ? 'the top level' : `"${path.join('.')}"`;
}
