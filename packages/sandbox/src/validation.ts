/**
 * Server-side validation of built-in kinds, as the API server's `Validate`/`ValidateUpdate`
 * (pkg/apis/<group>/validation and the registry strategies) reports it: Kubernetes-style causes
 * (`field`, `reason`, and the message body `field.Error.ErrorBody()` prints), and the Status message
 * of `errors.NewInvalid`.
 *
 * Bad values print as Go does for the types Kubernetes validates (`%q` for strings, `%#v` for maps,
 * label selectors, string slices), in the 1.32 wording (Go syntax, not JSON). Objects are expected to
 * be defaulted already (as the API server validates after defaulting); fields a defaulter always sets
 * are only checked when present. A secret's value never enters a message.
 * Pure: no I/O, no logging.
 */

import {
  aggregateMessages,
  DNS1123_LABEL_FMT,
  dns1123SubdomainErrors,
  goQuote,
  isDNS1123SubdomainFormat,
  labelSelectorAsMatcher,
  labelValueErrors,
  maxLenError,
  qualifiedNameErrors,
  regexError,
  utf8Length,
} from './label-selector.ts';
import type { FieldCause, KubeObject, ObjectMeta, ResourceType } from './types.ts';

type Obj = Record<string, unknown>;
type Reason = FieldCause['reason'];

// ---------------------------------------------------------------------------
// Bad values and causes (k8s.io/apimachinery/pkg/util/validation/field)
// ---------------------------------------------------------------------------

/** A bad value already rendered in Go syntax (`%#v`). */
class GoValue {
  constructor(readonly text: string) {}
}

type BadValue = string | number | boolean | null | GoValue;

function renderValue(v: BadValue): string {
  if (v instanceof GoValue) return v.text;
  if (typeof v === 'string') return goQuote(v);
  if (v === null) return 'null';
  return String(v);
}

class Causes {
  readonly list: FieldCause[] = [];

  private add(reason: Reason, field: string, message: string): void {
    this.list.push({ reason, field, message });
  }

  required(field: string, detail = ''): void {
    this.add('FieldValueRequired', field, detail ? `Required value: ${detail}` : 'Required value');
  }

  invalid(field: string, value: BadValue, detail: string): void {
    const body = `Invalid value: ${renderValue(value)}`;
    this.add('FieldValueInvalid', field, detail ? `${body}: ${detail}` : body);
  }

  forbidden(field: string, detail: string): void {
    this.add('FieldValueForbidden', field, detail ? `Forbidden: ${detail}` : 'Forbidden');
  }

  notSupported(field: string, value: BadValue, valid: readonly string[]): void {
    const detail = valid.length > 0 ? `: supported values: ${valid.map(goQuote).join(', ')}` : '';
    this.add('FieldValueNotSupported', field, `Unsupported value: ${renderValue(value)}${detail}`);
  }

  duplicate(field: string, value: BadValue): void {
    this.add('FieldValueDuplicate', field, `Duplicate value: ${renderValue(value)}`);
  }

  tooLong(field: string, max: number): void {
    this.add('FieldValueTooLong', field, `Too long: may not be more than ${max} bytes`);
  }

  immutable(field: string, value: BadValue): void {
    this.invalid(field, value, 'field is immutable');
  }
}

/** The qualified kind of messages: `Deployment.apps`, `Service`. */
export function qualifiedKind(type: Pick<ResourceType, 'kind' | 'group'>): string {
  return type.group ? `${type.kind}.${type.group}` : type.kind;
}

/**
 * The message of the 422 Invalid Status (`errors.NewInvalid`): `Deployment.apps "web" is invalid: <cause>`,
 * several causes as `[<cause>, <cause>]` (duplicates dropped), each `<field>: <message>`.
 * `kind` is the qualified kind (`Deployment.apps`) or the type it comes from.
 */
export function formatInvalidMessage(kind: string | Pick<ResourceType, 'kind' | 'group'>, name: string, causes: FieldCause[]): string {
  const qualified = typeof kind === 'string' ? kind : qualifiedKind(kind);
  const head = `${qualified} ${goQuote(name)} is invalid`;
  if (causes.length === 0) return head;
  return `${head}: ${aggregateMessages(causes.map((c) => `${c.field}: ${c.message}`))}`;
}

// ---------------------------------------------------------------------------
// Go renderings of the values Kubernetes puts in messages
// ---------------------------------------------------------------------------

function rec(v: unknown): Obj | undefined {
  return v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as Obj) : undefined;
}

function list(v: unknown): unknown[] {
  return Array.isArray(v) ? v : [];
}

function str(v: unknown): string {
  return typeof v === 'string' ? v : '';
}

function stringMap(v: unknown): Record<string, string> | undefined {
  const m = rec(v);
  if (m === undefined) return undefined;
  const out: Record<string, string> = {};
  for (const [k, val] of Object.entries(m)) out[k] = String(val);
  return out;
}

function isSet(o: Obj | undefined, key: string): boolean {
  return o !== undefined && o[key] !== undefined && o[key] !== null;
}

function goStringMap(v: unknown): string {
  const m = rec(v);
  if (m === undefined) return 'map[string]string(nil)';
  const keys = Object.keys(m).sort();
  return `map[string]string{${keys.map((k) => `${goQuote(k)}:${goQuote(String(m[k]))}`).join(', ')}}`;
}

function goStrings(v: unknown): string {
  if (!Array.isArray(v)) return '[]string(nil)';
  return `[]string{${v.map((x) => goQuote(String(x))).join(', ')}}`;
}

/** `%#v` of a `metav1.LabelSelector` (pointers are dereferenced by field.Error). */
function goLabelSelector(v: unknown): GoValue {
  const s = rec(v);
  if (s === undefined) return new GoValue('null');
  const exprs = s.matchExpressions;
  let exprText: string;
  if (!Array.isArray(exprs)) exprText = '[]v1.LabelSelectorRequirement(nil)';
  else {
    exprText = `[]v1.LabelSelectorRequirement{${exprs
      .map((e) => {
        const r = rec(e) ?? {};
        return `v1.LabelSelectorRequirement{Key:${goQuote(str(r.key))}, Operator:${goQuote(str(r.operator))}, Values:${goStrings(r.values)}}`;
      })
      .join(', ')}}`;
  }
  return new GoValue(`v1.LabelSelector{MatchLabels:${goStringMap(s.matchLabels)}, MatchExpressions:${exprText}}`);
}

/** A compact Go-like rendering of an arbitrary decoded value (used in spec diffs). */
function goLike(v: unknown): string {
  if (v === undefined || v === null) return 'nil';
  if (typeof v === 'string') return goQuote(v);
  if (typeof v === 'number' || typeof v === 'boolean') return String(v);
  if (Array.isArray(v)) return `{${v.map(goLike).join(', ')}}`;
  const o = v as Obj;
  return `{${Object.keys(o)
    .map((k) => `${goFieldName(k)}: ${goLike(o[k])}`)
    .join(', ')}}`;
}

function goFieldName(jsonName: string): string {
  return jsonName.charAt(0).toUpperCase() + jsonName.slice(1);
}

/** A short cmp.Diff-style rendering of the top-level fields that differ between two specs. */
function specDiff(typeName: string, oldSpec: Obj, newSpec: Obj): string {
  const keys = [...new Set([...Object.keys(oldSpec), ...Object.keys(newSpec)])].filter((k) => oldSpec[k] !== undefined || newSpec[k] !== undefined);
  const lines = [`  ${typeName}{`];
  let same = 0;
  for (const k of keys) {
    if (looseEqual(oldSpec[k], newSpec[k])) {
      same++;
      continue;
    }
    if (same > 0) lines.push(`  \t... // ${same} identical ${same === 1 ? 'field' : 'fields'}`);
    same = 0;
    if (oldSpec[k] !== undefined) lines.push(`- \t${goFieldName(k)}: ${goLike(oldSpec[k])},`);
    if (newSpec[k] !== undefined) lines.push(`+ \t${goFieldName(k)}: ${goLike(newSpec[k])},`);
  }
  if (same > 0) lines.push(`  \t... // ${same} identical ${same === 1 ? 'field' : 'fields'}`);
  lines.push('  }');
  return `${lines.join('\n')}\n`;
}

