/**
 * The release-management files of a config repo, as capstan writes and reads them (read by the
 * renderer of `type: artifact` apps, written by the release module):
 *
 *   artifacts/<service>/<id>/artifact.json          what CI published: branch, commit, author, steps…
 *   artifacts/<service>/<id>/manifests/…             one set of manifests for every environment, or
 *   artifacts/<service>/<id>/environments/<env>/…    one set per environment
 *   releases/<service>/<env>.yaml                    which artifact runs in an environment, and before
 *   releases/policies.yaml                           auto-release and branch-restriction policies
 *
 * Parsing is strict and names the file and the field; nothing here writes.
 */
import { readFile, readdir } from 'node:fs/promises';
import path from 'node:path';
import { parse, stringify } from 'yaml';
import { isDnsLabel, ValidationError } from '../core/index.ts';

export const artifactsDir = 'artifacts';
export const releasesDir = 'releases';
export const policiesFile = 'releases/policies.yaml';
export const artifactFileName = 'artifact.json';

/** Artifact ids: what CI systems use (build numbers, dates, hashes), safe as one path segment. */
const artifactId = /^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/;

export function isServiceName(name: string): boolean {
  return isDnsLabel(name);
}

export function isArtifactId(id: string): boolean {
  return artifactId.test(id) && !id.includes('..');
}

export function artifactDir(service: string, id: string): string {
  return `${artifactsDir}/${service}/${id}`;
}

export function artifactFile(service: string, id: string): string {
  return `${artifactDir(service, id)}/${artifactFileName}`;
}

export function releaseFile(service: string, env: string): string {
  return `${releasesDir}/${service}/${env}.yaml`;
}

/** The folder holding an artifact's manifests for an environment. */
export function artifactManifests(artifact: Pick<Artifact, 'service' | 'id' | 'environments'>, env: string): string | undefined {
  if (artifact.environments === undefined) return `${artifactDir(artifact.service, artifact.id)}/manifests`;
  return artifact.environments.includes(env) ? `${artifactDir(artifact.service, artifact.id)}/environments/${env}` : undefined;
}

export type StepStatus = 'success' | 'failure' | 'running' | 'skipped';
export const stepStatuses: readonly StepStatus[] = ['success', 'failure', 'running', 'skipped'];

/** A CI step's outcome, recorded in artifact.json by `capstan artifact step`. */
export interface ArtifactStep {
  name: string;
  status: StepStatus;
  /** ISO 8601. */
  at: string;
  url?: string;
}

/** What CI published: `artifact.json`. Immutable once pushed, except its steps. */
export interface Artifact {
  id: string;
  service: string;
  branch: string;
  commit?: string;
  author?: string;
  message?: string;
  /** A link to the CI build. */
  url?: string;
  /** ISO 8601: when it was pushed. */
  builtAt: string;
  /** Environments with a manifests folder of their own; undefined: one set for every environment. */
  environments?: string[];
  /** sha256 of the manifests (paths and contents): what makes an id immutable. */
  digest: string;
  steps: ArtifactStep[];
}

/** How an artifact came to run in an environment. */
export type ReleaseAction = 'release' | 'promote' | 'rollback' | 'auto-release';
export const releaseActions: readonly ReleaseAction[] = ['release', 'promote', 'rollback', 'auto-release'];

/** One release of an artifact to an environment. */
export interface ReleaseEntry {
  artifact: string;
  action: ReleaseAction;
  /** ISO 8601. */
  releasedAt: string;
  /** The person: a token's name or a git identity. */
  releasedBy: string;
  /** promote: the environment it came from. */
  from?: string;
  /** A gate overridden with --force: which, and why it would have refused. */
  forced?: string;
}

/** `releases/<service>/<env>.yaml`: what runs now, and the releases before it (newest first) that `--previous` walks back through. */
export interface ReleaseRecord extends ReleaseEntry {
  service: string;
  env: string;
  history: ReleaseEntry[];
}

