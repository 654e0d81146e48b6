import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { annotations, deploymentPinSuffix, imagesPathFile, isDnsLabel, isGitHash, ValidationError, type Manifest } from '../core/index.ts';
import { listFiles } from '../repo-path/index.ts';
import { isPlainObject } from './parse-manifests.ts';
import { isHiddenBelow, isManifestFile, readManifestFiles } from './read-manifest-files.ts';
import { throwProblems } from './render-error.ts';
import type { SopsAccess } from './sops-access.ts';
import type { RenderedObject, RenderProblem } from './types.ts';

export { imagesPathFile };


interface Pin {
  file: string;
  namespace: string;
  service: string;
  hash: string;
  /** The registry prefix: the `images_path` of the pin's folder, else of the source. */
  prefix: string;
  /** A `.deployment` pin: sets the image of a Deployment that exists, and owns nothing else of it. */
  existing: boolean;
}

/**
 * The image-pins layout, in the two ways teams write it:
 * - `<source>/images_path` holds the registry prefix; each sub-folder is a namespace; in it, a file
 *   without an extension pins a service (`<folder>/<service>` holds the image's git hash) and
 *   `.yaml`/`.yml`/`.json` files are manifests whose namespace defaults to the folder's name.
 *   Manifests directly in `<source>` get no namespace default.
 * - A folder per namespace with its own `images_path` (the prefix differs per environment) and a
 *   `<service>.deployment` file per service: the source is that folder (its pins are in the app's
 *   namespace), or holds such folders.
 *
 * A pin sets the image of container `<service>` of Deployment `<service>` to
 * `<images_path>/<service>:<hash>`, the `images_path` of the pin's folder, else of the source.
 * When the render has that Deployment (a manifest of the folder), its container's image is set;
 * else a file without extension generates a Deployment, and a `.deployment` pin sets the image of
 * the Deployment on the cluster, as `kubectl set image` does, and nothing else of it: the object
 * rendered is that one field, annotated `capstan.dev/patch-existing` (never created, labelled,
 * pruned or deleted; a missing Deployment fails the sync naming it).
 */