/** `equality.Semantic.DeepEqual` on decoded JSON: a missing value equals an empty list or map. */
function looseEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  const emptyA = isEmptyish(a);
  const emptyB = isEmptyish(b);
  if (emptyA || emptyB) return emptyA && emptyB;
  if (Array.isArray(a) || Array.isArray(b)) {
    if (!Array.isArray(a) || !Array.isArray(b) || a.length !== b.length) return false;
    return a.every((x, i) => looseEqual(x, b[i]));
  }
  const oa = rec(a);
  const ob = rec(b);
  if (oa === undefined || ob === undefined) return false;
  const keys = new Set([...Object.keys(oa), ...Object.keys(ob)]);
  for (const k of keys) if (!looseEqual(oa[k], ob[k])) return false;
  return true;
}

function isEmptyish(v: unknown): boolean {
  if (v === undefined || v === null) return true;
  if (Array.isArray(v)) return v.length === 0;
  const o = rec(v);
  return o !== undefined && Object.keys(o).length === 0;
}

// ---------------------------------------------------------------------------
// Names (k8s.io/apimachinery/pkg/api/validation, util/validation, path)
// ---------------------------------------------------------------------------

type NameFn = (name: string, prefix: boolean, obj: KubeObject) => string[];

const dns1123LabelRe = new RegExp(`^${DNS1123_LABEL_FMT}$`);
const DNS1123_LABEL_MSG =
  "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character";
const DNS1035_LABEL_FMT = '[a-z]([-a-z0-9]*[a-z0-9])?';
const dns1035LabelRe = new RegExp(`^${DNS1035_LABEL_FMT}$`);
const DNS1035_LABEL_MSG =
  "a DNS-1035 label must consist of lower case alphanumeric characters or '-', start with an alphabetic character, and end with an alphanumeric character";

export function dns1123LabelErrors(value: string): string[] {
  const errs: string[] = [];
  if (utf8Length(value) > 63) errs.push(maxLenError(63));
  if (!dns1123LabelRe.test(value)) {
    if (isDNS1123SubdomainFormat(value)) errs.push('must not contain dots');
    else errs.push(regexError(DNS1123_LABEL_MSG, DNS1123_LABEL_FMT, 'my-name', '123-abc'));
  }
  return errs;
}

export function dns1035LabelErrors(value: string): string[] {
  const errs: string[] = [];
  if (utf8Length(value) > 63) errs.push(maxLenError(63));
  if (!dns1035LabelRe.test(value)) errs.push(regexError(DNS1035_LABEL_MSG, DNS1035_LABEL_FMT, 'my-name', 'abc-123'));
  return errs;
}

const CONFIG_KEY_FMT = '[-._a-zA-Z0-9]+';
const configKeyRe = new RegExp(`^${CONFIG_KEY_FMT}$`);

/** `IsConfigMapKey`: keys of ConfigMap and Secret data. */
export function configMapKeyErrors(value: string): string[] {
  const errs: string[] = [];
  if (utf8Length(value) > 253) errs.push(maxLenError(253));
  if (!configKeyRe.test(value)) {
    errs.push(regexError("a valid config key must consist of alphanumeric characters, '-', '_' or '.'", CONFIG_KEY_FMT, 'key.name', 'KEY_NAME', 'key-name'));
  }
  if (value === '.') errs.push("must not be '.'");
  else if (value === '..') errs.push("must not be '..'");
  else if (value.startsWith('..')) errs.push("must not start with '..'");
  return errs;
}

/** Name generation appends a suffix, so a trailing dash is allowed in a prefix. */
function maskTrailingDash(name: string): string {
  return name.length > 1 && name.endsWith('-') ? `${name.slice(0, -2)}a` : name;
}

const nameIsDNSSubdomain: NameFn = (name, prefix) => dns1123SubdomainErrors(prefix ? maskTrailingDash(name) : name);
const nameIsDNSLabel: NameFn = (name, prefix) => dns1123LabelErrors(prefix ? maskTrailingDash(name) : name);
const nameIsDNS1035Label: NameFn = (name, prefix) => dns1035LabelErrors(prefix ? maskTrailingDash(name) : name);

/** `path.ValidatePathSegmentName` (RBAC objects). */
const pathSegmentName: NameFn = (name, prefix) => {
  if (!prefix && (name === '.' || name === '..')) return [`may not be '${name}'`];
  const errs: string[] = [];
  for (const bad of ['/', '%']) if (name.includes(bad)) errs.push(`may not contain '${bad}'`);
  return errs;
};

const crdName: NameFn = (name, prefix, obj) => {
  const errs = nameIsDNSSubdomain(name, prefix, obj);
  const spec = rec(obj.spec) ?? {};
  const names = rec(spec.names) ?? {};
  if (name !== `${str(names.plural)}.${str(spec.group)}`) errs.push('must be spec.names.plural+"."+spec.group');
  return errs;
};

// ---------------------------------------------------------------------------
// Metadata
// ---------------------------------------------------------------------------

const TOTAL_ANNOTATION_SIZE_LIMIT = 256 * 1024;

function validateLabels(c: Causes, labels: unknown, path: string): void {
  const m = rec(labels);
  if (m === undefined) return;
  for (const key of Object.keys(m).sort()) {
    for (const msg of qualifiedNameErrors(key)) c.invalid(path, key, msg);
    const value = String(m[key]);
    for (const msg of labelValueErrors(value)) c.invalid(path, value, msg);
  }
}

function validateAnnotations(c: Causes, annotations: unknown, path: string): void {
  const m = rec(annotations);
  if (m === undefined) return;
  let size = 0;
  for (const key of Object.keys(m).sort()) {
    for (const msg of qualifiedNameErrors(key.toLowerCase())) c.invalid(path, key, msg);
    size += utf8Length(key) + utf8Length(String(m[key]));
  }
  if (size > TOTAL_ANNOTATION_SIZE_LIMIT) c.tooLong(path, TOTAL_ANNOTATION_SIZE_LIMIT);
}

function validateOwnerReferences(c: Causes, refs: unknown, path: string): void {
  for (const raw of list(refs)) {
    const ref = rec(raw) ?? {};
    const apiVersion = str(ref.apiVersion);
    const version = apiVersion.includes('/') ? apiVersion.slice(apiVersion.indexOf('/') + 1) : apiVersion;
    if (version === '') c.invalid(`${path}.apiVersion`, apiVersion, 'version must not be empty');
    if (str(ref.kind) === '') c.invalid(`${path}.kind`, str(ref.kind), 'kind must not be empty');
    if (str(ref.name) === '') c.invalid(`${path}.name`, str(ref.name), 'name must not be empty');
    if (str(ref.uid) === '') c.invalid(`${path}.uid`, str(ref.uid), 'uid must not be empty');
  }
}

function validateFinalizers(c: Causes, finalizers: unknown, path: string): void {
  for (const f of list(finalizers)) {
    const name = String(f);
    for (const msg of qualifiedNameErrors(name)) c.invalid(path, name, msg);
  }
}

function validateObjectMeta(c: Causes, obj: KubeObject, namespaced: boolean, nameFn: NameFn): void {
  const meta: ObjectMeta = obj.metadata ?? {};
  const generateName = str(meta.generateName);
  if (generateName !== '') for (const msg of nameFn(generateName, true, obj)) c.invalid('metadata.generateName', generateName, msg);
  const name = str(meta.name);
  if (name === '') c.required('metadata.name', 'name or generateName is required');
  else for (const msg of nameFn(name, false, obj)) c.invalid('metadata.name', name, msg);
  if (namespaced) {
    const ns = str(meta.namespace);
    if (ns === '') c.required('metadata.namespace');
    else for (const msg of dns1123LabelErrors(ns)) c.invalid('metadata.namespace', ns, msg);
  }
  validateLabels(c, meta.labels, 'metadata.labels');
  validateAnnotations(c, meta.annotations, 'metadata.annotations');
  validateOwnerReferences(c, meta.ownerReferences, 'metadata.ownerReferences');
  validateFinalizers(c, meta.finalizers, 'metadata.finalizers');
}

function validateObjectMetaUpdate(c: Causes, meta: ObjectMeta, old: ObjectMeta): void {
  for (const key of ['name', 'namespace', 'uid'] as const) {
    const now = str(meta[key]);
    const before = str(old[key]);
    if (before !== '' && now !== '' && now !== before) c.immutable(`metadata.${key}`, now);
  }
  validateLabels(c, meta.labels, 'metadata.labels');
  validateAnnotations(c, meta.annotations, 'metadata.annotations');
  validateOwnerReferences(c, meta.ownerReferences, 'metadata.ownerReferences');
}

