/**
 * Field selectors (`?fieldSelector=`) as the API server handles them, in two layers:
 * 1. the per-kind field label conversion (`AddFieldLabelConversionFunc` in pkg/apis/<group>/<version>/
 *    conversion.go, or the default that accepts only metadata.name and metadata.namespace), which
 *    decides which fields a kind accepts and words the 400 for the others;
 * 2. the per-kind selectable fields (`ToSelectableFields` in the registry strategies), which give the
 *    value each accepted field has on an object. An accepted field the strategy never sets reads "".
 * Pure: no I/O, no logging.
 */

import { SelectorError } from './label-selector.ts';
import type { KubeObject, ResourceType } from './types.ts';

export type FieldOperator = '=' | '==' | '!=';

export interface FieldRequirement {
  /** The canonical field (aliases such as a Pod's `spec.host` are rewritten). */
  readonly field: string;
  readonly operator: FieldOperator;
  readonly value: string;
}

/** A compiled field selector; call it (or its `matches`) with an object. */
export interface FieldSelector {
  (obj: KubeObject): boolean;
  /** Requirements in Kubernetes' order (terms sorted as strings). */
  readonly requirements: readonly FieldRequirement[];
  /** True when the selector restricts nothing. */
  readonly empty: boolean;
  matches(obj: KubeObject): boolean;
  toString(): string;
}

export interface FieldSelectorOptions {
  /**
   * For a custom resource: the JSON paths of the CRD version's `selectableFields`
   * (e.g. `.spec.color`); they become accepted fields.
   */
  readonly selectableFields?: readonly string[];
}

type Getter = (obj: KubeObject) => string;

interface KindFields {
  /** Accepted label → canonical label. */
  readonly accepted: ReadonlyMap<string, string>;
  /** Canonical label → value on an object; a missing entry reads "". */
  readonly values: ReadonlyMap<string, Getter>;
  readonly reject: (label: string) => string;
}

type Obj = Record<string, unknown>;

function rec(v: unknown): Obj | undefined {
  return v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as Obj) : undefined;
}

function scalar(v: unknown): string {
  if (typeof v === 'string') return v;
  if (typeof v === 'number' || typeof v === 'boolean') return String(v);
  return '';
}

/** The value at a dotted path, stringified as a field selector sees it. */
function pathValue(root: unknown, path: readonly string[]): string {
  let cur: unknown = root;
  for (const p of path) {
    const o = rec(cur);
    if (o === undefined) return '';
    cur = o[p];
  }
  return scalar(cur);
}

function at(...path: string[]): Getter {
  return (obj) => pathValue(obj, path);
}

const metaName: Getter = (obj) => obj.metadata.name ?? '';
const metaNamespace: Getter = (obj) => obj.metadata.namespace ?? '';

const notSupported = (label: string): string => `field label not supported: ${label}`;
const defaultReject = (label: string): string =>
  `"${label}" is not a known field selector: only "metadata.name", "metadata.namespace"`;

function kindFields(
  namespaced: boolean,
  fields: Record<string, Getter>,
  reject: (label: string) => string = notSupported,
  aliases: Record<string, string> = {},
): KindFields {
  const accepted = new Map<string, string>([['metadata.name', 'metadata.name']]);
  const values = new Map<string, Getter>([['metadata.name', metaName]]);
  if (namespaced) {
    accepted.set('metadata.namespace', 'metadata.namespace');
    values.set('metadata.namespace', metaNamespace);
  }
  for (const [label, get] of Object.entries(fields)) {
    accepted.set(label, label);
    values.set(label, get);
  }
  for (const [alias, canonical] of Object.entries(aliases)) accepted.set(alias, canonical);
  return { accepted, values, reject };
}

const firstPodIP: Getter = (pod) => {
  const status = rec(pod.status);
  const ips = status?.podIPs;
  if (Array.isArray(ips) && ips.length > 0) return scalar(rec(ips[0])?.ip);
  return scalar(status?.podIP);
};

/** Core v1 Events and events.k8s.io/v1 Events share storage; read either wire shape. */
function involved(field: string): Getter {
  return (ev) => {
    const v = pathValue(ev, ['involvedObject', field]);
    return v !== '' ? v : pathValue(ev, ['regarding', field]);
  };
}

const reportingComponent: Getter = (ev) => scalar(ev.reportingComponent) || scalar(ev.reportingController);
const eventSource: Getter = (ev) => pathValue(ev, ['source', 'component']) || reportingComponent(ev);

