/**
 * Promotion for the apps that are not `type: artifact`: what runs of a service in one environment
 * is copied to the next, as the layout of the app says it.
 *
 * - A pins app (`<source>/<namespace>/<service>` holds the image's git hash): the pin of the
 *   `from` environment's folder is copied to the `to` environment's folder. An environment's folder
 *   is `<its source>/<its namespace>` (`apps[].environments.<env>.source/namespace`); when the
 *   environments have sources of their own and the service is pinned in a single other folder of
 *   the `from` source, that folder's name is used in both.
 * - Image overrides in capstan.yaml (`apps[].environments.<env>.images`): the `from` environment's
 *   override of the service's image (as it applies there, the app's own `images` included) is
 *   written into the `to` environment's entry.
 * - A kustomize overlay per environment: the `images:` entry of the service's image in the `from`
 *   overlay's kustomization is written into the `to` overlay's.
 *
 * Which image is the service's: an image whose name (or `newName`) has the service as its last
 * path segment (`ghcr.io/org/web` for service `web`), or the image of a container named after the
 * service (`containers[].name: web`) in the app's manifests: its source folder and, for a
 * kustomization, the local resources, bases and components it includes (Helm templates are not
 * read). When several images of an app could be the service's, those named after it win; more
 * than one left is refused.
 *
 * YAML files are edited in place (image-entry-edit.ts): the rest of the file is byte-identical.
 * A service that an app pins or overrides in `to` but not in `from` is refused with the file to
 * fix: there is nothing to promote. Nothing is written here: the caller commits the edits.
 */
import { readFile } from 'node:fs/promises';
import { isMap, isSeq, parseAllDocuments, parseDocument } from 'yaml';
import { generatorDirectories, isDeployedTo, parseProject, projectFileName, resolveApp, type AppEnvironment, type AppSpec, type ImageOverride, type Project } from '../config/index.ts';
import { CapstanError, deploymentPinSuffix, isDnsLabel, NotFoundError, ValidationError } from '../core/index.ts';
import { joinInsideRepo, listFiles } from '../repo-path/index.ts';
import { readImageEntries, setImageEntry } from './image-entry-edit.ts';
import { isGitHash, isPinsSource, kustomizationOf, pinFile, pinFolder, readPin, repoFile, repoJoin } from './pins-layout.ts';
import type { RepoEdit } from './repo-change.ts';

/** One thing a promotion changes: `what` in `file`, for `app`, from the value the `to` environment had (`(none)`) to the `from` environment's. */
export interface LayoutMove {
  app: string;
  file: string;
  what: string;
  from: string;
  to: string;
}

/** The files to commit and what they move; both empty when `to` already runs what `from` does. */
export interface LayoutPromotion {
  edits: RepoEdit[];
  moves: LayoutMove[];
}

const none = '(none)';

/**
 * The edits that promote `service` from environment `from` to `to` in the pins, capstan.yaml
 * image override and kustomize overlay layouts of the checkout `repoDir` (whose capstan.yaml is
 * `project`); undefined when no app of those layouts that is deployed to both carries the service.
 */
export async function planLayoutPromotion(repoDir: string, project: Project, service: string, from: string, to: string): Promise<LayoutPromotion | undefined> {
  if (!isDnsLabel(service)) throw new ValidationError(`"${service}" is not a service name (lowercase letters, digits and "-", at most 63)`);
  for (const env of [from, to]) {
    if (!project.environments.some((e) => e.name === env)) throw new NotFoundError(`unknown environment "${env}": the project declares ${project.environments.map((e) => e.name).join(', ') || 'none'}`);
  }
  if (from === to) throw new ValidationError(`cannot promote ${service} from ${from} to itself: name the environment it goes to`);
  const plan = new Plan(repoDir, service, from, to);
  let carried = false;
  for (const app of project.apps) {
    if (app.type === 'artifact' || !isDeployedTo(app, from) || !isDeployedTo(app, to)) continue;
    const a = resolveApp(project, app.name, from);
    const b = resolveApp(project, app.name, to);
    const images = await containerImages(repoDir, app, [a.source, b.source], service);
    const pins = await plan.promotePin(app, a, b);
    const overlay = await plan.promoteOverlay(app, a, b, images);
    const overrides = await plan.promoteOverride(app, a, b, images);
    carried = carried || pins || overlay || overrides;
  }
  return carried ? plan.result() : undefined;
}

class Plan {
  private readonly texts = new Map<string, string>();
  private readonly edits = new Map<string, string | Buffer>();
  private readonly moves: LayoutMove[] = [];