// ---------------------------------------------------------------------------
// Shared field checks
// ---------------------------------------------------------------------------

const NEGATIVE_MSG = 'must be greater than or equal to 0';

function nonNegative(c: Causes, v: unknown, path: string): void {
  if (typeof v === 'number' && v < 0) c.invalid(path, v, NEGATIVE_MSG);
}

function portNumErrors(port: number): string[] {
  return port >= 1 && port <= 65535 ? [] : ['must be between 1 and 65535, inclusive'];
}

/** `IsValidPortName`. */
function portNameErrors(name: string): string[] {
  const errs: string[] = [];
  if (utf8Length(name) > 15) errs.push(maxLenError(15));
  if (!/^[-a-z0-9]+$/.test(name)) errs.push('must contain only alpha-numeric characters (a-z, 0-9), and hyphens (-)');
  if (!/[a-z]/.test(name)) errs.push('must contain at least one letter (a-z)');
  if (name.includes('--')) errs.push('must not contain consecutive hyphens');
  if (name.length > 0 && (name.startsWith('-') || name.endsWith('-'))) errs.push('must not begin or end with a hyphen');
  return errs;
}

function dnsLabelField(c: Causes, value: string, path: string): void {
  for (const msg of dns1123LabelErrors(value)) c.invalid(path, value, msg);
}

/** `ValidateLabelSelector`. */
function validateLabelSelector(c: Causes, selector: unknown, path: string): void {
  const s = rec(selector);
  if (s === undefined) return;
  validateLabels(c, s.matchLabels, `${path}.matchLabels`);
  list(s.matchExpressions).forEach((raw, i) => {
    const e = rec(raw) ?? {};
    const p = `${path}.matchExpressions[${i}]`;
    const values = list(e.values);
    switch (e.operator) {
      case 'In':
      case 'NotIn':
        if (values.length === 0) c.required(`${p}.values`, "must be specified when `operator` is 'In' or 'NotIn'");
        break;
      case 'Exists':
      case 'DoesNotExist':
        if (values.length > 0) c.forbidden(`${p}.values`, "may not be specified when `operator` is 'Exists' or 'DoesNotExist'");
        break;
      default:
        c.invalid(`${p}.operator`, str(e.operator), 'not a valid selector operator');
    }
    const key = str(e.key);
    for (const msg of qualifiedNameErrors(key)) c.invalid(`${p}.key`, key, msg);
    values.forEach((v, j) => {
      for (const msg of labelValueErrors(String(v))) c.invalid(`${p}.values[${j}]`, String(v), msg);
    });
  });
}

/**
 * Whether a selector (`LabelSelectorAsSelector`) selects the labels, as the workload checks do:
 * an empty selector passes, a missing one selects nothing; `undefined` when the selector is invalid.
 */
function selectorMatches(selector: unknown, labels: unknown): boolean | undefined {
  try {
    const m = labelSelectorAsMatcher(selector ?? undefined);
    if (m.empty) return true;
    return m.matches(stringMap(labels));
  } catch {
    return undefined;
  }
}

// ---------------------------------------------------------------------------
// Pods and pod templates (pkg/apis/core/validation)
// ---------------------------------------------------------------------------

const PORT_PROTOCOLS = ['SCTP', 'TCP', 'UDP'];
const PULL_POLICIES = ['Always', 'IfNotPresent', 'Never'];
const RESTART_POLICIES = ['Always', 'OnFailure', 'Never'];
const DNS_POLICIES = ['ClusterFirstWithHostNet', 'ClusterFirst', 'Default', 'None'];

interface PodSpecOptions {
  /** The object is a Pod (not a template): images must not carry surrounding whitespace. */
  isPod: boolean;
}

function validateContainerPorts(c: Causes, ports: unknown, path: string): void {
  const names = new Set<string>();
  list(ports).forEach((raw, i) => {
    const p = rec(raw) ?? {};
    const pp = `${path}[${i}]`;
    const name = str(p.name);
    if (name !== '') {
      const errs = portNameErrors(name);
      if (errs.length > 0) for (const msg of errs) c.invalid(`${pp}.name`, name, msg);
      else if (names.has(name)) c.duplicate(`${pp}.name`, name);
      else names.add(name);
    }
    const containerPort = typeof p.containerPort === 'number' ? p.containerPort : 0;
    if (containerPort === 0) c.required(`${pp}.containerPort`);
    else for (const msg of portNumErrors(containerPort)) c.invalid(`${pp}.containerPort`, containerPort, msg);
    if (typeof p.hostPort === 'number' && p.hostPort !== 0) {
      for (const msg of portNumErrors(p.hostPort)) c.invalid(`${pp}.hostPort`, p.hostPort, msg);
    }
    if (typeof p.protocol === 'string' && !PORT_PROTOCOLS.includes(p.protocol)) c.notSupported(`${pp}.protocol`, p.protocol, PORT_PROTOCOLS);
  });
}

function validateEnv(c: Causes, env: unknown, path: string): void {
  list(env).forEach((raw, i) => {
    const e = rec(raw) ?? {};
    const name = str(e.name);
    if (name === '') c.required(`${path}[${i}].name`);
    // RelaxedEnvironmentVariableValidation (on by default): printable ASCII other than '='.
    else if (!/^[\x20-\x3c\x3e-\x7e]+$/.test(name)) {
      c.invalid(`${path}[${i}].name`, name, "a valid environment variable name must consist only of printable ASCII characters other than '='");
    }
  });
}

function validateContainerCommon(c: Causes, ctr: Obj, path: string, opts: PodSpecOptions): void {
  const name = str(ctr.name);
  if (name === '') c.required(`${path}.name`);
  else dnsLabelField(c, name, `${path}.name`);
  const image = str(ctr.image);
  if (image === '') c.required(`${path}.image`);
  const tmp = ctr.terminationMessagePolicy;
  if (typeof tmp === 'string' && tmp !== 'File' && tmp !== 'FallbackToLogsOnError') {
    c.notSupported(`${path}.terminationMessagePolicy`, tmp, ['File', 'FallbackToLogsOnError']);
  }
  validateContainerPorts(c, ctr.ports, `${path}.ports`);
  validateEnv(c, ctr.env, `${path}.env`);
  if (typeof ctr.imagePullPolicy === 'string' && !PULL_POLICIES.includes(ctr.imagePullPolicy)) {
    c.notSupported(`${path}.imagePullPolicy`, ctr.imagePullPolicy, PULL_POLICIES);
  }
  if (opts.isPod && image !== '' && image !== image.trim()) c.invalid(`${path}.image`, image, 'must not have leading or trailing whitespace');
}

function validateVolumes(c: Causes, volumes: unknown, path: string): void {
  const names = new Set<string>();
  list(volumes).forEach((raw, i) => {
    const name = str((rec(raw) ?? {}).name);
    const p = `${path}[${i}].name`;
    if (name === '') c.required(p);
    else {
      dnsLabelField(c, name, p);
      if (names.has(name)) c.duplicate(p, name);
      else names.add(name);
    }
  });
}

function validatePodSpec(c: Causes, specRaw: unknown, path: string, opts: PodSpecOptions): void {
  const spec = rec(specRaw) ?? {};
  validateVolumes(c, spec.volumes, `${path}.volumes`);
  const containers = list(spec.containers).map((x) => rec(x) ?? {});
  if (containers.length === 0) c.required(`${path}.containers`);
  const names = new Set<string>();
  containers.forEach((ctr, i) => {
    const p = `${path}.containers[${i}]`;
    validateContainerCommon(c, ctr, p, opts);
    const name = str(ctr.name);
    if (names.has(name)) c.duplicate(`${p}.name`, name);
    else names.add(name);
    if (isSet(ctr, 'restartPolicy')) c.forbidden(`${p}.restartPolicy`, 'may not be set for non-init containers');
  });
  list(spec.initContainers).forEach((raw, i) => {
    const ctr = rec(raw) ?? {};
    const p = `${path}.initContainers[${i}]`;
    validateContainerCommon(c, ctr, p, opts);
    if (typeof ctr.restartPolicy === 'string' && ctr.restartPolicy !== 'Always') c.notSupported(`${p}.restartPolicy`, ctr.restartPolicy, ['Always']);
    const name = str(ctr.name);
    if (names.has(name)) c.duplicate(`${p}.name`, name);
    else if (name !== '') names.add(name);
  });
  if (typeof spec.restartPolicy === 'string' && !RESTART_POLICIES.includes(spec.restartPolicy)) {
    c.notSupported(`${path}.restartPolicy`, spec.restartPolicy, RESTART_POLICIES);
  }
  if (typeof spec.dnsPolicy === 'string' && !DNS_POLICIES.includes(spec.dnsPolicy)) c.notSupported(`${path}.dnsPolicy`, spec.dnsPolicy, DNS_POLICIES);
  validateLabels(c, spec.nodeSelector, `${path}.nodeSelector`);
  const sa = str(spec.serviceAccountName);
  if (sa !== '') for (const msg of dns1123SubdomainErrors(sa)) c.invalid(`${path}.serviceAccountName`, sa, msg);
}