const EVENT_FIELDS: Record<string, Getter> = {
  'involvedObject.kind': involved('kind'),
  'involvedObject.namespace': involved('namespace'),
  'involvedObject.name': involved('name'),
  'involvedObject.uid': involved('uid'),
  'involvedObject.apiVersion': involved('apiVersion'),
  'involvedObject.resourceVersion': involved('resourceVersion'),
  'involvedObject.fieldPath': involved('fieldPath'),
  reason: at('reason'),
  reportingComponent,
  source: eventSource,
  type: at('type'),
};

const BUILTIN: ReadonlyMap<string, KindFields> = new Map<string, KindFields>([
  [
    '/Pod',
    kindFields(
      true,
      {
        'spec.nodeName': at('spec', 'nodeName'),
        'spec.restartPolicy': at('spec', 'restartPolicy'),
        'spec.schedulerName': at('spec', 'schedulerName'),
        'spec.serviceAccountName': at('spec', 'serviceAccountName'),
        'spec.hostNetwork': (pod) => String(rec(pod.spec)?.hostNetwork === true),
        'status.phase': at('status', 'phase'),
        'status.podIP': firstPodIP,
        'status.podIPs': () => '',
        'status.nominatedNodeName': at('status', 'nominatedNodeName'),
      },
      notSupported,
      { 'spec.host': 'spec.nodeName' },
    ),
  ],
  ['/Node', kindFields(false, { 'spec.unschedulable': (node) => String(rec(node.spec)?.unschedulable === true) })],
  ['/Namespace', kindFields(false, { 'status.phase': at('status', 'phase') })],
  ['/Secret', kindFields(true, { type: at('type') })],
  ['/ReplicationController', kindFields(true, { 'status.replicas': (rc) => String(Number(rec(rc.status)?.replicas ?? 0)) })],
  ['/Event', kindFields(true, EVENT_FIELDS)],
  [
    'events.k8s.io/Event',
    {
      ...kindFields(true, { reason: at('reason'), type: at('type') }),
      accepted: new Map<string, string>([
        ['metadata.name', 'metadata.name'],
        ['metadata.namespace', 'metadata.namespace'],
        ['reason', 'reason'],
        ['type', 'type'],
        ['regarding.kind', 'involvedObject.kind'],
        ['regarding.namespace', 'involvedObject.namespace'],
        ['regarding.name', 'involvedObject.name'],
        ['regarding.uid', 'involvedObject.uid'],
        ['regarding.apiVersion', 'involvedObject.apiVersion'],
        ['regarding.resourceVersion', 'involvedObject.resourceVersion'],
        ['regarding.fieldPath', 'involvedObject.fieldPath'],
        ['reportingController', 'reportingComponent'],
      ]),
      values: new Map<string, Getter>([
        ['metadata.name', metaName],
        ['metadata.namespace', metaNamespace],
        ...Object.entries(EVENT_FIELDS),
      ]),
    },
  ],
  [
    '/Service',
    // Newer servers also accept spec.clusterIP and spec.type; any other field gets the default message.
    kindFields(true, { 'spec.clusterIP': at('spec', 'clusterIP'), 'spec.type': at('spec', 'type') }, defaultReject),
  ],
  [
    'batch/Job',
    kindFields(
      true,
      { 'status.successful': (job) => String(Number(rec(job.status)?.succeeded ?? 0)) },
      (label) => `field label "${label}" not supported for batchv1.Job`,
    ),
  ],
  ['certificates.k8s.io/CertificateSigningRequest', kindFields(false, { 'spec.signerName': at('spec', 'signerName') })],
]);

/** Kinds with no registered conversion: `runtime.DefaultMetaV1FieldSelectorConversion`. */
const DEFAULT_FIELDS: KindFields = kindFields(true, {}, defaultReject);

function fieldsFor(type: Pick<ResourceType, 'group' | 'kind' | 'namespaced' | 'custom'>, options: FieldSelectorOptions): KindFields {
  if (type.custom) {
    const extra: Record<string, Getter> = {};
    for (const p of options.selectableFields ?? []) {
      const label = p.startsWith('.') ? p.slice(1) : p;
      extra[label] = at(...label.split('.'));
    }
    return kindFields(type.namespaced, extra);
  }
  return BUILTIN.get(`${type.group}/${type.kind}`) ?? DEFAULT_FIELDS;
}

// ---------------------------------------------------------------------------
// Syntax (k8s.io/apimachinery/pkg/fields)
// ---------------------------------------------------------------------------

/** Splits on commas not escaped by a backslash. */
function splitTerms(s: string): string[] {
  const terms: string[] = [];
  let start = 0;
  let inSlash = false;
  for (let i = 0; i < s.length; i++) {
    const c = s[i];
    if (inSlash) inSlash = false;
    else if (c === '\\') inSlash = true;
    else if (c === ',') {
      terms.push(s.slice(start, i));
      start = i + 1;
    }
  }
  terms.push(s.slice(start));
  return terms;
}