  constructor(
    private readonly repoDir: string,
    private readonly service: string,
    private readonly from: string,
    private readonly to: string,
  ) {}

  result(): LayoutPromotion {
    const edits = [...this.edits].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([path, content]) => ({ path, content }));
    return { edits, moves: this.moves };
  }

  /** A pins app: the `from` folder's pin is copied to the `to` folder. Whether the app pins the service. */
  async promotePin(app: AppSpec, a: AppEnvironment, b: AppEnvironment): Promise<boolean> {
    const { repoDir, service, from, to } = this;
    if (!isPinsSource(repoDir, app, a.source) || !isPinsSource(repoDir, app, b.source)) return false;
    let fromFolder = pinFolder(repoDir, a.source, a.namespace, true)!;
    let toFolder = pinFolder(repoDir, b.source, b.namespace, true)!;
    if ((await readPin(repoDir, pinFile(repoDir, fromFolder, service))) === undefined && a.source !== b.source) {
      const pinned = await pinnedFolders(repoDir, a.source, service);
      if (pinned.length > 1) {
        throw new ValidationError(`app ${app.name} pins ${service} in ${pinned.map((f) => repoJoin(a.source, f)).join(' and ')} in ${from}, and none in its namespace's folder ${fromFolder}: capstan cannot tell which to promote to ${to}; update the pin of ${to} with capstan pin set <namespace>/${service} <hash> --env ${to}`);
      }
      if (pinned.length === 1) {
        fromFolder = repoJoin(a.source, pinned[0]);
        toFolder = repoJoin(b.source, pinned[0]);
      }
    }
    const fromFile = pinFile(repoDir, fromFolder, service, fromFolder === a.source);
    // the pin of `to` takes the form of `to`'s folder (`<service>` or `<service>.deployment`)
    const toFile = pinFile(repoDir, toFolder, service, toFolder === b.source);
    const hash = await readPin(repoDir, fromFile);
    const current = await readPin(repoDir, toFile);
    if (hash === undefined && current === undefined) return false;
    if (fromFile === toFile) return true;
    if (hash === undefined) {
      throw new ValidationError(`${fromFile} does not exist: app ${app.name} pins ${service} in ${to} (${toFile}) but not in ${from}, so there is nothing to promote: pin it in ${from} first (capstan pin set ${fromFolder.split('/').at(-1)}/${service} <hash> --env ${from})`);
    }
    if (!isGitHash(hash)) throw new ValidationError(`${fromFile} must hold the image's git hash (7 to 40 hex characters) to be promoted, got ${JSON.stringify(hash.slice(0, 50))}: fix the pin of ${from} first`);
    if (current === hash) return true;
    this.edits.set(toFile, await readFile(repoFile(repoDir, fromFile)));
    this.moves.push({ app: app.name, file: toFile, what: `image pin of ${service}`, from: current ?? none, to: hash });
    return true;
  }

  /** Kustomize overlays: the `from` overlay's `images:` entry of the service's image goes into the `to` overlay's. */
  async promoteOverlay(app: AppSpec, a: AppEnvironment, b: AppEnvironment, images: Set<string>): Promise<boolean> {
    const { repoDir, service, from, to } = this;
    if (app.type !== undefined && app.type !== 'kustomize') return false;
    const fromFile = kustomizationOf(repoDir, a.source);
    const toFile = kustomizationOf(repoDir, b.source);
    const fromEntries = fromFile === undefined ? [] : readImageEntries(await this.text(fromFile), fromFile, []);
    const toEntries = toFile === undefined ? [] : readImageEntries(await this.text(toFile), toFile, []);
    const entry = serviceImage(fromEntries, service, images, fromFile ?? '');
    const current = serviceImage(toEntries, service, images, toFile ?? '');
    if (entry === undefined && current === undefined) return false;
    if (entry === undefined) {
      const file = fromFile ?? repoJoin(a.source, 'kustomization.yaml');
      throw new ValidationError(
        `${file} has no images: entry for ${service} (${toFile} has one for ${to}: ${current!.name}), so there is nothing to promote from ${from}: add "images: [{ name: ${current!.name}, newTag: <the tag ${from} runs> }]" to ${file}`,
      );
    }
    if (toFile === undefined) {
      throw new ValidationError(`app ${app.name} renders ${b.source || '.'} in ${to}, which has no kustomization, so the images: entry for ${service} in ${fromFile} cannot be copied to it: make ${b.source || '.'} an overlay, or update ${to} by hand`);
    }
    if (fromFile === toFile) return true;
    const was = toEntries.find((e) => e.name === entry.name);
    if (was !== undefined && sameImage(was, entry)) return true;
    this.texts.set(toFile, setImageEntry(await this.text(toFile), toFile, [], entry));
    this.edits.set(toFile, this.texts.get(toFile)!);
    this.moves.push({ app: app.name, file: toFile, what: `images: entry ${entry.name}`, from: was ? formatImage(was) : none, to: formatImage(entry) });
    return true;
  }

  /** Image overrides in capstan.yaml: the override `from` applies is written into `to`'s environment entry. */
  async promoteOverride(app: AppSpec, a: AppEnvironment, b: AppEnvironment, images: Set<string>): Promise<boolean> {
    const { service, from, to } = this;
    const entry = serviceImage(a.images, service, images, projectFileName);
    const current = serviceImage(b.images, service, images, projectFileName);
    if (entry === undefined && current === undefined) return false;
    if (entry === undefined) {
      throw new ValidationError(
        `${projectFileName}: app ${app.name} overrides image ${current!.name} of ${service} in ${to} but not in ${from}, so there is nothing to promote: add the override under apps[${app.name}].environments.${from}.images (or remove it from ${to})`,
      );
    }
    const was = b.images.find((i) => i.name === entry.name);
    if (was !== undefined && sameImage(was, entry)) return true;
    const text = await this.text(projectFileName);
    const index = appIndex(text, app.name);
    const edited = setImageEntry(text, projectFileName, ['apps', index, 'environments', to], copyImage(entry));
    let after: ImageOverride | undefined;
    try {
      const directories = await generatorDirectories(this.repoDir, edited);
      after = resolveApp(parseProject(edited, projectFileName, { directories }), app.name, to).images.find((i) => i.name === entry.name);
    } catch (error) {
      throw new CapstanError(`${projectFileName}: setting image ${entry.name} of app ${app.name} in ${to} would leave it invalid (${(error as Error).message.split('\n')[0]}): set it by hand`, { cause: error });
    }
    if (after === undefined || !sameImage(after, entry)) throw new CapstanError(`${projectFileName}: setting image ${entry.name} of app ${app.name} in ${to} did not give ${to} the image of ${from}: set it by hand`);
    this.texts.set(projectFileName, edited);
    this.edits.set(projectFileName, edited);
    this.moves.push({ app: app.name, file: projectFileName, what: `image override ${entry.name} (environments.${to}.images)`, from: was ? formatImage(was) : none, to: formatImage(entry) });
    return true;
  }

  private async text(file: string): Promise<string> {
    let text = this.texts.get(file);
    if (text === undefined) {
      text = await readFile(repoFile(this.repoDir, file), 'utf8');
      this.texts.set(file, text);
    }
    return text;
  }
}

