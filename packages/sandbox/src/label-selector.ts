/**
 * Label selectors as the API server understands them:
 * - the string form of `?labelSelector=` (k8s.io/apimachinery/pkg/labels), parsed into a matcher;
 * - the structured `LabelSelector` of workload specs (metav1.LabelSelector).
 *
 * Also home of the content checks labels depend on (qualified names, label values, DNS-1123
 * subdomains) and of Go's `%q` quoting, so that `validation.ts` reuses the exact same texts.
 * Pure: no I/O, no logging.
 */

/** Operators of a requirement, spelled as Kubernetes' `selection.Operator`. */
export type SelectorOperator = '=' | '==' | '!=' | 'in' | 'notin' | 'exists' | '!' | 'gt' | 'lt';

export interface LabelRequirement {
  readonly key: string;
  readonly operator: SelectorOperator;
  /** Sorted and de-duplicated, as Kubernetes stores them. */
  readonly values: readonly string[];
}

/** A compiled selector; call it (or its `matches`) with an object's labels. */
export interface LabelMatcher {
  (labels: Readonly<Record<string, string>> | undefined): boolean;
  /** Requirements sorted by key; all must hold. */
  readonly requirements: readonly LabelRequirement[];
  /** True when the selector restricts nothing (matches every object). */
  readonly empty: boolean;
  matches(labels: Readonly<Record<string, string>> | undefined): boolean;
  /** The canonical string form, as `labels.Selector.String()` prints it. */
  toString(): string;
}

/** `metav1.LabelSelectorRequirement` on the wire. */
export interface LabelSelectorRequirementSpec {
  key: string;
  operator: string;
  values?: string[];
}

/** `metav1.LabelSelector` on the wire. */
export interface LabelSelectorSpec {
  matchLabels?: Record<string, string>;
  matchExpressions?: LabelSelectorRequirementSpec[];
}

/** A selector the API server would reject: the HTTP layer answers 400 BadRequest with `message`. */
export class SelectorError extends Error {
  readonly reason = 'BadRequest' as const;
  constructor(message: string) {
    super(message);
    this.name = 'SelectorError';
  }
}

// ---------------------------------------------------------------------------
// Content checks shared with validation.ts (k8s.io/apimachinery/pkg/util/validation)
// ---------------------------------------------------------------------------

/** Byte length of the UTF-8 encoding, which is what Go's `len(string)` measures. */
export function utf8Length(s: string): number {
  let n = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x80) n += 1;
    else if (c < 0x800) n += 2;
    else if (c >= 0xd800 && c <= 0xdbff) {
      n += 4;
      i++;
    } else n += 3;
  }
  return n;
}

/** Kubernetes' `RegexError`: the message, examples and the regex (note the double spaces between examples). */
export function regexError(msg: string, regex: string, ...examples: string[]): string {
  if (examples.length === 0) return `${msg} (regex used for validation is '${regex}')`;
  let out = `${msg} (e.g. `;
  examples.forEach((e, i) => {
    if (i > 0) out += ' or ';
    out += `'${e}', `;
  });
  return `${out}regex used for validation is '${regex}')`;
}

export function maxLenError(length: number): string {
  return `must be no more than ${length} characters`;
}

export const EMPTY_ERROR = 'must be non-empty';

export const DNS1123_LABEL_FMT = '[a-z0-9]([-a-z0-9]*[a-z0-9])?';
export const DNS1123_SUBDOMAIN_FMT = `${DNS1123_LABEL_FMT}(\\.${DNS1123_LABEL_FMT})*`;
const dns1123SubdomainRe = new RegExp(`^${DNS1123_SUBDOMAIN_FMT}$`);
const DNS1123_SUBDOMAIN_MSG =
  "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character";

export function isDNS1123SubdomainFormat(value: string): boolean {
  return dns1123SubdomainRe.test(value);
}

/** `IsDNS1123Subdomain`: empty when valid, else the Kubernetes messages. */
export function dns1123SubdomainErrors(value: string): string[] {
  const errs: string[] = [];
  if (utf8Length(value) > 253) errs.push(maxLenError(253));
  if (!dns1123SubdomainRe.test(value)) errs.push(regexError(DNS1123_SUBDOMAIN_MSG, DNS1123_SUBDOMAIN_FMT, 'example.com'));
  return errs;
}

