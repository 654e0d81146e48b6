/**
 * What `capstan import` produces before it is written: apps as `capstan.yaml` entries, each with
 * where it came from and the settings capstan has no equivalent for.
 */

/** An environment the imported apps deploy to (an Argo CD destination cluster, or Flux's own cluster). */
export interface ImportedEnvironment {
  /** DNS label. */
  name: string;
  /** kubeconfig context; undefined: the current context. */
  cluster?: string;
  /** What to check about it (`destination.server https://… (set cluster: …)`). */
  note?: string;
}

export interface ImportedApp {
  /** The `apps[]` entry of capstan.yaml, keys in the order they are written. */
  entry: Record<string, unknown>;
  /** Where it came from: `Application/argocd/guestbook (apps.yaml:1)`. */
  origin: string;
  /** Settings with no equivalent, each `<setting> (<why / what to do>)`. */
  notes: string[];
  /** Where it deploys; undefined: the one environment of the import. */
  environment?: ImportedEnvironment;
}

/** A `generators:` entry (an ApplicationSet kept as a rule): `directories` and `exclude`, or `list`; the entry is the app `template`. */
export interface ImportedGenerator extends ImportedApp {
  directories?: string;
  exclude: string[];
  list?: Array<Record<string, unknown>>;
}

/** Everything read from the files: apps, lines for the top of the file, and warnings for stderr. */
export interface ImportedProject {
  apps: ImportedApp[];
  generators: ImportedGenerator[];
  /** Comment lines for the top of the output (the config repo, the sources). */
  header: string[];
  warnings: string[];
}

/** The environment of apps that deploy to the cluster the controller runs in. */
export const inClusterEnvironment: ImportedEnvironment = { name: 'in-cluster' };

/** A DNS label from any name (`Team_A.prod` → `team-a-prod`), as capstan requires for apps and environments. */
export function dnsLabel(name: string): string {
  const label = name
    .toLowerCase()
    .replace(/[^a-z0-9-]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 63)
    .replace(/-+$/, '');
  return label === '' ? 'app' : label;
}

/** A path as capstan.yaml writes sources: relative, no `./`, no trailing `/`, `.` for the root. */
export function repoPath(path: string | undefined): string {
  const parts = (path ?? '').split('/').filter((p) => p !== '' && p !== '.');
  return parts.length === 0 ? '.' : parts.join('/');
}

/** `Kind/namespace/name (file:line)`, or `Kind/name (file:line)` without a namespace. */
export function originOf(kind: string, metadata: { name?: string; namespace?: string } | undefined, file: string, line: number): string {
  const name = metadata?.name ?? '(no name)';
  return `${kind}/${metadata?.namespace ? `${metadata.namespace}/` : ''}${name} (${file}:${line})`;
}

/** Kustomize's image syntax (`nginx=registry/nginx:1.27`, `nginx:1.27`, `nginx@sha256:…`) as a capstan image override. */
export function imageOverride(text: string): Record<string, string> | undefined {
  const [name, target] = text.includes('=') ? (text.split('=', 2) as [string, string]) : [undefined, text];
  const at = target.indexOf('@');
  const digest = at >= 0 ? target.slice(at + 1) : undefined;
  const rest = at >= 0 ? target.slice(0, at) : target;
  const colon = rest.lastIndexOf(':');
  const hasTag = colon > rest.lastIndexOf('/');
  const image = hasTag ? rest.slice(0, colon) : rest;
  const tag = hasTag ? rest.slice(colon + 1) : undefined;
  if (image === '') return undefined;
  const override: Record<string, string> = { name: name ?? image };
  if (name !== undefined && image !== name) override.newName = image;
  if (digest !== undefined) override.digest = digest;
  else if (tag !== undefined) override.newTag = tag;
  return Object.keys(override).length > 1 ? override : undefined;
}

/** Sets `a.b.c` in values (Helm's `--set` for plain dotted names); false when the name uses indexes or escapes. */
export function setValue(values: Record<string, unknown>, name: string, value: unknown): boolean {
  if (/[[\]\\]/.test(name)) return false;
  const keys = name.split('.');
  let target = values;
  for (const key of keys.slice(0, -1)) {
    const next = target[key];
    if (next === null || typeof next !== 'object' || Array.isArray(next)) target[key] = {};
    target = target[key] as Record<string, unknown>;
  }
  target[keys.at(-1)!] = value;
  return true;
}

/** Deep merge of Helm values: maps merge, anything else replaces. */
export function mergeValues(base: Record<string, unknown>, over: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = { ...base };
  for (const [key, value] of Object.entries(over)) {
    const current = out[key];
    out[key] = isRecord(current) && isRecord(value) ? mergeValues(current, value) : value;
  }
  return out;
}

export function isRecord(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}
