import { createHash, randomBytes } from 'node:crypto';
import { lstat, readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { parseAllDocuments } from 'yaml';
import { artifactDir, artifactFile, isArtifactId, isServiceName, readArtifact, serializeArtifact, stepStatuses, type Artifact, type Project, type StepStatus } from '../config/index.ts';
import { ValidationError } from '../core/index.ts';
import type { RepoEdit } from './repo-change.ts';

/** What CI hands `capstan artifact push`. */
export interface ArtifactInput {
  /** The folder of manifests on this machine: one folder per environment, or one set for all. */
  dir: string;
  service: string;
  branch: string;
  id?: string;
  commit?: string;
  author?: string;
  message?: string;
  url?: string;
}

/** The manifests of an artifact, read from CI's folder: repo-relative (inside the artifact) paths and contents. */
export interface ArtifactFiles {
  /** Environments with a folder of their own; undefined: one set for every environment. */
  environments?: string[];
  files: Array<{ path: string; content: Buffer }>;
  digest: string;
}

const manifestExtensions = new Set(['.yaml', '.yml', '.json']);
const maxFiles = 2_000;
const maxBytes = 20 * 1024 * 1024;

/**
 * Reads CI's folder: manifests only (`.yaml`, `.yml`, `.json`; other files such as READMEs are
 * left out), each checked to be YAML that parses, no symbolic links, at most 2,000 files and
 * 20 MiB. Folders named after the project's environments make a per-environment artifact; then
 * every manifest must be inside one of them.
 */
export async function readArtifactFiles(dir: string, project: Project): Promise<ArtifactFiles> {
  const root = path.resolve(dir);
  const rootStats = await lstat(root).catch(() => undefined);
  if (!rootStats?.isDirectory()) throw new ValidationError(`${dir}: not a folder: name the folder of the artifact's manifests (one folder per environment, or one set for every environment)`);
  const envNames = new Set(project.environments.map((e) => e.name));
  const files: Array<{ path: string; content: Buffer }> = [];
  let bytes = 0;
  const walk = async (relative: string): Promise<void> => {
    for (const entry of await readdir(path.join(root, relative), { withFileTypes: true })) {
      const rel = relative ? `${relative}/${entry.name}` : entry.name;
      if (entry.name.startsWith('.')) continue;
      if (entry.isSymbolicLink()) throw new ValidationError(`${path.join(dir, rel)}: a symbolic link: an artifact holds plain files only; copy the file instead`);
      if (entry.isDirectory()) {
        await walk(rel);
        continue;
      }
      if (!entry.isFile() || !manifestExtensions.has(path.extname(entry.name).toLowerCase())) continue;
      const content = await readFile(path.join(root, rel));
      bytes += content.length;
      if (files.length >= maxFiles || bytes > maxBytes) throw new ValidationError(`${dir}: more than ${maxFiles} manifests or ${maxBytes / 1024 / 1024} MiB: an artifact holds a service's manifests, not a build's output`);
      checkManifest(path.join(dir, rel), content);
      files.push({ path: rel, content });
    }
  };
  await walk('');
  if (files.length === 0) throw new ValidationError(`${dir}: no manifests (.yaml, .yml or .json) in it: write the service's Kubernetes manifests there (one folder per environment, or one set for every environment)`);
  const topFolders = new Set(files.filter((f) => f.path.includes('/')).map((f) => f.path.split('/')[0]));
  const envFolders = [...topFolders].filter((name) => envNames.has(name)).sort();
  let environments: string[] | undefined;
  if (envFolders.length > 0) {
    const outside = files.filter((f) => !envFolders.includes(f.path.split('/')[0]));
    if (outside.length > 0) {
      throw new ValidationError(
        `${dir}: it has folders for environments ${envFolders.join(', ')} and also ${outside[0].path}${outside.length > 1 ? ` and ${outside.length - 1} more` : ''} outside them: put every manifest in an environment folder (${[...envNames].join(', ')}), or use no environment folders at all`,
      );
    }
    environments = envFolders;
  }
  files.sort((a, b) => (a.path < b.path ? -1 : 1));
  const hash = createHash('sha256');
  for (const file of files) hash.update(file.path).update('\0').update(file.content).update('\0');
  return { ...(environments ? { environments } : {}), files, digest: `sha256:${hash.digest('hex')}` };
}

function checkManifest(file: string, content: Buffer): void {
  const text = content.toString('utf8');
  if (file.toLowerCase().endsWith('.json')) {
    try {
      JSON.parse(text);
    } catch (error) {
      throw new ValidationError(`${file}: not valid JSON (${(error as Error).message}): fix the manifest before pushing the artifact`);
    }
    return;
  }
  for (const doc of parseAllDocuments(text)) {
    const error = 'errors' in doc ? doc.errors[0] : undefined;
    if (error) {
      const line = error.linePos?.[0]?.line;
      throw new ValidationError(`${file}${line ? `:${line}` : ''}: not valid YAML (${error.message.split('\n')[0]}): fix the manifest before pushing the artifact`);
    }
  }
}

/** An id for an artifact pushed without one: its time, then the commit (or random), sortable and unique. */
export function newArtifactId(now: Date, commit?: string): string {
  const stamp = now.toISOString().replace(/[-:]/g, '').replace(/\.\d+Z$/, '').replace('T', '-');
  const suffix = commit && /^[0-9a-f]{7,}$/i.test(commit) ? commit.slice(0, 7).toLowerCase() : randomBytes(3).toString('hex');
  return `${stamp}-${suffix}`;
}

export function checkArtifactInput(input: ArtifactInput, project: Project): void {
  if (!isServiceName(input.service)) throw new ValidationError(`--service "${input.service}" is not a service name: lowercase letters, digits and "-", at most 63`);
  if (input.id !== undefined && !isArtifactId(input.id)) throw new ValidationError(`--id "${input.id}" is not an artifact id: letters, digits, ".", "_" and "-", at most 128, starting with a letter or digit`);
  if (input.branch.trim() === '' || /[\s~^:?*[\\]/.test(input.branch)) throw new ValidationError(`--branch "${input.branch}" is not a branch name`);
  if (project.environments.length === 0) throw new ValidationError('capstan.yaml has no environments: an artifact is released to one');
}

/**
 * The edits that publish an artifact: its manifests and artifact.json. An id that exists with the
 * same manifests is already published (undefined); with other manifests it is refused, since an
 * artifact never changes once pushed.
 */
export async function artifactEdits(repoDir: string, input: ArtifactInput, files: ArtifactFiles, id: string, builtAt: string): Promise<{ artifact: Artifact; edits?: RepoEdit[] }> {
  const existing = await readArtifact(repoDir, input.service, id);
  if (existing) {
    if (existing.digest === files.digest) return { artifact: existing };
    throw new ValidationError(
      `artifact "${id}" of service "${input.service}" already exists with other manifests (${existing.digest.slice(0, 19)}…, pushed ${existing.builtAt} from branch ${existing.branch}): artifacts never change once pushed; push this one under a new --id`,
    );
  }
  const artifact: Artifact = {
    id,
    service: input.service,
    branch: input.branch,
    ...(input.commit ? { commit: input.commit } : {}),
    ...(input.author ? { author: input.author } : {}),
    ...(input.message ? { message: input.message } : {}),
    ...(input.url ? { url: input.url } : {}),
    builtAt,
    ...(files.environments ? { environments: files.environments } : {}),
    digest: files.digest,
    steps: [],
  };
  const base = artifactDir(input.service, id);
  const edits: RepoEdit[] = files.files.map((f) => ({ path: files.environments ? `${base}/environments/${f.path}` : `${base}/manifests/${f.path}`, content: f.content }));
  edits.push({ path: artifactFile(input.service, id), content: serializeArtifact(artifact) });
  return { artifact, edits };
}

export function checkStepStatus(status: string): StepStatus {
  if (!stepStatuses.includes(status as StepStatus)) throw new ValidationError(`--status "${status}" is not a step status: use ${stepStatuses.join(', ')}`);
  return status as StepStatus;
}
