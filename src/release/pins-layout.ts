/**
 * The image-pins layout as release management writes it (render/render-pins.ts reads it), in its
 * two forms: `<source>/images_path` holds the registry prefix, each sub-folder of `<source>` is a
 * namespace, and `<source>/<namespace>/<service>` (no extension) holds the git hash of the
 * service's image; or the source is itself a namespace's folder, with its own `images_path` and a
 * `<service>.deployment` pin per service (a sub-folder may be written that way too).
 * `planPinSet` is `capstan pin set <ns>/<service> <hash>`: which file of which pins app that is.
 */
import { existsSync, readdirSync, statSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { folderNamespace, isDeployedTo, type AppSpec, type Project } from '../config/index.ts';
import { deploymentPinSuffix, imagesPathFile, isDnsLabel, isGitHash, NotFoundError, ValidationError } from '../core/index.ts';
import { resolveInRepo } from '../repo-path/index.ts';
import type { RepoEdit } from './repo-change.ts';

export { isGitHash };

const kustomizationFileNames = ['kustomization.yaml', 'kustomization.yml', 'Kustomization'];

/** A repo-relative path of parts, any of which may be the root (`''` or `.`). */
export function repoJoin(...parts: string[]): string {
  return parts.filter((p) => p !== '' && p !== '.').join('/');
}

/** The absolute path of a repo-relative file; a symlink leaving the repo is refused. */
export function repoFile(repoDir: string, file: string): string {
  return resolveInRepo(repoDir, file);
}

function isDirectory(file: string): boolean {
  try {
    return statSync(file).isDirectory();
  } catch {
    return false;
  }
}

/** The kustomization file of a repo-relative folder, as kustomize names them, or undefined. */
export function kustomizationOf(repoDir: string, dir: string): string | undefined {
  return kustomizationFileNames.map((name) => repoJoin(dir, name)).find((file) => existsSync(repoFile(repoDir, file)));
}

/** Whether an app renders `source` as image pins: `type: pins`, or no type and a source that render detects as pins. */
export function isPinsSource(repoDir: string, app: AppSpec, source: string): boolean {
  if (app.type !== undefined) return app.type === 'pins';
  if (kustomizationOf(repoDir, source) !== undefined) return false;
  if (existsSync(repoFile(repoDir, repoJoin(source, 'Chart.yaml')))) return false;
  return existsSync(repoFile(repoDir, repoJoin(source, imagesPathFile)));
}

/** A pin's content: the hash, or undefined when the file does not exist. */
export async function readPin(repoDir: string, file: string): Promise<string | undefined> {
  try {
    return (await readFile(repoFile(repoDir, file), 'utf8')).trim();
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR' || code === 'EISDIR') return undefined;
    throw error;
  }
}

/** The source of an app in an environment, before the rest is resolved (a pins app needs no more). */
export function sourceIn(app: AppSpec, env: string): string {
  return app.environments?.[env]?.source ?? app.source;
}

function namespaceIn(app: AppSpec, env: string): string | undefined {
  return app.environments?.[env]?.namespace ?? app.namespace ?? (app.type === 'pins' ? folderNamespace(sourceIn(app, env)) : undefined);
}

/** The names in a repo folder (none when it is not one). */
function namesIn(repoDir: string, folder: string): string[] {
  try {
    return readdirSync(repoFile(repoDir, folder));
  } catch {
    return [];
  }
}

/** Whether a pins source is itself one namespace's folder: it holds `.deployment` pins, or only files. */
function isNamespaceFolder(repoDir: string, source: string): boolean {
  const names = namesIn(repoDir, source);
  if (names.some((name) => name.endsWith(deploymentPinSuffix))) return true;
  return !names.some((name) => !name.startsWith('.') && isDirectory(repoFile(repoDir, repoJoin(source, name))));
}

/**
 * The folder holding the pins of `namespace` in a pins app's source: its sub-folder of that name,
 * else, when the app's namespace is `namespace` (`own`), that sub-folder to be made or, for a
 * source that is a namespace's folder, the source itself; undefined when neither.
 */
export function pinFolder(repoDir: string, source: string, namespace: string, own: boolean): string | undefined {
  const folder = repoJoin(source, namespace);
  if (isDirectory(repoFile(repoDir, folder))) return folder;
  if (!own) return undefined;
  return isNamespaceFolder(repoDir, source) ? source : folder;
}

/**
 * The file pinning `service` in a folder: `<service>.deployment` or `<service>` when one exists,
 * else the form the folder's other pins have (`.deployment` in a folder that holds one, or that is
 * the app's source), else a file without extension.
 */
export function pinFile(repoDir: string, folder: string, service: string, isSource = false): string {
  const names = namesIn(repoDir, folder);
  if (names.includes(`${service}${deploymentPinSuffix}`)) return repoJoin(folder, `${service}${deploymentPinSuffix}`);
  if (names.includes(service)) return repoJoin(folder, service);
  const deploymentPins = isSource || names.some((name) => name.endsWith(deploymentPinSuffix));
  return repoJoin(folder, deploymentPins ? `${service}${deploymentPinSuffix}` : service);
}

export interface PinRequest {
  namespace: string;
  service: string;
  hash: string;
  /** Only this environment's pins apps. */
  env?: string;
  /** Only this app. */
  app?: string;
}

/** Where `capstan pin set` writes, and whether it changes anything. */
export interface PinPlan {
  /** The apps that render this file. */
  apps: string[];
  /** The environments it is for: those whose namespace the folder is, else every one that renders it. */
  envs: string[];
  /** Repo-relative: `<source>/<namespace>/<service>`, or `<folder>/<service>.deployment`. */
  file: string;
  /** The hash there now; undefined when the service had no pin. */
  previous?: string;
  /** The file as it should be; undefined when it already holds the hash. */
  edit?: RepoEdit;
}

/**
 * The pin of `<namespace>/<service>`: in the pins app (of `app`, in `env`, when given) whose source
 * has a folder `<namespace>`, or whose namespace it is in an environment. Exactly one file must
 * match: none, or several, is a ValidationError that lists what there is to choose from.
 */
export async function planPinSet(repoDir: string, project: Project, request: PinRequest): Promise<PinPlan> {
  const { namespace, service, hash } = request;
  if (!isDnsLabel(namespace)) throw new ValidationError(`"${namespace}" is not a namespace name (lowercase letters, digits and "-", at most 63): write <namespace>/<service>`);
  if (!isDnsLabel(service)) throw new ValidationError(`"${service}" is not a service name for an image pin (lowercase letters, digits and "-", at most 63): write <namespace>/<service>`);
  if (!isGitHash(hash)) throw new ValidationError(`an image pin must hold the image's git hash (7 to 40 hex characters), got ${JSON.stringify(hash.length > 50 ? `${hash.slice(0, 47)}...` : hash)}: pass the commit hash the image was built from`);
  if (request.env !== undefined && !project.environments.some((e) => e.name === request.env)) {
    throw new NotFoundError(`unknown environment "${request.env}": the project declares ${project.environments.map((e) => e.name).join(', ') || 'none'}`);
  }
  if (request.app !== undefined && !project.apps.some((a) => a.name === request.app)) {
    throw new NotFoundError(`unknown app "${request.app}": the project declares ${project.apps.map((a) => a.name).join(', ') || 'no apps'}`);
  }
  // one file can be rendered by several apps and environments: it is still one pin
  const candidates = new Map<string, { apps: Set<string>; envs: Set<string>; own: Set<string> }>();
  const folders = new Set<string>();
  for (const app of project.apps) {
    if (request.app !== undefined && app.name !== request.app) continue;
    for (const env of project.environments) {
      if (request.env !== undefined && env.name !== request.env) continue;
      if (!isDeployedTo(app, env.name)) continue;
      const source = sourceIn(app, env.name);
      if (!isPinsSource(repoDir, app, source)) continue;
      folders.add(isNamespaceFolder(repoDir, source) ? source : repoJoin(source, '*'));
      const own = namespaceIn(app, env.name) === namespace;
      const folder = pinFolder(repoDir, source, namespace, own);
      if (folder === undefined) continue;
      const file = pinFile(repoDir, folder, service, folder === source);
      const candidate = candidates.get(file) ?? { apps: new Set<string>(), envs: new Set<string>(), own: new Set<string>() };
      candidate.apps.add(app.name);
      candidate.envs.add(env.name);
      if (own) candidate.own.add(env.name);
      candidates.set(file, candidate);
    }
  }
  const filters = [request.app && `app ${request.app}`, request.env && `environment ${request.env}`].filter(Boolean).join(', ');
  if (candidates.size === 0) {
    if (folders.size === 0) throw new NotFoundError(`no pins app${filters ? ` (${filters})` : ''} in capstan.yaml: a pins app's source holds an ${imagesPathFile} file and one folder per namespace, or is a namespace's folder with its ${imagesPathFile} and <service>${deploymentPinSuffix} pins`);
    throw new NotFoundError(`no pins app${filters ? ` (${filters})` : ''} has a folder "${namespace}" (the pins folders are ${[...folders].sort().join(', ')}): create the folder, or check the namespace`);
  }
  // the environments a folder is for: those whose namespace it is, else every one that renders it
  const envsOf = (c: { envs: Set<string>; own: Set<string> }): string[] => [...(c.own.size > 0 ? c.own : c.envs)];
  const described = (file: string, c: { apps: Set<string>; envs: Set<string>; own: Set<string> }): string =>
    `${file} (${c.apps.size === 1 ? 'app' : 'apps'} ${[...c.apps].join(', ')}, ${envsOf(c).length === 1 ? 'environment' : 'environments'} ${envsOf(c).join(', ')})`;
  if (candidates.size > 1) {
    throw new ValidationError(`${namespace}/${service} could be the pin ${[...candidates].map(([file, c]) => described(file, c)).join(' or ')}: pass --env or --app to choose one`);
  }
  const [[file, chosen]] = [...candidates];
  if (isDirectory(repoFile(repoDir, file))) throw new ValidationError(`${file} is a folder, so it cannot be the pin of ${service}: a pin is a file without extension, or ${service}${deploymentPinSuffix}`);
  const previous = await readPin(repoDir, file);
  const plan: PinPlan = { apps: [...chosen.apps], envs: envsOf(chosen), file };
  if (previous !== undefined) plan.previous = previous;
  if (previous !== hash) plan.edit = { path: file, content: `${hash}\n` };
  return plan;
}