/** `ValidatePodTemplateSpec` (note Kubernetes' `<template>.labels` path, without `metadata`). */
function validatePodTemplateSpec(c: Causes, templateRaw: unknown, path: string): void {
  const template = rec(templateRaw) ?? {};
  const meta = rec(template.metadata) ?? {};
  validateLabels(c, meta.labels, `${path}.labels`);
  validateAnnotations(c, meta.annotations, `${path}.annotations`);
  validatePodSpec(c, template.spec, `${path}.spec`, { isPod: false });
}

function templateLabels(template: unknown): unknown {
  return (rec((rec(template) ?? {}).metadata) ?? {}).labels;
}

function templateRestartPolicy(template: unknown): string {
  // An unset restartPolicy is defaulted to Always.
  return str((rec((rec(template) ?? {}).spec) ?? {}).restartPolicy) || 'Always';
}

const POD_UPDATE_MSG =
  'pod updates may not change fields other than `spec.containers[*].image`,`spec.initContainers[*].image`,`spec.activeDeadlineSeconds`,`spec.tolerations` (only additions to existing tolerations),`spec.terminationGracePeriodSeconds` (allow it to be set to 1 if it was previously negative)';

function validatePodUpdate(c: Causes, pod: KubeObject, old: KubeObject): void {
  const oldSpec = rec(old.spec) ?? {};
  const munged: Obj = structuredClone(rec(pod.spec) ?? {});
  for (const key of ['containers', 'initContainers']) {
    const now = list(munged[key]);
    const before = list(oldSpec[key]);
    if (now.length === before.length) {
      now.forEach((ctr, i) => {
        const n = rec(ctr);
        const o = rec(before[i]);
        if (n !== undefined && o !== undefined) n.image = o.image;
      });
    }
  }
  munged.activeDeadlineSeconds = oldSpec.activeDeadlineSeconds;
  const oldTolerations = list(oldSpec.tolerations);
  const newTolerations = list(munged.tolerations);
  if (oldTolerations.every((t) => newTolerations.some((n) => looseEqual(t, n)))) munged.tolerations = oldSpec.tolerations;
  const oldGrace = oldSpec.terminationGracePeriodSeconds;
  if (typeof oldGrace === 'number' && oldGrace < 0 && munged.terminationGracePeriodSeconds === 1) munged.terminationGracePeriodSeconds = oldGrace;
  if (!looseEqual(munged, oldSpec)) c.forbidden('spec', `${POD_UPDATE_MSG}\n${specDiff('core.PodSpec', oldSpec, munged)}`);
}

// ---------------------------------------------------------------------------
// Workloads (pkg/apis/apps/validation, pkg/apis/batch/validation)
// ---------------------------------------------------------------------------

const SELECTOR_MISMATCH = '`selector` does not match template `labels`';

/** Deployments and ReplicaSets share this (`ValidateDeploymentSpec`/`ValidateReplicaSetSpec`). */
function validateReplicatedSpec(c: Causes, spec: Obj, isDeployment: boolean): void {
  nonNegative(c, spec.replicas, 'spec.replicas');
  // ReplicaSet checks minReadySeconds right after replicas; Deployment after its strategy.
  if (!isDeployment) nonNegative(c, spec.minReadySeconds, 'spec.minReadySeconds');
  const selector = spec.selector;
  if (selector === undefined || selector === null) c.required('spec.selector');
  else {
    validateLabelSelector(c, selector, 'spec.selector');
    const s = rec(selector) ?? {};
    if (Object.keys(rec(s.matchLabels) ?? {}).length + list(s.matchExpressions).length === 0) {
      c.invalid('spec.selector', goLabelSelector(selector), 'empty selector is invalid for deployment');
    }
  }
  // A missing selector selects nothing, so the template never matches it.
  const matches = selectorMatches(selector ?? undefined, templateLabels(spec.template));
  if (matches === undefined) c.invalid('spec.selector', goLabelSelector(selector), 'invalid label selector');
  else {
    if (!matches) c.invalid('spec.template.metadata.labels', new GoValue(goStringMap(templateLabels(spec.template))), SELECTOR_MISMATCH);
    validatePodTemplateSpec(c, spec.template, 'spec.template');
    const restart = templateRestartPolicy(spec.template);
    if (restart !== 'Always') c.notSupported('spec.template.spec.restartPolicy', restart, ['Always']);
    if (isSet(rec(rec(spec.template)?.spec), 'activeDeadlineSeconds')) {
      c.forbidden('spec.template.spec.activeDeadlineSeconds', 'activeDeadlineSeconds in ReplicaSet is not Supported');
    }
  }
  if (isDeployment) {
    const strategy = rec(spec.strategy);
    if (strategy !== undefined && typeof strategy.type === 'string' && strategy.type !== 'Recreate' && strategy.type !== 'RollingUpdate') {
      const rolling = isSet(strategy, 'rollingUpdate') ? '(*apps.RollingUpdateDeployment)(...)' : '(*apps.RollingUpdateDeployment)(nil)';
      c.notSupported('spec.strategy', new GoValue(`apps.DeploymentStrategy{Type:${goQuote(strategy.type)}, RollingUpdate:${rolling}}`), ['Recreate', 'RollingUpdate']);
    }
    if (strategy?.type === 'Recreate' && isSet(strategy, 'rollingUpdate')) {
      c.forbidden('spec.strategy.rollingUpdate', "may not be specified when strategy `type` is 'Recreate'");
    }
    nonNegative(c, spec.minReadySeconds, 'spec.minReadySeconds');
    nonNegative(c, spec.revisionHistoryLimit, 'spec.revisionHistoryLimit');
    const pds = spec.progressDeadlineSeconds;
    if (typeof pds === 'number') {
      nonNegative(c, pds, 'spec.progressDeadlineSeconds');
      const minReady = typeof spec.minReadySeconds === 'number' ? spec.minReadySeconds : 0;
      if (pds <= minReady) c.invalid('spec.progressDeadlineSeconds', pds, 'must be greater than minReadySeconds');
    }
  }
}

function selectorImmutable(c: Causes, spec: Obj, oldSpec: Obj): void {
  const now = spec.selector ?? null;
  const before = oldSpec.selector ?? null;
  if ((now === null) !== (before === null) || !looseEqual(now, before)) c.immutable('spec.selector', goLabelSelector(now));
}

function validateDeployment(c: Causes, obj: KubeObject, old: KubeObject | undefined): void {
  const spec = rec(obj.spec) ?? {};
  validateReplicatedSpec(c, spec, true);
  if (old !== undefined) selectorImmutable(c, spec, rec(old.spec) ?? {});
}

function validateReplicaSet(c: Causes, obj: KubeObject, old: KubeObject | undefined): void {
  const spec = rec(obj.spec) ?? {};
  validateReplicatedSpec(c, spec, false);
  if (old !== undefined) selectorImmutable(c, spec, rec(old.spec) ?? {});
}

function validateDaemonSet(c: Causes, obj: KubeObject, old: KubeObject | undefined): void {
  const spec = rec(obj.spec) ?? {};
  validateLabelSelector(c, spec.selector, 'spec.selector');
  const matches = selectorMatches(spec.selector ?? undefined, templateLabels(spec.template));
  if (matches === false) {
    c.invalid('spec.template.metadata.labels', new GoValue(goStringMap(templateLabels(spec.template))), SELECTOR_MISMATCH);
  }
  const s = rec(spec.selector);
  if (s !== undefined && Object.keys(rec(s.matchLabels) ?? {}).length + list(s.matchExpressions).length === 0) {
    c.invalid('spec.selector', goLabelSelector(s), 'empty selector is invalid for daemonset');
  }
  validatePodTemplateSpec(c, spec.template, 'spec.template');
  const restart = templateRestartPolicy(spec.template);
  if (restart !== 'Always') c.notSupported('spec.template.spec.restartPolicy', restart, ['Always']);
  if (isSet(rec(rec(spec.template)?.spec), 'activeDeadlineSeconds')) {
    c.forbidden('spec.template.spec.activeDeadlineSeconds', 'activeDeadlineSeconds in DaemonSet is not Supported');
  }
  nonNegative(c, spec.minReadySeconds, 'spec.minReadySeconds');
  nonNegative(c, spec.revisionHistoryLimit, 'spec.revisionHistoryLimit');
  if (old !== undefined) selectorImmutable(c, spec, rec(old.spec) ?? {});
}

