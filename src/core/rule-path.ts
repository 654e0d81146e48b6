/**
 * The path language of custom health rules: dotted field names, each optionally followed by
 * selectors in brackets.
 *
 *   status.phase                               a field
 *   status.conditions[type=Synced].status      the first list item whose `type` is `Synced`
 *   status.conditions[0].reason                a list item by index
 *   metadata.annotations["example.com/state"]  a key that contains dots or slashes
 *
 * Filter values compare as text, so `[port=80]` finds `port: 80`; quote a value that contains `]`.
 * Syntax only: config checks the paths of capstan.yaml with it, health resolves them.
 */
export type RulePathStep =
  | { kind: 'key'; key: string }
  | { kind: 'index'; index: number }
  | { kind: 'filter'; key: string; value: string };

export type ParsedRulePath = { ok: true; steps: RulePathStep[] } | { ok: false; error: string };

export function parseRulePath(text: string): ParsedRulePath {
  if (text.length === 0) return { ok: false, error: 'empty path' };
  const steps: RulePathStep[] = [];
  let afterDot = true; // at the start or just after '.', a field name (or a bracket at the very start) must come
  let i = 0;
  while (i < text.length) {
    const ch = text[i];
    if (ch === '.') {
      if (afterDot) return fail(i, 'empty field name');
      afterDot = true;
      i += 1;
    } else if (ch === '[') {
      if (afterDot && steps.length > 0) return fail(i, '"[" must follow a field name, not "."');
      const close = closingBracket(text, i);
      if (close < 0) return fail(i, 'unclosed "["');
      const step = parseSelector(text.slice(i + 1, close));
      if (typeof step === 'string') return fail(i, step);
      steps.push(step);
      afterDot = false;
      i = close + 1;
    } else if (ch === ']') {
      return fail(i, 'unexpected "]"');
    } else {
      if (!afterDot) return fail(i, 'expected "." or "["');
      let end = i;
      while (end < text.length && !'.[]'.includes(text[end])) end += 1;
      const key = text.slice(i, end);
      if (/\s/.test(key)) return fail(i, `field name "${key}" contains a space (quote it: ["${key}"])`);
      steps.push({ kind: 'key', key });
      afterDot = false;
      i = end;
    }
  }
  if (afterDot) return { ok: false, error: 'path ends with "."' };
  return { ok: true, steps };
}

function fail(index: number, problem: string): ParsedRulePath {
  return { ok: false, error: `${problem} at character ${index + 1}` };
}

function closingBracket(text: string, open: number): number {
  let quote: string | undefined;
  for (let i = open + 1; i < text.length; i += 1) {
    const ch = text[i];
    if (quote) {
      if (ch === quote) quote = undefined;
    } else if (ch === '"' || ch === "'") {
      quote = ch;
    } else if (ch === ']') {
      return i;
    }
  }
  return -1;
}

function parseSelector(content: string): RulePathStep | string {
  const body = content.trim();
  if (/^\d+$/.test(body)) return { kind: 'index', index: Number(body) };
  const quoted = unquote(body);
  if (quoted !== undefined) return { kind: 'key', key: quoted };
  const filter = /^([^=\s"'[\]]+)\s*=\s*(.*)$/.exec(body);
  if (filter) {
    const value = unquote(filter[2]) ?? filter[2];
    if (filter[2] === '') return `filter "[${body}]" has no value`;
    return { kind: 'filter', key: filter[1], value };
  }
  return `invalid selector "[${content}]": expected [N], ["key"] or [field=value]`;
}

function unquote(text: string): string | undefined {
  const match = /^"([^"]*)"$/.exec(text) ?? /^'([^']*)'$/.exec(text);
  return match ? match[1] : undefined;
}

/** `{{ path }}` placeholders in a health rule's message, e.g. `{{ status.conditions[type=Synced].message }}`. */
export const rulePlaceholderPattern = /\{\{\s*([^{}]*?)\s*\}\}/g;