export async function renderPins(repoDir: string, source: string, sops: SopsAccess, namespace: string): Promise<RenderedObject[]> {
  const within = (file: string): string[] => (source ? file.slice(source.length + 1) : file).split('/');
  const problems: RenderProblem[] = [];
  const pinFiles: { file: string; folder: string; namespace: string; service: string; existing: boolean }[] = [];
  const prefixFiles = new Map<string, string>(); // folder ('' for the source) → its images_path file
  const rootManifests: string[] = [];
  const folderManifests: string[] = [];

  for (const file of await listFiles(repoDir, source)) {
    if (isHiddenBelow(file, source)) continue;
    const parts = within(file);
    const name = parts.at(-1)!;
    const folder = parts.length === 2 ? parts[0]! : '';
    if (parts.length <= 2 && name === imagesPathFile) {
      prefixFiles.set(folder, file);
      continue;
    }
    const existing = name.endsWith(deploymentPinSuffix);
    const isPin = existing ? parts.length <= 2 : parts.length === 2 && path.posix.extname(name) === '';
    if (parts.length === 1 && !isPin) {
      if (isManifestFile(file)) rootManifests.push(file);
      continue;
    }
    if (!isPin && !isManifestFile(file)) continue; // README.md and the like
    if (parts.length > 1 && !isDnsLabel(parts[0]!)) {
      problems.push({ source: file, message: `folder "${parts[0]}" is not a valid namespace name (lowercase letters, digits and "-", at most 63): rename the folder` });
      continue;
    }
    if (!isPin) {
      folderManifests.push(file);
      continue;
    }
    const service = existing ? name.slice(0, -deploymentPinSuffix.length) : name;
    if (!isDnsLabel(service)) {
      const fix = existing ? 'rename the file' : 'rename the file, or give it an extension if it is not a pin';
      problems.push({ source: file, message: `"${service}" is not a valid service name for an image pin (lowercase letters, digits and "-", at most 63): ${fix}` });
      continue;
    }
    pinFiles.push({ file, folder, namespace: folder || namespace, service, existing });
  }
  const rootPrefixFile = source ? `${source}/${imagesPathFile}` : imagesPathFile;
  if (prefixFiles.size === 0) throw new ValidationError(`${rootPrefixFile} does not exist: the image-pins layout needs it to hold the registry prefix, e.g. "registry.example.com/team"`);

  const prefixes = new Map<string, string>();
  for (const [folder, file] of prefixFiles) {
    const read = await readImagesPath(repoDir, file);
    if ('problem' in read) problems.push({ source: file, message: read.problem });
    else prefixes.set(folder, read.prefix);
  }
  const pins: Pin[] = [];
  const seen = new Map<string, string>();
  for (const pinFile of pinFiles) {
    const { file, folder, service } = pinFile;
    const key = `${folder}/${service}`;
    const other = seen.get(key);
    if (other !== undefined) {
      problems.push({ source: file, message: `pins ${service} a second time (also ${other}): keep one of the two files` });
      continue;
    }
    seen.set(key, file);
    const hash = (await readFile(path.join(repoDir, ...file.split('/')), 'utf8')).trim();
    if (!isGitHash(hash)) {
      const shown = hash.length > 50 ? `${hash.slice(0, 47)}...` : hash;
      problems.push({ source: file, message: `an image pin must hold the image's git hash (7 to 40 hex characters), got ${JSON.stringify(shown)}: write the commit hash the image was built from` });
      continue;
    }
    const prefix = prefixes.get(folder) ?? prefixes.get('');
    if (prefix === undefined) {
      if (!prefixFiles.has(folder) && !prefixFiles.has('')) {
        const where = [folder && `${source ? `${source}/` : ''}${folder}/${imagesPathFile}`, rootPrefixFile].filter(Boolean).join(' or ');
        problems.push({ source: file, message: `has no registry prefix: write it (e.g. "registry.example.com/team") into ${where}` });
      }
      continue; // a bad images_path is reported above
    }
    pins.push({ ...pinFile, hash, prefix });
  }

  const root = await readManifestFiles(repoDir, rootManifests, sops);
  const inFolders = await readManifestFiles(repoDir, folderManifests, sops);
  problems.push(...root.problems, ...inFolders.problems);
  for (const object of inFolders.objects) {
    const metadata = object.manifest.metadata;
    const folder = within(object.source)[0];
    if (isPlainObject(metadata) && metadata.namespace === undefined) metadata.namespace = folder;
  }
  const objects = [...root.objects, ...inFolders.objects];

  for (const pin of pins) {
    const image = `${pin.prefix}/${pin.service}:${pin.hash}`;
    const deployments = objects.filter(({ manifest: m }) => m.kind === 'Deployment' && isPlainObject(m.metadata) && m.metadata.name === pin.service && (m.metadata.namespace ?? namespace) === pin.namespace);
    if (deployments.length === 0) {
      objects.push({ manifest: pin.existing ? imageOfExistingDeployment(pin, image) : generatedDeployment(pin, image), source: pin.file });
      continue;
    }
    for (const deployment of deployments) {
      const container = containerNamed(deployment.manifest, pin.service);
      if (!container) {
        problems.push({
          source: pin.file,
          subject: `Deployment/${pin.namespace}/${pin.service}`,
          message: `the image pin needs a container named "${pin.service}" in the Deployment (defined in ${deployment.source}): rename the container or remove the pin`,
        });
        continue;
      }
      container.image = image;
    }
  }
  throwProblems(problems, source || '.');
  return objects;
}

/** The registry prefix an `images_path` file holds, or what is wrong with it (a message that follows the file's name). */
async function readImagesPath(repoDir: string, file: string): Promise<{ prefix: string } | { problem: string }> {
  const prefix = (await readFile(path.join(repoDir, ...file.split('/')), 'utf8')).trim().replace(/\/+$/, '');
  if (!prefix || /\s/.test(prefix) || prefix.includes('@')) {
    return { problem: `must hold one registry prefix such as "registry.example.com/team" (no spaces, tag or digest), got ${JSON.stringify(prefix.slice(0, 80))}` };
  }
  return { prefix };
}

function containerNamed(manifest: Manifest, name: string): Record<string, unknown> | undefined {
  const spec = manifest.spec;
  const template = isPlainObject(spec) ? spec.template : undefined;
  const podSpec = isPlainObject(template) ? template.spec : undefined;
  const containers = isPlainObject(podSpec) && Array.isArray(podSpec.containers) ? podSpec.containers : [];
  return containers.find((c): c is Record<string, unknown> => isPlainObject(c) && c.name === name);
}

/** The image of container `<service>` of the Deployment on the cluster, and nothing else of it. */
function imageOfExistingDeployment(pin: Pin, image: string): Manifest {
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: pin.service, namespace: pin.namespace, annotations: { [annotations.patchExisting]: 'true' } },
    spec: { template: { spec: { containers: [{ name: pin.service, image }] } } },
  };
}

function generatedDeployment(pin: Pin, image: string): Manifest {
  const labels = { app: pin.service };
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: pin.service, namespace: pin.namespace, labels: { ...labels } },
    spec: {
      replicas: 1,
      selector: { matchLabels: { ...labels } },
      template: {
        metadata: { labels: { ...labels } },
        spec: { containers: [{ name: pin.service, image }] },
      },
    },
  };
}