/** The index of an app in capstan.yaml's `apps` list, as written. */
function appIndex(text: string, name: string): number {
  const apps = parseDocument(text).get('apps', true);
  const index = isSeq(apps) ? apps.items.findIndex((item) => isMap(item) && item.get('name') === name) : -1;
  if (index < 0) throw new CapstanError(`${projectFileName}: cannot find app ${name} in the apps list`);
  return index;
}

/** The service's image among entries (see the file's comment for the rule); undefined when none. */
function serviceImage(entries: readonly ImageOverride[], service: string, containerImageNames: Set<string>, file: string): ImageOverride | undefined {
  const named = entries.filter((e) => lastSegment(e.name) === service || (e.newName !== undefined && lastSegment(e.newName) === service));
  const matches = named.length > 0 ? named : entries.filter((e) => containerImageNames.has(e.name));
  if (matches.length > 1) {
    throw new ValidationError(`${file}: images ${matches.map((e) => e.name).join(', ')} could each be the image of service ${service}: keep one entry for it, then promote again`);
  }
  return matches[0];
}

function lastSegment(name: string): string {
  return name.slice(name.lastIndexOf('/') + 1);
}

function sameImage(a: ImageOverride, b: ImageOverride): boolean {
  return a.name === b.name && a.newName === b.newName && a.newTag === b.newTag && a.digest === b.digest;
}

function copyImage(image: ImageOverride): ImageOverride {
  return { name: image.name, ...(image.newName === undefined ? {} : { newName: image.newName }), ...(image.newTag === undefined ? {} : { newTag: image.newTag }), ...(image.digest === undefined ? {} : { digest: image.digest }) };
}

/** As the image reads after the override: `ghcr.io/org/web:1.2.3`, `…@sha256:…`. */
function formatImage(image: ImageOverride): string {
  return `${image.newName ?? image.name}${image.newTag === undefined ? '' : `:${image.newTag}`}${image.digest === undefined ? '' : `@${image.digest}`}`;
}