const STATEFULSET_MUTABLE = ['replicas', 'ordinals', 'template', 'updateStrategy', 'persistentVolumeClaimRetentionPolicy', 'minReadySeconds'];
const STATEFULSET_FORBIDDEN =
  "updates to statefulset spec for fields other than 'replicas', 'ordinals', 'template', 'updateStrategy', 'persistentVolumeClaimRetentionPolicy' and 'minReadySeconds' are forbidden";

function validateStatefulSet(c: Causes, obj: KubeObject, old: KubeObject | undefined): void {
  const spec = rec(obj.spec) ?? {};
  const pmp = spec.podManagementPolicy;
  if (typeof pmp === 'string' && pmp !== 'OrderedReady' && pmp !== 'Parallel') {
    c.invalid('spec.podManagementPolicy', pmp, "must be 'OrderedReady' or 'Parallel'");
  }
  nonNegative(c, spec.replicas, 'spec.replicas');
  nonNegative(c, spec.minReadySeconds, 'spec.minReadySeconds');
  if (old === undefined && str(spec.serviceName) !== '') dnsLabelField(c, str(spec.serviceName), 'spec.serviceName');
  const selector = spec.selector;
  const missing = selector === undefined || selector === null;
  if (missing) c.required('spec.selector');
  else {
    validateLabelSelector(c, selector, 'spec.selector');
    const s = rec(selector) ?? {};
    if (Object.keys(rec(s.matchLabels) ?? {}).length + list(s.matchExpressions).length === 0) {
      c.invalid('spec.selector', goLabelSelector(selector), 'empty selector is invalid for statefulset');
    }
  }
  const matches = selectorMatches(missing ? undefined : selector, templateLabels(spec.template));
  if (matches === undefined) c.invalid('spec.selector', goLabelSelector(selector), '');
  else {
    if (!matches) c.invalid('spec.template.metadata.labels', new GoValue(goStringMap(templateLabels(spec.template))), SELECTOR_MISMATCH);
    const meta = rec(rec(spec.template)?.metadata) ?? {};
    validateLabels(c, meta.labels, 'spec.template.labels');
    validateAnnotations(c, meta.annotations, 'spec.template.annotations');
  }
  const restart = templateRestartPolicy(spec.template);
  if (restart !== 'Always') c.notSupported('spec.template.spec.restartPolicy', restart, ['Always']);
  if (isSet(rec(rec(spec.template)?.spec), 'activeDeadlineSeconds')) {
    c.forbidden('spec.template.spec.activeDeadlineSeconds', 'activeDeadlineSeconds in StatefulSet is not Supported');
  }
  if (old !== undefined) {
    const strip = (s: Obj): Obj => {
      const copy = { ...s };
      for (const k of STATEFULSET_MUTABLE) delete copy[k];
      return copy;
    };
    if (!looseEqual(strip(spec), strip(rec(old.spec) ?? {}))) c.forbidden('spec', STATEFULSET_FORBIDDEN);
  }
}

function validateJobSpecFields(c: Causes, spec: Obj, path: string): void {
  for (const f of ['parallelism', 'completions', 'activeDeadlineSeconds', 'backoffLimit', 'ttlSecondsAfterFinished', 'backoffLimitPerIndex', 'maxFailedIndexes']) {
    nonNegative(c, spec[f], `${path}.${f}`);
  }
  const mode = spec.completionMode;
  if (typeof mode === 'string' && mode !== 'NonIndexed' && mode !== 'Indexed') c.notSupported(`${path}.completionMode`, mode, ['NonIndexed', 'Indexed']);
  if (mode === 'Indexed' && typeof spec.completions !== 'number') c.required(`${path}.completions`, 'when completion mode is Indexed');
  validatePodTemplateSpec(c, spec.template, `${path}.template`);
  const restart = str(rec(rec(spec.template)?.spec)?.restartPolicy);
  if (restart === 'Always' || restart === '') c.required(`${path}.template.spec.restartPolicy`, 'valid values: "OnFailure", "Never"');
  else if (restart !== 'OnFailure' && restart !== 'Never') c.notSupported(`${path}.template.spec.restartPolicy`, restart, ['OnFailure', 'Never']);
}

function validateJob(c: Causes, obj: KubeObject, old: KubeObject | undefined): void {
  const spec = rec(obj.spec) ?? {};
  validateJobSpecFields(c, spec, 'spec');
  // Without manualSelector the server generates the selector (and the template labels) before validating.
  const selector = spec.selector;
  if (selector === undefined || selector === null) {
    if (spec.manualSelector === true) c.required('spec.selector');
  } else {
    validateLabelSelector(c, selector, 'spec.selector');
    if (selectorMatches(selector, templateLabels(spec.template)) === false) {
      c.invalid('spec.template.metadata.labels', new GoValue(goStringMap(templateLabels(spec.template))), SELECTOR_MISMATCH);
    }
  }
  if (old === undefined) return;
  const oldSpec = rec(old.spec) ?? {};
  if (!looseEqual(spec.completions, oldSpec.completions)) c.immutable('spec.completions', typeof spec.completions === 'number' ? spec.completions : null);
  selectorImmutable(c, spec, oldSpec);
  const suspended = oldSpec.suspend === true;
  if (!suspended && !looseEqual(spec.template, oldSpec.template)) c.immutable('spec.template', new GoValue('core.PodTemplateSpec{...}'));
  if (!looseEqual(spec.completionMode ?? 'NonIndexed', oldSpec.completionMode ?? 'NonIndexed')) {
    c.immutable('spec.completionMode', typeof spec.completionMode === 'string' ? spec.completionMode : null);
  }
  if (!looseEqual(spec.managedBy, oldSpec.managedBy)) c.immutable('spec.managedBy', typeof spec.managedBy === 'string' ? spec.managedBy : null);
}

function validateCronJob(c: Causes, obj: KubeObject, old: KubeObject | undefined): void {
  const spec = rec(obj.spec) ?? {};
  const schedule = str(spec.schedule);
  if (schedule === '') c.required('spec.schedule');
  else if (schedule.includes('TZ') && !(old !== undefined && str(rec(old.spec)?.schedule).includes('TZ'))) {
    c.invalid('spec.schedule', schedule, 'cannot use TZ or CRON_TZ in schedule, use timeZone field instead');
  }
  nonNegative(c, spec.startingDeadlineSeconds, 'spec.startingDeadlineSeconds');
  const policy = spec.concurrencyPolicy;
  if (typeof policy === 'string' && !['Allow', 'Forbid', 'Replace'].includes(policy)) c.notSupported('spec.concurrencyPolicy', policy, ['Allow', 'Forbid', 'Replace']);
  const jobTemplate = rec(spec.jobTemplate) ?? {};
  const jobSpec = rec(jobTemplate.spec) ?? {};
  validateJobSpecFields(c, jobSpec, 'spec.jobTemplate.spec');
  if (isSet(jobSpec, 'selector')) c.invalid('spec.jobTemplate.spec.selector', goLabelSelector(jobSpec.selector), '`selector` will be auto-generated');
  if (jobSpec.manualSelector === true) c.notSupported('spec.jobTemplate.spec.manualSelector', true, ['nil', 'false']);
  nonNegative(c, spec.successfulJobsHistoryLimit, 'spec.successfulJobsHistoryLimit');
  nonNegative(c, spec.failedJobsHistoryLimit, 'spec.failedJobsHistoryLimit');
  // Jobs are named <cronjob>-<11 characters>, within the 63 of a label value.
  const name = obj.metadata.name ?? '';
  if (old === undefined && utf8Length(name) > 52) c.invalid('metadata.name', name, maxLenError(52));
}

// ---------------------------------------------------------------------------
// Core kinds
// ---------------------------------------------------------------------------