const QUALIFIED_NAME_FMT = '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]';
const qualifiedNameRe = new RegExp(`^${QUALIFIED_NAME_FMT}$`);
const QUALIFIED_NAME_MSG =
  "must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character";

/** `IsQualifiedName` (label keys, annotation keys, finalizers): empty when valid. */
export function qualifiedNameErrors(value: string): string[] {
  const errs: string[] = [];
  const parts = value.split('/');
  let name: string;
  if (parts.length === 1) {
    name = parts[0];
  } else if (parts.length === 2) {
    const prefix = parts[0];
    name = parts[1];
    if (prefix.length === 0) errs.push(`prefix part ${EMPTY_ERROR}`);
    else for (const m of dns1123SubdomainErrors(prefix)) errs.push(`prefix part ${m}`);
  } else {
    return [
      `a qualified name ${regexError(QUALIFIED_NAME_MSG, QUALIFIED_NAME_FMT, 'MyName', 'my.name', '123-abc')} with an optional DNS subdomain prefix and '/' (e.g. 'example.com/MyName')`,
    ];
  }
  if (name.length === 0) errs.push(`name part ${EMPTY_ERROR}`);
  else if (utf8Length(name) > 63) errs.push(`name part ${maxLenError(63)}`);
  if (!qualifiedNameRe.test(name)) errs.push(`name part ${regexError(QUALIFIED_NAME_MSG, QUALIFIED_NAME_FMT, 'MyName', 'my.name', '123-abc')}`);
  return errs;
}

const LABEL_VALUE_FMT = `(${QUALIFIED_NAME_FMT})?`;
const labelValueRe = new RegExp(`^${LABEL_VALUE_FMT}$`);
const LABEL_VALUE_MSG =
  "a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character";

/** `IsValidLabelValue`: empty when valid. */
export function labelValueErrors(value: string): string[] {
  const errs: string[] = [];
  if (utf8Length(value) > 63) errs.push(maxLenError(63));
  if (!labelValueRe.test(value)) errs.push(regexError(LABEL_VALUE_MSG, LABEL_VALUE_FMT, 'MyValue', 'my_value', '12345'));
  return errs;
}

/** Go's `strconv.Quote` (what `%q` and `%#v` print for a string). */
export function goQuote(s: string): string {
  let out = '"';
  for (const ch of s) {
    const c = ch.codePointAt(0) ?? 0;
    switch (ch) {
      case '"': out += '\\"'; break;
      case '\\': out += '\\\\'; break;
      case '\x07': out += '\\a'; break;
      case '\b': out += '\\b'; break;
      case '\f': out += '\\f'; break;
      case '\n': out += '\\n'; break;
      case '\r': out += '\\r'; break;
      case '\t': out += '\\t'; break;
      case '\v': out += '\\v'; break;
      default:
        if (c < 0x20 || c === 0x7f) out += `\\x${c.toString(16).padStart(2, '0')}`;
        else if (c >= 0x80 && c < 0xa0) out += `\\u${c.toString(16).padStart(4, '0')}`;
        else out += ch;
    }
  }
  return `${out}"`;
}

/** `field.Error.Error()`: `<field>: <body>`, where a missing path prints `<nil>` as in Go. */
function fieldError(field: string | null, body: string): string {
  return `${field ?? '<nil>'}: ${body}`;
}

/** `utilerrors.Aggregate.Error()`: one message as is, several de-duplicated inside `[...]`. */
export function aggregateMessages(messages: readonly string[]): string {
  const seen = new Set<string>();
  const unique: string[] = [];
  for (const m of messages) {
    if (!seen.has(m)) {
      seen.add(m);
      unique.push(m);
    }
  }
  if (unique.length === 1) return unique[0];
  return `[${unique.join(', ')}]`;
}

function goStringSlice(values: readonly string[] | null): string {
  if (values === null) return '[]string(nil)';
  return `[]string{${values.map(goQuote).join(', ')}}`;
}

