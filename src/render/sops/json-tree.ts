// An order-preserving JSON tree: sops hashes values in document order, and JS objects reorder
// integer-like keys, so SOPS JSON files are parsed and written through this instead of JSON.parse.

export type JsonNode =
  | { t: 'object'; entries: [string, JsonNode][] }
  | { t: 'array'; items: JsonNode[] }
  | { t: 'string'; v: string }
  | { t: 'number'; v: number }
  | { t: 'bool'; v: boolean }
  | { t: 'null' };

/** Thrown with the offset of the problem only, never the text around it. */
export class JsonSyntaxError extends Error {
  constructor(readonly offset: number, what: string) {
    super(`${what} at offset ${offset}`);
    this.name = 'JsonSyntaxError';
  }
}

export function parseJsonTree(text: string): JsonNode {
  let i = 0;
  const ws = (): void => {
    while (i < text.length && (text[i] === ' ' || text[i] === '\t' || text[i] === '\n' || text[i] === '\r')) i++;
  };
  const value = (): JsonNode => {
    ws();
    const c = text[i];
    if (c === '{') {
      i++;
      const entries: [string, JsonNode][] = [];
      ws();
      if (text[i] === '}') {
        i++;
        return { t: 'object', entries };
      }
      for (;;) {
        ws();
        if (text[i] !== '"') throw new JsonSyntaxError(i, 'expected an object key');
        const key = string();
        ws();
        if (text[i] !== ':') throw new JsonSyntaxError(i, 'expected ":"');
        i++;
        entries.push([key, value()]);
        ws();
        if (text[i] === ',') {
          i++;
          continue;
        }
        if (text[i] === '}') {
          i++;
          return { t: 'object', entries };
        }
        throw new JsonSyntaxError(i, 'expected "," or "}"');
      }
    }
    if (c === '[') {
      i++;
      const items: JsonNode[] = [];
      ws();
      if (text[i] === ']') {
        i++;
        return { t: 'array', items };
      }
      for (;;) {
        items.push(value());
        ws();
        if (text[i] === ',') {
          i++;
          continue;
        }
        if (text[i] === ']') {
          i++;
          return { t: 'array', items };
        }
        throw new JsonSyntaxError(i, 'expected "," or "]"');
      }
    }
    if (c === '"') return { t: 'string', v: string() };
    for (const [word, node] of [['true', { t: 'bool', v: true }], ['false', { t: 'bool', v: false }], ['null', { t: 'null' }]] as const) {
      if (text.startsWith(word, i)) {
        i += word.length;
        return node;
      }
    }
    const num = /^-?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][-+]?[0-9]+)?/.exec(text.slice(i, i + 400));
    if (num) {
      i += num[0].length;
      return { t: 'number', v: Number(num[0]) };
    }
    throw new JsonSyntaxError(i, 'unexpected character');
  };
  const string = (): string => {
    const start = i;
    i++;
    while (i < text.length && text[i] !== '"') {
      if (text[i] === '\\') i++;
      i++;
    }
    if (i >= text.length) throw new JsonSyntaxError(start, 'unterminated string');
    i++;
    try {
      return JSON.parse(text.slice(start, i)) as string;
    } catch {
      throw new JsonSyntaxError(start, 'invalid string');
    }
  };
  const root = value();
  ws();
  if (i < text.length) throw new JsonSyntaxError(i, 'unexpected content after the document');
  return root;
}

/** Writes JSON as Go's `json.Indent(…, "", "\t")` of `json.Marshal` output does, with a final newline. */
export function stringifyJsonTree(node: JsonNode): string {
  return `${emit(node, '')}\n`;
}

function emit(node: JsonNode, indent: string): string {
  switch (node.t) {
    case 'object': {
      if (node.entries.length === 0) return '{}';
      const inner = `${indent}\t`;
      return `{\n${node.entries.map(([k, v]) => `${inner}${goString(k)}: ${emit(v, inner)}`).join(',\n')}\n${indent}}`;
    }
    case 'array': {
      if (node.items.length === 0) return '[]';
      const inner = `${indent}\t`;
      return `[\n${node.items.map((v) => `${inner}${emit(v, inner)}`).join(',\n')}\n${indent}]`;
    }
    case 'string':
      return goString(node.v);
    case 'number':
      return Number.isFinite(node.v) ? JSON.stringify(node.v) : 'null';
    case 'bool':
      return node.v ? 'true' : 'false';
    case 'null':
      return 'null';
  }
}

/** Go's json.Marshal escapes <, > and & and the JS line separators as well. */
function goString(s: string): string {
  return JSON.stringify(s).replace(/[<>&\u2028\u2029]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}
