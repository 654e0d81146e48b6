/**
 * How deeply a request body may nest arrays and objects. A real API server's JSON decoder refuses
 * more than 10,000 levels (`invalid character '[' exceeded max depth`) and its YAML decoder the
 * same (`yaml: exceeded max depth of 10000`). The sandbox's own code (the `yaml` parser, server-side
 * apply, `JSON.stringify`) recurses once per level on Node's fixed stack, and the first of them runs
 * out near 940 levels, so it refuses bodies deeper than `maxNestingDepth`, with the same messages,
 * before anything is decoded further or stored.
 */
import { CST, Lexer, Parser } from 'yaml';

export const maxNestingDepth = 500;

/** The bracket that opened the first array or object nested deeper than `limit` (the top level is 1), or undefined. */
export function tooDeep(value: unknown, limit = maxNestingDepth): '[' | '{' | undefined {
  const stack: [unknown, number][] = [[value, 1]];
  while (stack.length > 0) {
    const [current, depth] = stack.pop() as [unknown, number];
    if (typeof current !== 'object' || current === null) continue;
    if (depth > limit) return Array.isArray(current) ? '[' : '{';
    const children = Array.isArray(current) ? current : Object.values(current);
    for (const child of children) if (typeof child === 'object' && child !== null) stack.push([child, depth + 1]);
  }
  return undefined;
}

/**
 * Whether a YAML text nests collections deeper than `limit`, found without building it: the `yaml`
 * package composes documents recursively, and a stack overflow there can take the whole process
 * down. One pass over the tokens stops early on deep flow collections (`[[[[`) and on long runs of
 * block indicators on one line (`- - - -`), which cost two bytes a level. It also bounds the block
 * nesting by the columns where nodes start (a block collection is indented deeper than its parent,
 * or as deep for a sequence in a mapping), which settles ordinary documents; only when that bound
 * is not enough does a second pass walk the syntax tree (built without recursion) for the exact depth.
 */
export function yamlTooDeep(text: string, limit = maxNestingDepth): boolean {
  let flow = 0;
  let maxFlow = 0;
  let indicators = 0;
  let column = 0;
  let maxColumn = 0;
  let expectNode = true;
  for (const token of new Lexer().lex(text)) {
    const type = CST.tokenType(token);
    if (type === 'newline') {
      column = 0;
      indicators = 0;
      expectNode = true;
      continue;
    }
    if (type === 'flow-seq-start' || type === 'flow-map-start') {
      if (++flow > limit) return true;
      maxFlow = Math.max(maxFlow, flow);
    } else if (type === 'flow-seq-end' || type === 'flow-map-end') {
      if (flow > 0) flow--;
    }
    if (flow === 0 || type === 'flow-seq-start' || type === 'flow-map-start') {
      if (type === 'seq-item-ind' || type === 'explicit-key-ind') {
        if (++indicators > limit) return true;
        maxColumn = Math.max(maxColumn, column);
        expectNode = true;
      } else if (type === 'map-value-ind') {
        expectNode = true;
      } else if (type !== 'space' && type !== 'comment' && type !== 'doc-start' && type !== 'byte-order-mark') {
        if (expectNode) maxColumn = Math.max(maxColumn, column);
        if (type !== 'anchor' && type !== 'tag') expectNode = false;
      }
    }
    const lastBreak = token.lastIndexOf('\n');
    column = lastBreak < 0 ? column + token.length : token.length - lastBreak - 1;
  }
  if (maxFlow + 2 * (maxColumn + 1) <= limit) return false;
  for (const token of new Parser().parse(text)) {
    const stack: [CST.Token | undefined, number][] = [[token, 0]];
    while (stack.length > 0) {
      const [node, depth] = stack.pop() as [CST.Token | undefined, number];
      if (node === undefined) continue;
      if (node.type === 'document') stack.push([node.value, depth]);
      if (node.type === 'block-map' || node.type === 'block-seq' || node.type === 'flow-collection') {
        if (depth + 1 > limit) return true;
        for (const item of node.items as { key?: CST.Token | null; value?: CST.Token }[]) {
          stack.push([item.key ?? undefined, depth + 1], [item.value, depth + 1]);
        }
      }
    }
  }
  return false;
}

/**
 * A request body as the API server's decoder summarises it in an error: up to 30 bytes, as text
 * when it looks like JSON and in hex otherwise, with ` ...` when cut (apiserver's summarizeData).
 */
export function summarizeBody(body: Buffer | string): string {
  const data = typeof body === 'string' ? Buffer.from(body, 'utf8') : body;
  if (data.length === 0) return '<empty>';
  const head = data.subarray(0, 30);
  const more = data.length > 30 ? ' ...' : '';
  return data[0] === 0x7b ? head.toString('utf8') + more : head.toString('hex') + more;
}