function validatePod(c: Causes, obj: KubeObject, old: KubeObject | undefined): void {
  validatePodSpec(c, obj.spec, 'spec', { isPod: true });
  if (old !== undefined) validatePodUpdate(c, obj, old);
}

const SERVICE_TYPES = ['ClusterIP', 'ExternalName', 'LoadBalancer', 'NodePort'];

function primaryClusterIPs(spec: Obj): string[] {
  const ips = list(spec.clusterIPs).map((x) => String(x));
  if (ips.length > 0) return ips;
  const ip = str(spec.clusterIP);
  return ip === '' ? [] : [ip];
}

function goServicePortKey(protocol: string, port: number): GoValue {
  return new GoValue(
    `core.ServicePort{Name:"", Protocol:${goQuote(protocol)}, AppProtocol:(*string)(nil), Port:${port}, TargetPort:intstr.IntOrString{Type:0, IntVal:0, StrVal:""}, NodePort:0}`,
  );
}

function validateService(c: Causes, obj: KubeObject, old: KubeObject | undefined): void {
  const spec = rec(obj.spec) ?? {};
  const type = str(spec.type) || 'ClusterIP';
  if (old !== undefined) {
    const oldSpec = rec(old.spec) ?? {};
    const oldType = str(oldSpec.type) || 'ClusterIP';
    if (oldType !== 'ExternalName' && type !== 'ExternalName') {
      const before = primaryClusterIPs(oldSpec);
      let now = list(spec.clusterIPs).map(String);
      // A changed clusterIP with unchanged clusterIPs rewrites clusterIPs (normalizeClusterIPs).
      if (str(spec.clusterIP) !== '' && str(spec.clusterIP) !== str(oldSpec.clusterIP) && (now.length === 0 || looseEqual(now, before))) {
        now = [str(spec.clusterIP)];
      }
      if (now.length === 0 && str(spec.clusterIP) !== '') now = [str(spec.clusterIP)];
      if (before.length > 0 && now.length > 0 && now[0] !== before[0]) {
        c.invalid('spec.clusterIPs[0]', new GoValue(goStrings(now)), 'may not change once set');
      }
    }
  }
  const ports = list(spec.ports).map((x) => rec(x) ?? {});
  const headless = str(spec.clusterIP) === 'None' || primaryClusterIPs(spec)[0] === 'None';
  if (ports.length === 0 && !headless && type !== 'ExternalName') c.required('spec.ports');
  if ((type === 'LoadBalancer' || type === 'NodePort') && headless) {
    c.invalid('spec.clusterIPs[0]', 'None', `may not be set to 'None' for ${type} services`);
  }
  if (type === 'ExternalName') {
    const cname = str(spec.externalName).replace(/\.$/, '');
    if (cname === '') c.required('spec.externalName');
    else for (const msg of dns1123SubdomainErrors(cname)) c.invalid('spec.externalName', cname, msg);
  }
  const names = new Set<string>();
  ports.forEach((p, i) => {
    const pp = `spec.ports[${i}]`;
    const name = str(p.name);
    if (ports.length > 1 && name === '') c.required(`${pp}.name`);
    else if (name !== '') {
      dnsLabelField(c, name, `${pp}.name`);
      if (names.has(name)) c.duplicate(`${pp}.name`, name);
      else names.add(name);
    }
    const port = typeof p.port === 'number' ? p.port : 0;
    for (const msg of portNumErrors(port)) c.invalid(`${pp}.port`, port, msg);
    if (typeof p.protocol === 'string' && !PORT_PROTOCOLS.includes(p.protocol)) c.notSupported(`${pp}.protocol`, p.protocol, PORT_PROTOCOLS);
    const target = p.targetPort;
    if (typeof target === 'number' && target !== 0) for (const msg of portNumErrors(target)) c.invalid(`${pp}.targetPort`, target, msg);
    else if (typeof target === 'string') for (const msg of portNameErrors(target)) c.invalid(`${pp}.targetPort`, target, msg);
  });
  validateLabels(c, spec.selector, 'spec.selector');
  const affinity = spec.sessionAffinity;
  if (typeof affinity === 'string' && affinity !== 'ClientIP' && affinity !== 'None') c.notSupported('spec.sessionAffinity', affinity, ['ClientIP', 'None']);
  if (spec.type === '') c.required('spec.type');
  else if (typeof spec.type === 'string' && !SERVICE_TYPES.includes(spec.type)) c.notSupported('spec.type', spec.type, SERVICE_TYPES);
  if (type === 'ClusterIP') {
    ports.forEach((p, i) => {
      if (typeof p.nodePort === 'number' && p.nodePort !== 0) c.forbidden(`spec.ports[${i}].nodePort`, "may not be used when `type` is 'ClusterIP'");
    });
  }
  const nodePorts = new Set<string>();
  ports.forEach((p, i) => {
    if (typeof p.nodePort !== 'number' || p.nodePort === 0) return;
    const key = `${str(p.protocol) || 'TCP'}/${p.nodePort}`;
    if (nodePorts.has(key)) c.duplicate(`spec.ports[${i}].nodePort`, p.nodePort);
    nodePorts.add(key);
  });
  const keys = new Set<string>();
  ports.forEach((p, i) => {
    const protocol = str(p.protocol) || 'TCP';
    const port = typeof p.port === 'number' ? p.port : 0;
    const key = `${protocol}/${port}`;
    if (keys.has(key)) c.duplicate(`spec.ports[${i}]`, goServicePortKey(protocol, port));
    keys.add(key);
  });
}

const MAX_SECRET_SIZE = 1024 * 1024;

/** Byte length of a base64 `data` value (the decoded size Kubernetes counts). */
function base64Length(v: unknown): number {
  const s = str(v).replace(/\s/g, '');
  const padding = s.endsWith('==') ? 2 : s.endsWith('=') ? 1 : 0;
  return Math.max(0, Math.floor((s.length * 3) / 4) - padding);
}

function immutableData(c: Causes, obj: KubeObject, old: KubeObject, fields: readonly string[]): void {
  if (old.immutable !== true) return;
  if (obj.immutable !== true) c.forbidden('immutable', 'field is immutable when `immutable` is set');
  for (const f of fields) if (!looseEqual(obj[f], old[f])) c.forbidden(f, 'field is immutable when `immutable` is set');
}

function validateConfigMap(c: Causes, obj: KubeObject, old: KubeObject | undefined): void {
  if (old !== undefined) immutableData(c, obj, old, ['data', 'binaryData']);
  const data = rec(obj.data) ?? {};
  const binary = rec(obj.binaryData) ?? {};
  let size = 0;
  for (const key of Object.keys(data).sort()) {
    for (const msg of configMapKeyErrors(key)) c.invalid(`data[${key}]`, key, msg);
    if (Object.hasOwn(binary, key)) c.invalid(`data[${key}]`, key, 'duplicate of key present in binaryData');
    size += utf8Length(str(data[key]));
  }
  for (const key of Object.keys(binary).sort()) {
    for (const msg of configMapKeyErrors(key)) c.invalid(`binaryData[${key}]`, key, msg);
    size += base64Length(binary[key]);
  }
  if (size > MAX_SECRET_SIZE) c.tooLong('', MAX_SECRET_SIZE);
}

function validateSecret(c: Causes, obj: KubeObject, old: KubeObject | undefined): void {
  const type = str(obj.type);
  if (old !== undefined) {
    const oldType = str(old.type) || 'Opaque';
    if ((type || 'Opaque') !== oldType) c.immutable('type', type || 'Opaque');
    immutableData(c, obj, old, ['data']);
  }
  // stringData is merged into data before validation; only key names and sizes are examined.
  const data = rec(obj.data) ?? {};
  const stringData = rec(obj.stringData) ?? {};
  const sizes = new Map<string, number>();
  for (const [k, v] of Object.entries(data)) sizes.set(k, base64Length(v));
  for (const [k, v] of Object.entries(stringData)) sizes.set(k, utf8Length(str(v)));
  let total = 0;
  for (const key of [...sizes.keys()].sort()) {
    for (const msg of configMapKeyErrors(key)) c.invalid(`data[${key}]`, key, msg);
    total += sizes.get(key) ?? 0;
  }
  if (total > MAX_SECRET_SIZE) c.tooLong('data', MAX_SECRET_SIZE);
  const hasKey = (k: string): boolean => sizes.has(k);
  switch (type) {
    case 'kubernetes.io/service-account-token':
      if (str(obj.metadata.annotations?.['kubernetes.io/service-account.name']) === '') {
        c.required('metadata.annotations[kubernetes.io/service-account.name]');
      }
      break;
    case 'kubernetes.io/dockercfg':
      if (!hasKey('.dockercfg')) c.required('data[.dockercfg]');
      break;
    case 'kubernetes.io/dockerconfigjson':
      if (!hasKey('.dockerconfigjson')) c.required('data[.dockerconfigjson]');
      break;
    case 'kubernetes.io/basic-auth':
      if (!hasKey('username') && !hasKey('password')) {
        c.required('data[username]');
        c.required('data[password]');
      }
      break;
    case 'kubernetes.io/ssh-auth':
      if ((sizes.get('ssh-privatekey') ?? 0) === 0) c.required('data[ssh-privatekey]');
      break;
    case 'kubernetes.io/tls':
      if (!hasKey('tls.crt')) c.required('data[tls.crt]');
      if (!hasKey('tls.key')) c.required('data[tls.key]');
      break;
  }
}