/** At most this many earlier releases are kept for `--previous`; git log keeps every one. */
export const releaseHistoryLimit = 20;

export type PolicyType = 'auto-release' | 'branch-restriction';
export const policyTypes: readonly PolicyType[] = ['auto-release', 'branch-restriction'];

interface PolicyBase {
  id: string;
  /** A service, or undefined for every service. */
  service?: string;
  env: string;
}

/** A new artifact of `branch` is released to `env` as it is pushed. */
export interface AutoReleasePolicy extends PolicyBase {
  type: 'auto-release';
  branch: string;
}

/** Only artifacts whose branch matches `branchRegex` may run in `env`. */
export interface BranchRestrictionPolicy extends PolicyBase {
  type: 'branch-restriction';
  branchRegex: string;
}

export type Policy = AutoReleasePolicy | BranchRestrictionPolicy;

/** A policy's id: its type, service (or `all`) and environment, so applying the same rule again replaces it. */
export function policyId(type: PolicyType, service: string | undefined, env: string): string {
  return `${type}-${service ?? 'all'}-${env}`;
}

// --- parsing ---------------------------------------------------------------------------------

type Fields = Record<string, unknown>;

class FileReader {
  constructor(readonly file: string) {}

  fail(message: string): never {
    throw new ValidationError(`${this.file}: ${message}`);
  }

  object(value: unknown, what: string): Fields {
    if (typeof value !== 'object' || value === null || Array.isArray(value)) this.fail(`${what} must be a mapping`);
    return value as Fields;
  }

  string(fields: Fields, key: string, check?: (value: string) => boolean, hint?: string): string {
    const value = fields[key];
    if (typeof value !== 'string' || value === '' || (check && !check(value))) this.fail(`field "${key}" must be ${hint ?? 'a non-empty string'}, got ${JSON.stringify(value) ?? 'nothing'}`);
    return value;
  }

  optionalString(fields: Fields, key: string): string | undefined {
    const value = fields[key];
    if (value === undefined || value === null) return undefined;
    if (typeof value !== 'string') this.fail(`field "${key}" must be a string, got ${JSON.stringify(value)}`);
    return value;
  }

  oneOf<T extends string>(fields: Fields, key: string, allowed: readonly T[]): T {
    const value = fields[key];
    if (typeof value !== 'string' || !allowed.includes(value as T)) this.fail(`field "${key}" must be one of ${allowed.join(', ')}, got ${JSON.stringify(value) ?? 'nothing'}`);
    return value as T;
  }

  date(fields: Fields, key: string): string {
    const value = this.string(fields, key);
    if (Number.isNaN(Date.parse(value))) this.fail(`field "${key}" must be an ISO 8601 time, got ${JSON.stringify(value)}`);
    return value;
  }
}

export function parseArtifact(text: string, file: string): Artifact {
  const reader: FileReader = new FileReader(file);
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (error) {
    reader.fail(`is not valid JSON (${(error as Error).message}): write it with capstan artifact push`);
  }
  const fields = reader.object(data, 'artifact.json');
  const artifact: Artifact = {
    id: reader.string(fields, 'id', isArtifactId, 'an artifact id (letters, digits, ".", "_", "-")'),
    service: reader.string(fields, 'service', isServiceName, 'a service name (a DNS label)'),
    branch: reader.string(fields, 'branch'),
    builtAt: reader.date(fields, 'builtAt'),
    digest: reader.string(fields, 'digest', (d) => /^sha256:[0-9a-f]{64}$/.test(d), 'sha256:<64 hex digits>'),
    steps: [],
  };
  for (const key of ['commit', 'author', 'message', 'url'] as const) {
    const value = reader.optionalString(fields, key);
    if (value !== undefined) artifact[key] = value;
  }
  if (fields.environments !== undefined) {
    if (!Array.isArray(fields.environments) || !fields.environments.every((e) => typeof e === 'string' && isDnsLabel(e))) reader.fail('field "environments" must be a list of environment names');
    artifact.environments = fields.environments as string[];
  }
  if (fields.steps !== undefined) {
    if (!Array.isArray(fields.steps)) reader.fail('field "steps" must be a list');
    artifact.steps = fields.steps.map((item, i) => {
      const step = reader.object(item, `steps[${i}]`);
      const parsed: ArtifactStep = { name: reader.string(step, 'name'), status: reader.oneOf(step, 'status', stepStatuses), at: reader.date(step, 'at') };
      const url = reader.optionalString(step, 'url');
      if (url !== undefined) parsed.url = url;
      return parsed;
    });
  }
  return artifact;
}

