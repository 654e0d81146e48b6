import { isObject } from './json.ts';
import type { FieldsV1, ManagedFieldsEntry } from './managed-fields.ts';

/** Fields an apply takes from another field manager: `{ manager: 'kubectl', fields: ['.spec.replicas'] }`. */
export interface Takeover {
  manager: string;
  /** Field paths as an API server prints them in conflicts (`.spec.template.spec.containers[name="web"].image`). */
  fields: string[];
}

/**
 * The fields a forced server-side apply took from other field managers: those another manager
 * held in `before` (the live object's managedFields), that it no longer holds in `after` (the
 * apply's answer, or its dry-run's), and that `manager` holds there. A field two managers share
 * (both set the same value) is not taken, so it is not listed. Pure; by manager, in the order of
 * `before`, fields in the order of the field set.
 */
export function takeovers(before: unknown, after: unknown, manager: string): Takeover[] {
  const previous = entries(before);
  const next = entries(after);
  const mine = next.filter((e) => e.manager === manager).map((e) => e.fieldsV1);
  if (mine.length === 0) return [];
  const out = new Map<string, string[]>();
  for (const entry of previous) {
    if (entry.manager === manager) continue;
    const now = next.find((e) => e.manager === entry.manager && e.operation === entry.operation && (e.subresource ?? '') === (entry.subresource ?? ''));
    for (const path of leaves(entry.fieldsV1, [])) {
      if (now && holds(now.fieldsV1, path)) continue;
      if (!mine.some((set) => holds(set, path))) continue;
      const fields = out.get(entry.manager) ?? [];
      const text = formatPath(path);
      if (!fields.includes(text)) fields.push(text);
      out.set(entry.manager, fields);
    }
  }
  return [...out].map(([name, fields]) => ({ manager: name, fields }));
}

/** `kubectl: .spec.replicas; hpa: .spec.template.spec.containers[name="web"].resources` */
export function formatTakeovers(list: readonly Takeover[]): string {
  return list.map((t) => `${t.fields.join(', ')} from ${t.manager}`).join('; ');
}

type Entry = Required<Pick<ManagedFieldsEntry, 'manager' | 'operation'>> & { subresource?: string; fieldsV1: FieldsV1 };

function entries(managedFields: unknown): Entry[] {
  if (!Array.isArray(managedFields)) return [];
  const out: Entry[] = [];
  for (const raw of managedFields as unknown[]) {
    if (!isObject(raw) || typeof raw.manager !== 'string' || !isObject(raw.fieldsV1)) continue;
    if (raw.fieldsType !== undefined && raw.fieldsType !== 'FieldsV1') continue;
    // status is written by controllers through its own subresource: never part of an apply
    if (raw.subresource === 'status') continue;
    const entry: Entry = { manager: raw.manager, operation: typeof raw.operation === 'string' ? raw.operation : '', fieldsV1: raw.fieldsV1 as unknown as FieldsV1 };
    if (typeof raw.subresource === 'string' && raw.subresource) entry.subresource = raw.subresource;
    out.push(entry);
  }
  return out;
}

/** The paths to every leaf of a field set (a node with no children but `.`). */
function leaves(set: FieldsV1, path: string[]): string[][] {
  const children = Object.keys(set).filter((k) => k !== '.');
  if (children.length === 0) return path.length > 0 ? [path] : [];
  return children.flatMap((child) => leaves(set[child]!, [...path, child]));
}

function holds(set: FieldsV1, path: readonly string[]): boolean {
  let node: FieldsV1 | undefined = set;
  for (const step of path) {
    node = node[step];
    if (!node) return false;
  }
  return true;
}

/** `["f:spec","f:replicas"]` → `.spec.replicas`; list items by key `[name="web"]`, by value `[="x"]`, by index `[0]`. */
function formatPath(path: readonly string[]): string {
  let out = '';
  for (const step of path) {
    const rest = step.slice(2);
    if (step.startsWith('f:')) out += `.${rest}`;
    else if (step.startsWith('i:')) out += `[${rest}]`;
    else if (step.startsWith('v:')) out += `[=${rest}]`;
    else if (step.startsWith('k:')) out += `[${keyFields(rest)}]`;
    else out += `.${step}`;
  }
  return out;
}

function keyFields(json: string): string {
  try {
    const value: unknown = JSON.parse(json);
    if (isObject(value)) return Object.entries(value).map(([k, v]) => `${k}=${JSON.stringify(v)}`).join(',');
  } catch {
    // not JSON: shown as the server wrote it
  }
  return json;
}