const OPERATORS: readonly FieldOperator[] = ['!=', '==', '='];

function splitTerm(term: string): [string, FieldOperator, string] | undefined {
  for (let i = 0; i < term.length; i++) {
    for (const op of OPERATORS) {
      if (term.startsWith(op, i)) return [term.slice(0, i), op, term.slice(i + op.length)];
    }
  }
  return undefined;
}

function unescapeValue(s: string): string {
  if (!/[\\,=]/.test(s)) return s;
  let out = '';
  let inSlash = false;
  for (const c of s) {
    if (inSlash) {
      if (c === '\\' || c === ',' || c === '=') {
        out += c;
        inSlash = false;
        continue;
      }
      throw new SelectorError(`invalid field selector: invalid escape sequence: \\${c}`);
    }
    if (c === '\\') inSlash = true;
    else if (c === ',' || c === '=') {
      // Go prints the rune with %v, i.e. its code point.
      throw new SelectorError(`invalid field selector: unescaped character in value: ${c.codePointAt(0) ?? 0}`);
    } else out += c;
  }
  if (inSlash) throw new SelectorError('invalid field selector: invalid escape sequence: \\');
  return out;
}

function escapeValue(s: string): string {
  return s.replace(/[\\,=]/g, (c) => `\\${c}`);
}

function selector(requirements: readonly FieldRequirement[], test: (obj: KubeObject) => boolean, text: string): FieldSelector {
  return Object.assign((obj: KubeObject) => test(obj), { requirements, empty: requirements.length === 0, matches: test, toString: () => text });
}

const EVERYTHING: FieldSelector = selector([], () => true, '');

/** The kind a field selector applies to: a served type, or just its kind name (built-in kinds only). */
export type FieldSelectorTarget = Pick<ResourceType, 'group' | 'kind' | 'namespaced' | 'custom'> | string;

function resolveTarget(target: FieldSelectorTarget): Pick<ResourceType, 'group' | 'kind' | 'namespaced' | 'custom'> {
  if (typeof target !== 'string') return target;
  const group = BUILTIN_GROUP_OF_KIND.get(target) ?? '';
  return { group, kind: target, namespaced: true, custom: false };
}

const BUILTIN_GROUP_OF_KIND: ReadonlyMap<string, string> = new Map([
  ['Job', 'batch'],
  ['CertificateSigningRequest', 'certificates.k8s.io'],
]);

/**
 * Parses a `fieldSelector` query value (`metadata.name=web,status.phase!=Running`) for a kind.
 * Pass the `ResourceType` (a bare kind name cannot tell a custom resource from a built-in kind, nor
 * core Events from events.k8s.io ones). Throws a `SelectorError` with the API server's message for
 * bad syntax or an unsupported field: `field label not supported: spec.foo` for kinds that register
 * their fields (Pod, Node, Namespace, Secret, Event, ReplicationController, custom resources…), and
 * `"spec.foo" is not a known field selector: only "metadata.name", "metadata.namespace"` for the
 * others (ConfigMap, Deployment, …).
 */
export function parseFieldSelector(target: FieldSelectorTarget, text: string, options: FieldSelectorOptions = {}): FieldSelector {
  if (text.length === 0) return EVERYTHING;
  const type = resolveTarget(target);
  const parts = splitTerms(text).sort();
  const raw: { field: string; operator: FieldOperator; value: string }[] = [];
  for (const part of parts) {
    if (part === '') continue;
    const split = splitTerm(part);
    if (split === undefined) throw new SelectorError(`invalid selector: '${text}'; can't understand '${part}'`);
    const [field, operator, rhs] = split;
    raw.push({ field, operator, value: unescapeValue(rhs) });
  }
  if (raw.length === 0) return EVERYTHING;
  const kind = fieldsFor(type, options);
  const requirements: FieldRequirement[] = [];
  const tests: ((obj: KubeObject) => boolean)[] = [];
  for (const r of raw) {
    const canonical = kind.accepted.get(r.field);
    if (canonical === undefined) throw new SelectorError(kind.reject(r.field));
    requirements.push({ field: canonical, operator: r.operator, value: r.value });
    const get = kind.values.get(canonical) ?? ((): string => '');
    const want = r.value;
    tests.push(r.operator === '!=' ? (obj) => get(obj) !== want : (obj) => get(obj) === want);
  }
  const test =
    tests.length === 1
      ? tests[0]
      : (obj: KubeObject): boolean => {
          for (const t of tests) if (!t(obj)) return false;
          return true;
        };
  return selector(requirements, test, requirements.map((r) => `${r.field}${r.operator}${escapeValue(r.value)}`).join(','));
}