export function serializeArtifact(artifact: Artifact): string {
  const ordered: Artifact = {
    id: artifact.id,
    service: artifact.service,
    branch: artifact.branch,
    ...(artifact.commit === undefined ? {} : { commit: artifact.commit }),
    ...(artifact.author === undefined ? {} : { author: artifact.author }),
    ...(artifact.message === undefined ? {} : { message: artifact.message }),
    ...(artifact.url === undefined ? {} : { url: artifact.url }),
    builtAt: artifact.builtAt,
    ...(artifact.environments === undefined ? {} : { environments: artifact.environments }),
    digest: artifact.digest,
    steps: artifact.steps,
  };
  return `${JSON.stringify(ordered, null, 2)}\n`;
}

function parseEntry(reader: FileReader, fields: Fields): ReleaseEntry {
  const entry: ReleaseEntry = {
    artifact: reader.string(fields, 'artifact', isArtifactId, 'an artifact id'),
    action: reader.oneOf(fields, 'action', releaseActions),
    releasedAt: reader.date(fields, 'releasedAt'),
    releasedBy: reader.string(fields, 'releasedBy'),
  };
  const from = reader.optionalString(fields, 'from');
  if (from !== undefined) entry.from = from;
  const forced = reader.optionalString(fields, 'forced');
  if (forced !== undefined) entry.forced = forced;
  return entry;
}

export function parseReleaseRecord(text: string, file: string): ReleaseRecord {
  const reader: FileReader = new FileReader(file);
  let data: unknown;
  try {
    data = parse(text);
  } catch (error) {
    reader.fail(`is not valid YAML (${(error as Error).message.split('\n')[0]}): it is written by capstan release; restore it from git`);
  }
  const fields = reader.object(data, 'the release');
  const history = fields.history ?? [];
  if (!Array.isArray(history)) reader.fail('field "history" must be a list');
  return {
    service: reader.string(fields, 'service', isServiceName, 'a service name'),
    env: reader.string(fields, 'env'),
    ...parseEntry(reader, fields),
    history: history.map((item, i) => parseEntry(reader, reader.object(item, `history[${i}]`))),
  };
}

const releaseHeader = '# Written by capstan: the artifact of this service that runs in this environment, and the\n# releases before it. Change it with capstan release / promote / release --previous.\n';

export function serializeReleaseRecord(record: ReleaseRecord): string {
  const entry = (e: ReleaseEntry): Fields => ({
    artifact: e.artifact,
    action: e.action,
    releasedAt: e.releasedAt,
    releasedBy: e.releasedBy,
    ...(e.from === undefined ? {} : { from: e.from }),
    ...(e.forced === undefined ? {} : { forced: e.forced }),
  });
  return releaseHeader + stringify({ service: record.service, env: record.env, ...entry(record), history: record.history.map(entry) }, { lineWidth: 0 });
}

