/**
 * Turns JSON-schema validation errors (ajv's shape, which both the built-in Kubernetes schemas and
 * the CRD schemas produce) into one message per field: `spec.replicas: must be an integer, got
 * string "two"`. Values of Secrets are never quoted.
 */
import type { ErrorObject } from 'ajv';

/** One way an object does not fit its schema: the field (JSON pointer tokens) and what is wrong. */
export interface SchemaIssue {
  path: Array<string | number>;
  message: string;
}

export interface DescribeIssuesOptions {
  /** The object holds secret values (a Secret): say what is wrong, never what was written. */
  sensitive?: boolean;
}

/** `spec.template.spec.containers[0].ports[0].portz`, `metadata.labels["app.kubernetes.io/name"]`; `(the object)` for the root. */
export function formatFieldPath(path: ReadonlyArray<string | number>): string {
  if (path.length === 0) return '(the object)';
  let text = '';
  for (const segment of path) {
    if (typeof segment === 'number') text += `[${segment}]`;
    else if (/^[A-Za-z_$][\w$-]*$/.test(segment)) text += text === '' ? segment : `.${segment}`;
    else text += `[${JSON.stringify(segment)}]`;
  }
  return text;
}

/**
 * The issues that `errors` describe in `data`, one per field and kind of problem, in the order of
 * the errors. Alternatives (`oneOf`, `anyOf`: an int-or-string) read as one message.
 */
export function describeIssues(errors: readonly ErrorObject[], data: unknown, options: DescribeIssuesOptions = {}): SchemaIssue[] {
  const byPath = new Map<string, ErrorObject[]>();
  for (const error of errors) {
    const at = error.keyword === 'required' || error.keyword === 'additionalProperties' ? childPointer(error) : error.instancePath;
    const list = byPath.get(at) ?? [];
    list.push(error);
    byPath.set(at, list);
  }
  const issues: SchemaIssue[] = [];
  for (const [pointer, list] of byPath) {
    const path = pathOf(pointer, data);
    const value = valueAt(data, path);
    const got = options.sensitive ? '' : `, got ${describeValue(value)}`;
    const keywords = new Set(list.map((e) => e.keyword));
    const messages: string[] = [];
    if (keywords.has('required')) messages.push('is required');
    if (keywords.has('additionalProperties')) messages.push('unknown field');
    const types = [...new Set(list.filter((e) => e.keyword === 'type').flatMap((e) => [e.params.type as string | string[]].flat()))].filter((t) => t !== 'null');
    const alternatives = keywords.has('oneOf') || keywords.has('anyOf');
    // the errors of the checks after a type matched (an enum, a format); of alternatives, those of
    // the one whose type matched (an int-or-string "lots" is a string in the wrong format)
    const specific = list.filter((e) => !['required', 'additionalProperties', 'type', 'oneOf', 'anyOf', 'if'].includes(e.keyword));
    if (types.length > 0 && !(alternatives && specific.length > 0)) messages.push(`must be ${types.map(typeName).join(' or ')}${got}`);
    const allowed = [...new Set(specific.filter((e) => e.keyword === 'enum').flatMap((e) => e.params.allowedValues as unknown[]))];
    if (allowed.length > 0) messages.push(`must be one of ${allowed.map((v) => (typeof v === 'string' ? v : JSON.stringify(v))).join(', ')}${got}`);
    for (const error of specific) {
      if (error.keyword === 'enum') continue;
      messages.push(error.keyword === 'format' ? formatMessage(String(error.params.format), got) : `${error.message ?? `fails the schema's ${error.keyword} rule`}${got}`);
    }
    if (messages.length === 0 && alternatives) messages.push(`does not match any form the schema allows${got}`);
    for (const message of new Set(messages)) issues.push({ path, message });
  }
  return issues;
}

/** The pointer of the field a `required` or `additionalProperties` error is about. */
function childPointer(error: ErrorObject): string {
  const name = String(error.keyword === 'required' ? error.params.missingProperty : error.params.additionalProperty);
  return `${error.instancePath}/${name.replace(/~/g, '~0').replace(/\//g, '~1')}`;
}

/** Pointer tokens, with the indexes of lists as numbers (a numeric key of a mapping stays a string). */
function pathOf(pointer: string, data: unknown): Array<string | number> {
  if (pointer === '') return [];
  const path: Array<string | number> = [];
  let current = data;
  for (const raw of pointer.slice(1).split('/')) {
    const token = raw.replace(/~1/g, '/').replace(/~0/g, '~');
    const segment = Array.isArray(current) && /^\d+$/.test(token) ? Number(token) : token;
    path.push(segment);
    current = current !== null && typeof current === 'object' ? (current as Record<string, unknown>)[segment] : undefined;
  }
  return path;
}

function valueAt(data: unknown, path: ReadonlyArray<string | number>): unknown {
  let current = data;
  for (const segment of path) current = current !== null && typeof current === 'object' ? (current as Record<string | number, unknown>)[segment] : undefined;
  return current;
}

function typeName(type: string): string {
  return type === 'integer' ? 'an integer' : type === 'object' ? 'a mapping' : type === 'array' ? 'a list' : `a ${type}`;
}

function describeValue(value: unknown): string {
  if (value === undefined) return 'nothing';
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'object') return 'a mapping';
  if (typeof value === 'string') return `string ${JSON.stringify(value.length > 60 ? `${value.slice(0, 57)}...` : value)}`;
  return `${typeof value} ${String(value)}`;
}

const formats: Record<string, string> = {
  int32: 'must be a whole number between -2147483648 and 2147483647',
  int64: 'must be a whole number that fits in 64 bits',
  quantity: 'must be a quantity such as 500m, 2 or 1Gi',
  'date-time': 'must be a date and time such as 2024-01-31T12:00:00Z',
  byte: 'must be base64-encoded',
};

function formatMessage(format: string, got: string): string {
  return `${formats[format] ?? `must be in the format ${format}`}${got}`;
}
