import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { ValidationError, type Manifest } from '../core/index.ts';
import { listFiles } from '../repo-path/index.ts';
import { isPlainObject } from './parse-manifests.ts';
import { isHiddenBelow, isManifestFile, readManifestFiles } from './read-manifest-files.ts';
import { throwProblems } from './render-error.ts';
import type { SopsAccess } from './sops-access.ts';
import type { RenderedObject, RenderProblem } from './types.ts';

export const imagesPathFile = 'images_path';

const dnsLabel = /^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/;
const gitHash = /^[0-9a-fA-F]{7,40}$/;

interface Pin {
  file: string;
  namespace: string;
  service: string;
  hash: string;
}

/**
 * The image-pins layout: `<source>/images_path` holds the registry prefix; each sub-folder is a
 * namespace; in it, a file without an extension pins a service (`<folder>/<service>` holds the
 * image's git hash) and `.yaml`/`.yml`/`.json` files are manifests whose namespace defaults to the
 * folder's name. Manifests directly in `<source>` get no namespace default.
 *
 * Each pin sets the image of container `<service>` of Deployment `<service>` to
 * `<images_path>/<service>:<hash>`; a Deployment is generated when the folder has none of that name.
 */
export async function renderPins(repoDir: string, source: string, sops: SopsAccess): Promise<RenderedObject[]> {
  const prefixFile = source ? `${source}/${imagesPathFile}` : imagesPathFile;
  const prefix = await readImagesPath(repoDir, prefixFile);
  const problems: RenderProblem[] = [];
  const pins: Pin[] = [];
  const rootManifests: string[] = [];
  const folderManifests: string[] = [];

  for (const file of await listFiles(repoDir, source)) {
    if (file === prefixFile || isHiddenBelow(file, source)) continue;
    const parts = (source ? file.slice(source.length + 1) : file).split('/');
    if (parts.length === 1) {
      if (isManifestFile(file)) rootManifests.push(file);
      continue;
    }
    const namespace = parts[0];
    const isPin = parts.length === 2 && path.posix.extname(parts[1]) === '';
    if (!isPin && !isManifestFile(file)) continue; // README.md and the like
    if (!dnsLabel.test(namespace)) {
      problems.push({ source: file, message: `folder "${namespace}" is not a valid namespace name (lowercase letters, digits and "-", at most 63): rename the folder` });
      continue;
    }
    if (!isPin) {
      folderManifests.push(file);
      continue;
    }
    const service = parts[1];
    if (!dnsLabel.test(service)) {
      problems.push({ source: file, message: `"${service}" is not a valid service name for an image pin (lowercase letters, digits and "-", at most 63): rename the file, or give it an extension if it is not a pin` });
      continue;
    }
    const hash = (await readFile(path.join(repoDir, ...file.split('/')), 'utf8')).trim();
    if (!gitHash.test(hash)) {
      const shown = hash.length > 50 ? `${hash.slice(0, 47)}...` : hash;
      problems.push({ source: file, message: `an image pin must hold the image's git hash (7 to 40 hex characters), got ${JSON.stringify(shown)}: write the commit hash the image was built from` });
      continue;
    }
    pins.push({ file, namespace, service, hash });
  }

  const root = await readManifestFiles(repoDir, rootManifests, sops);
  const inFolders = await readManifestFiles(repoDir, folderManifests, sops);
  problems.push(...root.problems, ...inFolders.problems);
  for (const object of inFolders.objects) {
    const metadata = object.manifest.metadata;
    const folder = (source ? object.source.slice(source.length + 1) : object.source).split('/')[0];
    if (isPlainObject(metadata) && metadata.namespace === undefined) metadata.namespace = folder;
  }
  const objects = [...root.objects, ...inFolders.objects];

  for (const pin of pins) {
    const image = `${prefix}/${pin.service}:${pin.hash}`;
    const deployments = objects.filter(({ manifest: m }) => m.kind === 'Deployment' && isPlainObject(m.metadata) && m.metadata.name === pin.service && (m.metadata.namespace ?? '') === pin.namespace);
    if (deployments.length === 0) {
      objects.push({ manifest: generatedDeployment(pin, image), source: pin.file });
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

async function readImagesPath(repoDir: string, file: string): Promise<string> {
  let text: string;
  try {
    text = await readFile(path.join(repoDir, ...file.split('/')), 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') {
      throw new ValidationError(`${file} does not exist: the image-pins layout needs it to hold the registry prefix, e.g. "registry.example.com/team"`);
    }
    throw error;
  }
  const prefix = text.trim().replace(/\/+$/, '');
  if (!prefix || /\s/.test(prefix) || prefix.includes('@')) {
    throw new ValidationError(`${file} must hold one registry prefix such as "registry.example.com/team" (no spaces, tag or digest), got ${JSON.stringify(prefix.slice(0, 80))}`);
  }
  return prefix;
}

function containerNamed(manifest: Manifest, name: string): Record<string, unknown> | undefined {
  const spec = manifest.spec;
  const template = isPlainObject(spec) ? spec.template : undefined;
  const podSpec = isPlainObject(template) ? template.spec : undefined;
  const containers = isPlainObject(podSpec) && Array.isArray(podSpec.containers) ? podSpec.containers : [];
  return containers.find((c): c is Record<string, unknown> => isPlainObject(c) && c.name === name);
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