export function parsePolicies(text: string, file: string): Policy[] {
  const reader: FileReader = new FileReader(file);
  let data: unknown;
  try {
    data = parse(text);
  } catch (error) {
    reader.fail(`is not valid YAML (${(error as Error).message.split('\n')[0]}): fix it, or manage it with capstan policy apply / delete`);
  }
  if (data === null || data === undefined) return [];
  const fields = reader.object(data, 'the policies file');
  const items = fields.policies ?? [];
  if (!Array.isArray(items)) reader.fail('field "policies" must be a list');
  const seen = new Set<string>();
  return items.map((item, i) => {
    const policy = reader.object(item, `policies[${i}]`);
    const type = reader.oneOf(policy, 'type', policyTypes);
    const env = reader.string(policy, 'env');
    const service = reader.optionalString(policy, 'service');
    const id = reader.string(policy, 'id');
    if (seen.has(id)) reader.fail(`policies[${i}]: id "${id}" is used twice: remove one`);
    seen.add(id);
    const base = { id, env, ...(service === undefined ? {} : { service }) };
    if (type === 'auto-release') return { ...base, type, branch: reader.string(policy, 'branch') };
    const branchRegex = reader.string(policy, 'branchRegex');
    try {
      new RegExp(branchRegex);
    } catch (error) {
      reader.fail(`policies[${i}]: branchRegex ${JSON.stringify(branchRegex)} is not a regular expression (${(error as Error).message})`);
    }
    return { ...base, type, branchRegex };
  });
}

// --- reading from a checkout ---------------------------------------------------------------------

async function readText(repoDir: string, file: string): Promise<string | undefined> {
  try {
    return await readFile(path.join(repoDir, ...file.split('/')), 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT' || (error as NodeJS.ErrnoException).code === 'ENOTDIR') return undefined;
    throw error;
  }
}

/** What runs of `service` in `env`; undefined before its first release. */
export async function readRelease(repoDir: string, service: string, env: string): Promise<ReleaseRecord | undefined> {
  const file = releaseFile(service, env);
  const text = await readText(repoDir, file);
  if (text === undefined) return undefined;
  const record = parseReleaseRecord(text, file);
  if (record.service !== service || record.env !== env) throw new ValidationError(`${file}: it names service "${record.service}" in environment "${record.env}": a release file is releases/<service>/<env>.yaml; restore it from git`);
  return record;
}

export async function readArtifact(repoDir: string, service: string, id: string): Promise<Artifact | undefined> {
  if (!isServiceName(service) || !isArtifactId(id)) return undefined;
  const file = artifactFile(service, id);
  const text = await readText(repoDir, file);
  if (text === undefined) return undefined;
  const artifact = parseArtifact(text, file);
  if (artifact.id !== id || artifact.service !== service) throw new ValidationError(`${file}: it names artifact "${artifact.id}" of service "${artifact.service}": an artifact lives in artifacts/<service>/<id>/; restore it from git`);
  return artifact;
}

/** Every artifact of a service, oldest first (by `builtAt`, then id). */
export async function listArtifacts(repoDir: string, service: string): Promise<Artifact[]> {
  if (!isServiceName(service)) return [];
  let ids: string[];
  try {
    ids = (await readdir(path.join(repoDir, artifactsDir, service), { withFileTypes: true })).filter((d) => d.isDirectory()).map((d) => d.name);
  } catch {
    return [];
  }
  const artifacts = (await Promise.all(ids.filter(isArtifactId).map((id) => readArtifact(repoDir, service, id)))).filter((a): a is Artifact => a !== undefined);
  return artifacts.sort((a, b) => Date.parse(a.builtAt) - Date.parse(b.builtAt) || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
}

/** The services with artifacts or releases in the repo. */
export async function listServices(repoDir: string): Promise<string[]> {
  const names = new Set<string>();
  for (const dir of [artifactsDir, releasesDir]) {
    try {
      for (const entry of await readdir(path.join(repoDir, dir), { withFileTypes: true })) if (entry.isDirectory() && isServiceName(entry.name)) names.add(entry.name);
    } catch {
      // none
    }
  }
  return [...names].sort();
}

export async function readPolicies(repoDir: string): Promise<Policy[]> {
  const text = await readText(repoDir, policiesFile);
  return text === undefined ? [] : parsePolicies(text, policiesFile);
}