// ---------------------------------------------------------------------------
// Requirements and matchers
// ---------------------------------------------------------------------------

const INT_RE = /^[+-]?\d+$/;

/**
 * `labels.NewRequirement`: validates key, operator and values. `path` is the field path of the
 * requirement (`null` when parsing a selector string, which Go prints as `<nil>`).
 */
function newRequirement(key: string, operator: SelectorOperator, values: string[] | null, path: string | null): LabelRequirement {
  const errs: string[] = [];
  const keyPath = path === null ? 'key' : `${path}.key`;
  const valuesPath = path === null ? 'values' : `${path}.values`;
  const keyErrs = qualifiedNameErrors(key);
  if (keyErrs.length > 0) errs.push(fieldError(keyPath, `Invalid value: ${goQuote(key)}: ${keyErrs.join('; ')}`));
  const vals = values ?? [];
  switch (operator) {
    case 'in':
    case 'notin':
      if (vals.length === 0) errs.push(fieldError(valuesPath, `Invalid value: ${goStringSlice(values)}: for 'in', 'notin' operators, values set can't be empty`));
      break;
    case '=':
    case '==':
    case '!=':
      if (vals.length !== 1) errs.push(fieldError(valuesPath, `Invalid value: ${goStringSlice(values)}: exact-match compatibility requires one single value`));
      break;
    case 'exists':
    case '!':
      if (vals.length !== 0) errs.push(fieldError(valuesPath, `Invalid value: ${goStringSlice(values)}: values set must be empty for exists and does not exist`));
      break;
    case 'gt':
    case 'lt':
      if (vals.length !== 1) errs.push(fieldError(valuesPath, `Invalid value: ${goStringSlice(values)}: for 'Gt', 'Lt' operators, exactly one value is required`));
      vals.forEach((v, i) => {
        if (!INT_RE.test(v)) errs.push(fieldError(`${valuesPath}[${i}]`, `Invalid value: ${goQuote(v)}: for 'Gt', 'Lt' operators, the value must be an integer`));
      });
      break;
  }
  vals.forEach((v, i) => {
    const valueErrs = labelValueErrors(v);
    if (valueErrs.length > 0) errs.push(fieldError(`${valuesPath}[${i}][${key}]`, `Invalid value: ${goQuote(v)}: ${valueErrs.join('; ')}`));
  });
  if (errs.length > 0) throw new SelectorError(aggregateMessages(errs));
  return { key, operator, values: vals };
}

function requirementString(r: LabelRequirement): string {
  let s = r.operator === '!' ? `!${r.key}` : r.key;
  switch (r.operator) {
    case 'exists':
    case '!':
      return s;
    case 'in': s += ' in '; break;
    case 'notin': s += ' notin '; break;
    case 'gt': s += '>'; break;
    case 'lt': s += '<'; break;
    default: s += r.operator;
  }
  const vals = r.values.length === 1 ? r.values[0] : [...r.values].sort().join(',');
  return r.operator === 'in' || r.operator === 'notin' ? `${s}(${vals})` : s + vals;
}

type LabelTest = (labels: Readonly<Record<string, string>> | undefined) => boolean;

function lookup(labels: Readonly<Record<string, string>> | undefined, key: string): string | undefined {
  return labels !== undefined && Object.hasOwn(labels, key) ? labels[key] : undefined;
}

function compileRequirement(r: LabelRequirement): LabelTest {
  const { key } = r;
  switch (r.operator) {
    case '=':
    case '==':
    case 'in': {
      if (r.values.length === 1) {
        const want = r.values[0];
        return (l) => lookup(l, key) === want;
      }
      const set = new Set(r.values);
      return (l) => {
        const v = lookup(l, key);
        return v !== undefined && set.has(v);
      };
    }
    case '!=':
    case 'notin': {
      const set = new Set(r.values);
      return (l) => {
        const v = lookup(l, key);
        return v === undefined || !set.has(v);
      };
    }
    case 'exists':
      return (l) => lookup(l, key) !== undefined;
    case '!':
      return (l) => lookup(l, key) === undefined;
    case 'gt':
    case 'lt': {
      const bound = Number(r.values[0]);
      const greater = r.operator === 'gt';
      return (l) => {
        const v = lookup(l, key);
        if (v === undefined || !INT_RE.test(v)) return false;
        const n = Number(v);
        return greater ? n > bound : n < bound;
      };
    }
  }
}