const ACCESS_MODES = ['ReadOnlyMany', 'ReadWriteMany', 'ReadWriteOnce', 'ReadWriteOncePod'];
const PVC_IMMUTABLE = 'spec is immutable after creation except resources.requests for bound claims';

function validatePersistentVolumeClaim(c: Causes, obj: KubeObject, old: KubeObject | undefined): void {
  const spec = rec(obj.spec) ?? {};
  const modes = list(spec.accessModes).map(String);
  if (modes.length === 0) c.required('spec.accessModes', 'at least 1 access mode is required');
  for (const mode of modes) if (!ACCESS_MODES.includes(mode)) c.notSupported('spec.accessModes', mode, ACCESS_MODES);
  const requests = rec(rec(spec.resources)?.requests) ?? {};
  if (!isSet(requests, 'storage') && !isSet(spec, 'dataSource') && !isSet(spec, 'dataSourceRef')) c.required('spec.resources[storage]');
  validateLabelSelector(c, spec.selector, 'spec.selector');
  if (old === undefined) return;
  const oldSpec = rec(old.spec) ?? {};
  const munged: Obj = structuredClone(spec);
  const oldClone: Obj = structuredClone(oldSpec);
  if (str(oldSpec.volumeName) === '') oldClone.volumeName = munged.volumeName;
  if (str(rec(old.status)?.phase) === 'Bound' || str(rec(obj.status)?.phase) === 'Bound') {
    const oldRequests = rec(rec(oldClone.resources)?.requests);
    const newResources = rec(munged.resources);
    if (newResources !== undefined && oldRequests !== undefined) newResources.requests = { ...(rec(newResources.requests) ?? {}), storage: oldRequests.storage };
  }
  if (!looseEqual(munged, oldClone)) c.forbidden('spec', `${PVC_IMMUTABLE}\n${specDiff('core.PersistentVolumeClaimSpec', oldClone, munged)}`);
}

// ---------------------------------------------------------------------------
// RBAC, CRDs and the rest
// ---------------------------------------------------------------------------

function validatePolicyRules(c: Causes, obj: KubeObject, namespaced: boolean): void {
  list(obj.rules).forEach((raw, i) => {
    const rule = rec(raw) ?? {};
    const p = `rules[${i}]`;
    if (list(rule.verbs).length === 0) c.required(`${p}.verbs`, 'verbs must contain at least one value');
    const urls = list(rule.nonResourceURLs);
    if (urls.length > 0) {
      if (namespaced) c.invalid(`${p}.nonResourceURLs`, new GoValue(goStrings(urls)), 'namespaced rules cannot apply to non-resource URLs');
      if (list(rule.apiGroups).length > 0 || list(rule.resources).length > 0 || list(rule.resourceNames).length > 0) {
        c.invalid(`${p}.nonResourceURLs`, new GoValue(goStrings(urls)), 'rules cannot apply to both regular resources and non-resource URLs');
      }
      return;
    }
    if (list(rule.apiGroups).length === 0) c.required(`${p}.apiGroups`, 'resource rules must supply at least one api group');
    if (list(rule.resources).length === 0) c.required(`${p}.resources`, 'resource rules must supply at least one resource');
  });
}

function goRoleRef(ref: Obj): GoValue {
  return new GoValue(`rbac.RoleRef{APIGroup:${goQuote(str(ref.apiGroup))}, Kind:${goQuote(str(ref.kind))}, Name:${goQuote(str(ref.name))}}`);
}

function validateBinding(c: Causes, obj: KubeObject, old: KubeObject | undefined, cluster: boolean): void {
  const ref = rec(obj.roleRef) ?? {};
  if (old !== undefined) {
    const oldRef = rec(old.roleRef) ?? {};
    if (str(ref.apiGroup) !== str(oldRef.apiGroup) || str(ref.kind) !== str(oldRef.kind) || str(ref.name) !== str(oldRef.name)) {
      c.invalid('roleRef', goRoleRef(ref), 'cannot change roleRef');
    }
  }
  if (str(ref.apiGroup) !== 'rbac.authorization.k8s.io') c.notSupported('roleRef.apiGroup', str(ref.apiGroup), ['rbac.authorization.k8s.io']);
  const kinds = cluster ? ['ClusterRole'] : ['Role', 'ClusterRole'];
  if (!kinds.includes(str(ref.kind))) c.notSupported('roleRef.kind', str(ref.kind), kinds);
  if (str(ref.name) === '') c.required('roleRef.name');
  else for (const msg of pathSegmentName(str(ref.name), false, obj)) c.invalid('roleRef.name', str(ref.name), msg);
  list(obj.subjects).forEach((raw, i) => {
    const s = rec(raw) ?? {};
    const p = `subjects[${i}]`;
    if (str(s.name) === '') c.required(`${p}.name`);
    switch (s.kind) {
      case 'ServiceAccount':
        if (str(s.name) !== '') for (const msg of dns1123SubdomainErrors(str(s.name))) c.invalid(`${p}.name`, str(s.name), msg);
        if (isSet(s, 'apiGroup') && str(s.apiGroup) !== '') c.notSupported(`${p}.apiGroup`, str(s.apiGroup), ['']);
        if (cluster && str(s.namespace) === '') c.required(`${p}.namespace`);
        break;
      case 'User':
      case 'Group':
        if (str(s.apiGroup) !== 'rbac.authorization.k8s.io') c.notSupported(`${p}.apiGroup`, str(s.apiGroup), ['rbac.authorization.k8s.io']);
        break;
      default:
        c.notSupported(`${p}.kind`, str(s.kind), ['ServiceAccount', 'User', 'Group']);
    }
  });
}

function goVersions(): GoValue {
  return new GoValue('[]apiextensions.CustomResourceDefinitionVersion{...}');
}