/** The namespace folders of a pins source that hold a pin of `service`. */
async function pinnedFolders(repoDir: string, source: string, service: string): Promise<string[]> {
  const prefix = source === '' || source === '.' ? '' : `${source}/`;
  const folders: string[] = [];
  for (const file of await listFiles(repoDir, source)) {
    const parts = file.slice(prefix.length).split('/');
    if (parts.length === 2 && (parts[1] === service || parts[1] === `${service}${deploymentPinSuffix}`) && isDnsLabel(parts[0])) folders.push(parts[0]);
  }
  return folders;
}

const manifestFile = /\.(ya?ml|json)$/i;
const podSpecRoutes = [['spec', 'template', 'spec'], ['spec', 'jobTemplate', 'spec', 'template', 'spec'], ['spec']];

/**
 * The names (no tag or digest) of the images of containers named `service` in an app's manifests:
 * the plain files under its sources and, for kustomizations, under the local resources, bases and
 * components they include. A file that cannot be read or parsed is skipped: rendering reports it.
 */
async function containerImages(repoDir: string, app: AppSpec, sources: string[], service: string): Promise<Set<string>> {
  const names = new Set<string>();
  if (app.type === 'helm' || app.type === 'pins') return names;
  const visited = new Set<string>();
  const scanFile = async (file: string): Promise<void> => {
    if (visited.has(file)) return;
    visited.add(file);
    let text: string;
    try {
      text = await readFile(repoFile(repoDir, file), 'utf8');
    } catch {
      return;
    }
    for (const doc of parseAllDocuments(text)) {
      if (!('toJS' in doc) || doc.errors.length > 0) continue;
      for (const image of serviceContainerImages(doc.toJS(), service)) names.add(image);
    }
  };
  const walk = async (dir: string, depth: number): Promise<void> => {
    if (visited.has(`${dir}/`) || depth > 20) return;
    visited.add(`${dir}/`);
    const kustomization = kustomizationOf(repoDir, dir);
    if (kustomization === undefined) {
      const files = await listFiles(repoDir, dir).catch(() => [] as string[]);
      for (const file of files) if (manifestFile.test(file)) await scanFile(file);
      return;
    }
    let spec: unknown;
    try {
      spec = parseDocument(await readFile(repoFile(repoDir, kustomization), 'utf8')).toJS();
    } catch {
      return;
    }
    const fields = typeof spec === 'object' && spec !== null ? (spec as Record<string, unknown>) : {};
    for (const key of ['resources', 'bases', 'components']) {
      const entries = Array.isArray(fields[key]) ? (fields[key] as unknown[]) : [];
      for (const entry of entries) {
        if (typeof entry !== 'string' || entry.includes('://') || /^[\w.-]+@[\w.-]+:/.test(entry)) continue;
        const target = joinInsideRepo(dir || '.', entry);
        if (target === undefined) continue;
        if (kustomizationOf(repoDir, target) !== undefined || !manifestFile.test(target)) await walk(target === '.' ? '' : target, depth + 1);
        else await scanFile(target);
      }
    }
  };
  for (const source of sources) {
    try {
      await walk(source === '.' ? '' : source, 0);
    } catch {
      // a path that leaves the repo: rendering refuses it
    }
  }
  return names;
}

function serviceContainerImages(manifest: unknown, service: string): string[] {
  const found: string[] = [];
  for (const route of podSpecRoutes) {
    let node: unknown = manifest;
    for (const key of route) node = typeof node === 'object' && node !== null ? (node as Record<string, unknown>)[key] : undefined;
    if (typeof node !== 'object' || node === null) continue;
    const podSpec = node as Record<string, unknown>;
    for (const field of ['initContainers', 'containers']) {
      const containers = Array.isArray(podSpec[field]) ? (podSpec[field] as unknown[]) : [];
      for (const c of containers) {
        const container = typeof c === 'object' && c !== null ? (c as Record<string, unknown>) : {};
        if (container.name === service && typeof container.image === 'string') found.push(imageName(container.image));
      }
    }
    if (found.length > 0) break;
  }
  return found;
}

/** An image reference without its tag and digest, as kustomize matches `images[].name`. */
function imageName(image: string): string {
  const withoutDigest = image.split('@')[0];
  const colon = withoutDigest.lastIndexOf(':');
  return colon > withoutDigest.lastIndexOf('/') ? withoutDigest.slice(0, colon) : withoutDigest;
}