function matcher(requirements: readonly LabelRequirement[], empty: boolean, test: LabelTest, text: string): LabelMatcher {
  return Object.assign((labels: Readonly<Record<string, string>> | undefined) => test(labels), {
    requirements,
    empty,
    matches: test,
    toString: () => text,
  });
}

function makeMatcher(requirements: LabelRequirement[]): LabelMatcher {
  const sorted = [...requirements].sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  const tests = sorted.map(compileRequirement);
  const test: LabelTest =
    tests.length === 1
      ? tests[0]
      : (labels) => {
          for (const t of tests) if (!t(labels)) return false;
          return true;
        };
  return matcher(sorted, sorted.length === 0, test, sorted.map(requirementString).join(','));
}

const EVERYTHING: LabelMatcher = makeMatcher([]);

/** Matches no object; its string form is empty (`labels.Nothing()`). */
const NOTHING: LabelMatcher = matcher([], false, () => false, '');

// ---------------------------------------------------------------------------
// The string syntax: lexer and parser
// ---------------------------------------------------------------------------

type Token =
  | 'error' | 'eos' | 'closedPar' | 'comma' | 'doesNotExist' | 'doubleEquals' | 'equals'
  | 'greaterThan' | 'identifier' | 'in' | 'lessThan' | 'notEquals' | 'notIn' | 'openPar';

interface Scanned {
  tok: Token;
  lit: string;
}

const LITERAL_TOKENS: ReadonlyMap<string, Token> = new Map<string, Token>([
  [')', 'closedPar'], [',', 'comma'], ['!', 'doesNotExist'], ['==', 'doubleEquals'], ['=', 'equals'],
  ['>', 'greaterThan'], ['in', 'in'], ['<', 'lessThan'], ['!=', 'notEquals'], ['notin', 'notIn'], ['(', 'openPar'],
]);

const BINARY_OPERATORS = 'in, notin, =, ==, !=, gt, lt';

function isWhitespace(c: string): boolean {
  return c === ' ' || c === '\t' || c === '\r' || c === '\n';
}

function isSpecial(c: string): boolean {
  return c === '=' || c === '!' || c === '(' || c === ')' || c === ',' || c === '>' || c === '<';
}

function scan(s: string): Scanned[] {
  const items: Scanned[] = [];
  let pos = 0;
  for (;;) {
    while (pos < s.length && isWhitespace(s[pos])) pos++;
    if (pos >= s.length) {
      items.push({ tok: 'eos', lit: '' });
      return items;
    }
    if (isSpecial(s[pos])) {
      let buffer = '';
      let last: Scanned | undefined;
      while (pos < s.length && isSpecial(s[pos])) {
        buffer += s[pos];
        const tok = LITERAL_TOKENS.get(buffer);
        if (tok !== undefined) {
          last = { tok, lit: buffer };
          pos++;
        } else if (last !== undefined) {
          break;
        } else {
          pos++;
        }
      }
      items.push(last ?? { tok: 'error', lit: `error expected: keyword found '${buffer}'` });
      continue;
    }
    const start = pos;
    while (pos < s.length && !isSpecial(s[pos]) && !isWhitespace(s[pos])) pos++;
    const word = s.slice(start, pos);
    const tok = LITERAL_TOKENS.get(word);
    items.push({ tok: tok ?? 'identifier', lit: word });
  }
}

class Parser {
  private pos = 0;
  constructor(private readonly items: Scanned[]) {}

  /** In a values context, `in` and `notin` are plain identifiers. */
  private view(item: Scanned, values: boolean): Scanned {
    if (values && (item.tok === 'in' || item.tok === 'notIn')) return { tok: 'identifier', lit: item.lit };
    return item;
  }

  lookahead(values = true): Scanned {
    return this.view(this.items[this.pos], values);
  }

  consume(values = true): Scanned {
    return this.view(this.items[this.pos++], values);
  }