function validateCrd(c: Causes, obj: KubeObject, old: KubeObject | undefined): void {
  const spec = rec(obj.spec) ?? {};
  const group = str(spec.group);
  if (group === '') c.required('spec.group');
  else {
    const errs = dns1123SubdomainErrors(group);
    if (errs.length > 0) c.invalid('spec.group', group, errs.join(','));
    else if (!group.includes('.')) c.invalid('spec.group', group, 'should be a domain with at least one dot');
  }
  const scope = str(spec.scope);
  if (scope === '') c.required('spec.scope');
  else if (scope !== 'Cluster' && scope !== 'Namespaced') c.notSupported('spec.scope', scope, ['Cluster', 'Namespaced']);
  const versions = list(spec.versions).map((x) => rec(x) ?? {});
  const seen = new Set<string>();
  let unique = true;
  let storage = 0;
  versions.forEach((v, i) => {
    if (!isSet(rec(v.schema), 'openAPIV3Schema')) c.required(`spec.versions[${i}].schema.openAPIV3Schema`, 'schemas are required');
  });
  versions.forEach((v, i) => {
    const name = str(v.name);
    if (v.storage === true) storage++;
    if (seen.has(name)) unique = false;
    seen.add(name);
    const errs = dns1035LabelErrors(name);
    if (errs.length > 0) c.invalid(`spec.versions[${i}].name`, name, errs.join(','));
  });
  if (!unique) c.invalid('spec.versions', goVersions(), 'must contain unique version names');
  if (storage !== 1) c.invalid('spec.versions', goVersions(), 'must have exactly one version marked as storage version');
  // singular and listKind are defaulted from kind before validation.
  const rawNames = rec(spec.names) ?? {};
  const kind = str(rawNames.kind);
  const names: Obj = { ...rawNames, singular: str(rawNames.singular) || kind.toLowerCase(), listKind: str(rawNames.listKind) || (kind ? `${kind}List` : '') };
  for (const f of ['plural', 'singular', 'kind', 'listKind']) if (str(names[f]) === '') c.required(`spec.names.${f}`);
  for (const f of ['plural', 'singular']) {
    const v = str(names[f]);
    const errs = dns1035LabelErrors(v);
    if (v !== '' && errs.length > 0) c.invalid(`spec.names.${f}`, v, errs.join(','));
  }
  for (const f of ['kind', 'listKind']) {
    const v = str(names[f]);
    const errs = dns1035LabelErrors(v.toLowerCase());
    if (v !== '' && errs.length > 0) c.invalid(`spec.names.${f}`, v, `may have mixed case, but should otherwise match: ${errs.join(',')}`);
  }
  list(names.shortNames).forEach((s, i) => {
    const errs = dns1035LabelErrors(String(s));
    if (errs.length > 0) c.invalid(`spec.names.shortNames[${i}]`, String(s), errs.join(','));
  });
  if (str(names.kind) !== '' && names.kind === names.listKind) c.invalid('spec.names.listKind', str(names.listKind), 'kind and listKind may not be the same');
  if (old === undefined) return;
  const oldSpec = rec(old.spec) ?? {};
  const oldNames = rec(oldSpec.names) ?? {};
  const established = list(rec(old.status)?.conditions).some((x) => rec(x)?.type === 'Established' && rec(x)?.status === 'True');
  if (established) {
    if (scope !== str(oldSpec.scope)) c.immutable('spec.scope', scope);
    if (str(names.kind) !== str(oldNames.kind)) c.immutable('spec.names.kind', str(names.kind));
  }
  if (group !== str(oldSpec.group)) c.immutable('spec.group', group);
  if (str(names.plural) !== str(oldNames.plural)) c.immutable('spec.names.plural', str(names.plural));
}

function validateNetworkPolicy(c: Causes, obj: KubeObject): void {
  validateLabelSelector(c, rec(obj.spec)?.podSelector, 'spec.podSelector');
}

function validateHpa(c: Causes, obj: KubeObject): void {
  const spec = rec(obj.spec) ?? {};
  const ref = rec(spec.scaleTargetRef) ?? {};
  if (str(ref.kind) === '') c.required('spec.scaleTargetRef.kind');
  if (str(ref.name) === '') c.required('spec.scaleTargetRef.name');
  const max = typeof spec.maxReplicas === 'number' ? spec.maxReplicas : 0;
  if (typeof spec.minReplicas === 'number' && spec.minReplicas > max) c.invalid('spec.minReplicas', spec.minReplicas, 'must be less than or equal to maxReplicas');
  if (max < 1) c.invalid('spec.maxReplicas', max, 'must be greater than or equal to 1');
}

function validatePdb(c: Causes, obj: KubeObject): void {
  validateLabelSelector(c, rec(obj.spec)?.selector, 'spec.selector');
}

/**
 * A core/v1 Event, as the API server checks one written through v1 (legacyValidateEvent): an
 * Event without `eventTime` must live in the namespace of the object it is about; one with
 * `eventTime` must name its reporting component and instance, and keep reason, action and message
 * short.
 */
function validateEvent(c: Causes, obj: KubeObject): void {
  const namespace = str(obj.metadata?.namespace);
  const involved = rec(obj.involvedObject) ?? {};
  const involvedNamespace = str(involved.namespace);
  const mismatch = (): void => c.invalid('involvedObject.namespace', involvedNamespace, 'does not match event.namespace');
  if (obj.eventTime === undefined || obj.eventTime === null) {
    if (involvedNamespace === '' ? namespace !== '' && namespace !== 'default' : namespace !== involvedNamespace) mismatch();
    return;
  }
  if (involvedNamespace === '' && namespace !== 'default' && namespace !== 'kube-system') mismatch();
  const component = str(obj.reportingComponent);
  if (component === '') c.required('reportingComponent');
  for (const msg of qualifiedNameErrors(component)) c.invalid('reportingComponent', component, msg);
  const instance = str(obj.reportingInstance);
  if (instance === '') c.required('reportingInstance');
  if (instance.length > 128) c.invalid('reportingInstance', '', 'can have at most 128 characters');
  if (str(obj.action).length > 128) c.invalid('action', '', 'can have at most 128 characters');
  if (str(obj.reason).length > 128) c.invalid('reason', '', 'can have at most 128 characters');
  if (str(obj.message).length > 1024) c.invalid('message', '', 'can have at most 1024 characters');
}

// ---------------------------------------------------------------------------
// Dispatch
// ---------------------------------------------------------------------------

type KindValidator = (c: Causes, obj: KubeObject, old: KubeObject | undefined) => void;

interface KindRules {
  name: NameFn;
  validate?: KindValidator;
}

const RULES: ReadonlyMap<string, KindRules> = new Map<string, KindRules>([
  ['/Namespace', { name: nameIsDNSLabel }],
  ['/Service', { name: nameIsDNS1035Label, validate: validateService }],
  ['/Pod', { name: nameIsDNSSubdomain, validate: validatePod }],
  ['/ConfigMap', { name: nameIsDNSSubdomain, validate: validateConfigMap }],
  ['/Secret', { name: nameIsDNSSubdomain, validate: validateSecret }],
  ['/Event', { name: nameIsDNSSubdomain, validate: validateEvent }],
  ['/PersistentVolumeClaim', { name: nameIsDNSSubdomain, validate: validatePersistentVolumeClaim }],
  ['apps/Deployment', { name: nameIsDNSSubdomain, validate: validateDeployment }],
  ['apps/ReplicaSet', { name: nameIsDNSSubdomain, validate: validateReplicaSet }],
  ['apps/StatefulSet', { name: nameIsDNSLabel, validate: validateStatefulSet }],
  ['apps/DaemonSet', { name: nameIsDNSSubdomain, validate: validateDaemonSet }],
  ['batch/Job', { name: nameIsDNSSubdomain, validate: validateJob }],
  ['batch/CronJob', { name: nameIsDNSSubdomain, validate: validateCronJob }],
  ['rbac.authorization.k8s.io/Role', { name: pathSegmentName, validate: (c, o) => validatePolicyRules(c, o, true) }],
  ['rbac.authorization.k8s.io/ClusterRole', { name: pathSegmentName, validate: (c, o) => validatePolicyRules(c, o, false) }],
  ['rbac.authorization.k8s.io/RoleBinding', { name: pathSegmentName, validate: (c, o, old) => validateBinding(c, o, old, false) }],
  ['rbac.authorization.k8s.io/ClusterRoleBinding', { name: pathSegmentName, validate: (c, o, old) => validateBinding(c, o, old, true) }],
  ['apiextensions.k8s.io/CustomResourceDefinition', { name: crdName, validate: validateCrd }],
  ['networking.k8s.io/NetworkPolicy', { name: nameIsDNSSubdomain, validate: (c, o) => validateNetworkPolicy(c, o) }],
  ['autoscaling/HorizontalPodAutoscaler', { name: nameIsDNSSubdomain, validate: (c, o) => validateHpa(c, o) }],
  ['policy/PodDisruptionBudget', { name: nameIsDNSSubdomain, validate: (c, o) => validatePdb(c, o) }],
]);

const DEFAULT_RULES: KindRules = { name: nameIsDNSSubdomain };

/**
 * Validates an object of a type on create (`old` absent) or update (`old` is the live object), after
 * defaulting. Returns the causes in Kubernetes' order; empty when valid. Custom resources get the
 * metadata checks (their schema validation is not done here).
 */
export function validateObject(type: ResourceType, obj: KubeObject, old?: KubeObject, subresource?: 'status'): FieldCause[] {
  const c = new Causes();
  const rules = type.custom ? DEFAULT_RULES : (RULES.get(`${type.group}/${type.kind}`) ?? DEFAULT_RULES);
  if (old === undefined) validateObjectMeta(c, obj, type.namespaced, rules.name);
  else validateObjectMetaUpdate(c, obj.metadata ?? {}, old.metadata ?? {});
  // A status write keeps everything of the live object but its status (ApiCore.replace), and the
  // kind's rules check the rest (none checks status), so they could only repeat the live object's
  // verdict: they are skipped, as the API server's status strategies skip spec validation.
  if (old === undefined || subresource !== 'status') rules.validate?.(c, obj, old);
  return c.list;
}