  parse(): LabelRequirement[] {
    const reqs: LabelRequirement[] = [];
    for (;;) {
      const { tok, lit } = this.lookahead();
      if (tok === 'identifier' || tok === 'doesNotExist') {
        let r: LabelRequirement;
        try {
          r = this.parseRequirement();
        } catch (e) {
          throw new SelectorError(`unable to parse requirement: ${e instanceof Error ? e.message : String(e)}`);
        }
        reqs.push(r);
        const next = this.consume();
        if (next.tok === 'eos') return reqs;
        if (next.tok === 'comma') {
          const after = this.lookahead();
          if (after.tok !== 'identifier' && after.tok !== 'doesNotExist') {
            throw new SelectorError(`found '${after.lit}', expected: identifier after ','`);
          }
          continue;
        }
        throw new SelectorError(`found '${next.lit}', expected: ',' or 'end of string'`);
      }
      if (tok === 'eos') return reqs;
      throw new SelectorError(`found '${lit}', expected: !, identifier, or 'end of string'`);
    }
  }

  private parseRequirement(): LabelRequirement {
    let operator: SelectorOperator | undefined;
    let item = this.consume();
    if (item.tok === 'doesNotExist') {
      operator = '!';
      item = this.consume();
    }
    if (item.tok !== 'identifier') throw new Error(`found '${item.lit}', expected: identifier`);
    const key = item.lit;
    const keyErrs = qualifiedNameErrors(key);
    if (keyErrs.length > 0) throw new Error(fieldError(null, `Invalid value: ${goQuote(key)}: ${keyErrs.join('; ')}`));
    const next = this.lookahead();
    if (next.tok === 'eos' || next.tok === 'comma') {
      return newRequirement(key, operator ?? 'exists', [], null);
    }
    if (operator === '!') return newRequirement(key, operator, [], null);
    operator = this.parseOperator();
    const values = operator === 'in' || operator === 'notin' ? this.parseValues() : this.parseExactValue();
    return newRequirement(key, operator, [...values].sort(), null);
  }

  private parseOperator(): SelectorOperator {
    const { tok, lit } = this.consume(false);
    switch (tok) {
      case 'in': return 'in';
      case 'equals': return '=';
      case 'doubleEquals': return '==';
      case 'greaterThan': return 'gt';
      case 'lessThan': return 'lt';
      case 'notIn': return 'notin';
      case 'notEquals': return '!=';
      default: throw new Error(`found '${lit}', expected: ${BINARY_OPERATORS}`);
    }
  }

  private parseValues(): Set<string> {
    const open = this.consume();
    if (open.tok !== 'openPar') throw new Error(`found '${open.lit}' expected: '('`);
    const { tok, lit } = this.lookahead();
    if (tok === 'identifier' || tok === 'comma') {
      const set = this.parseIdentifiersList();
      if (this.consume().tok !== 'closedPar') throw new Error(`found '${lit}', expected: ')'`);
      return set;
    }
    if (tok === 'closedPar') {
      this.consume();
      return new Set(['']);
    }
    throw new Error(`found '${lit}', expected: ',', ')' or identifier`);
  }

  private parseIdentifiersList(): Set<string> {
    const set = new Set<string>();
    for (;;) {
      const { tok, lit } = this.consume();
      if (tok === 'identifier') {
        set.add(lit);
        const next = this.lookahead();
        if (next.tok === 'comma') continue;
        if (next.tok === 'closedPar') return set;
        throw new Error(`found '${next.lit}', expected: ',' or ')'`);
      }
      if (tok === 'comma') {
        if (set.size === 0) set.add('');
        const next = this.lookahead();
        if (next.tok === 'closedPar') {
          set.add('');
          return set;
        }
        if (next.tok === 'comma') set.add('');
        continue;
      }
      throw new Error(`found '${lit}', expected: ',', or identifier`);
    }
  }

  private parseExactValue(): Set<string> {
    const next = this.lookahead();
    if (next.tok === 'eos' || next.tok === 'comma') return new Set(['']);
    const { tok, lit } = this.consume();
    if (tok === 'identifier') return new Set([lit]);
    throw new Error(`found '${lit}', expected: identifier`);
  }
}

const parseCache = new Map<string, LabelMatcher>();
const PARSE_CACHE_LIMIT = 512;

/**
 * Parses a `labelSelector` query value (`a=b,c!=d,e in (x,y),!f,g`).
 * Throws a `SelectorError` carrying the API server's message for invalid syntax.
 */
export function parseLabelSelector(selector: string): LabelMatcher {
  const cached = parseCache.get(selector);
  if (cached !== undefined) return cached;
  const matcher = makeMatcher(new Parser(scan(selector)).parse());
  if (parseCache.size >= PARSE_CACHE_LIMIT) parseCache.clear();
  parseCache.set(selector, matcher);
  return matcher;
}

// ---------------------------------------------------------------------------
// Structured LabelSelector objects
// ---------------------------------------------------------------------------

const OPERATOR_OF: Readonly<Record<string, SelectorOperator>> = {
  In: 'in',
  NotIn: 'notin',
  Exists: 'exists',
  DoesNotExist: '!',
};

function isRecord(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

/**
 * `metav1.LabelSelectorAsSelector`: `null`/`undefined` matches nothing, an empty selector matches
 * everything. Throws a `SelectorError` for an invalid operator, key or value. Accepts the selector
 * as decoded from JSON (`LabelSelectorSpec`-shaped).
 */
export function labelSelectorAsMatcher(selector: unknown): LabelMatcher {
  if (selector === null || selector === undefined) return NOTHING;
  if (!isRecord(selector)) throw new SelectorError('a label selector must be an object');
  const matchLabels = isRecord(selector.matchLabels) ? selector.matchLabels : {};
  const exprs = Array.isArray(selector.matchExpressions) ? selector.matchExpressions : [];
  const labelKeys = Object.keys(matchLabels);
  if (labelKeys.length + exprs.length === 0) return EVERYTHING;
  const reqs: LabelRequirement[] = [];
  for (const k of labelKeys) reqs.push(newRequirement(k, '=', [String(matchLabels[k])], null));
  for (const raw of exprs) {
    const e = isRecord(raw) ? raw : {};
    const op = OPERATOR_OF[String(e.operator)];
    if (op === undefined) throw new SelectorError(`${goQuote(String(e.operator ?? ''))} is not a valid label selector operator`);
    const values = Array.isArray(e.values) && e.values.length > 0 ? e.values.map(String) : null;
    reqs.push(newRequirement(String(e.key ?? ''), op, values, null));
  }
  return makeMatcher(reqs);
}

const compiledSelectors = new WeakMap<object, LabelMatcher>();

function cachedMatcher(selector: object): LabelMatcher {
  let m = compiledSelectors.get(selector);
  if (m === undefined) {
    m = labelSelectorAsMatcher(selector);
    compiledSelectors.set(selector, m);
  }
  return m;
}

/**
 * Whether `labels` satisfy a `LabelSelector` object (operators In, NotIn, Exists, DoesNotExist).
 * As in Kubernetes, a missing selector matches nothing and an empty one matches everything; an
 * invalid selector matches nothing. Compiled selectors are cached per selector object.
 */
export function matchLabelSelector(
  selector: unknown,
  labels: Readonly<Record<string, string>> | undefined,
): boolean {
  if (selector === null || typeof selector !== 'object') return false;
  let m: LabelMatcher;
  try {
    m = cachedMatcher(selector);
  } catch {
    return false;
  }
  return m.matches(labels);
}

/**
 * The string form of a `LabelSelector` (`app=web,tier in (a,b)`), as the scale subresource puts in
 * `status.selector`. Empty for a missing or empty selector. Throws a `SelectorError` when invalid.
 */
export function labelSelectorToString(selector: unknown): string {
  return labelSelectorAsMatcher(selector).toString();
}

/** `labels.FormatLabels`: `k=v` pairs sorted by key, `<none>` when empty. */
export function formatLabels(labels: Readonly<Record<string, string>> | null | undefined): string {
  if (labels === null || labels === undefined) return '<none>';
  const keys = Object.keys(labels).sort();
  if (keys.length === 0) return '<none>';
  return keys.map((k) => `${k}=${labels[k]}`).join(',');
}
