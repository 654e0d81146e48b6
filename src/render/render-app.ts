import { existsSync, statSync } from 'node:fs';
import path from 'node:path';
import type { AppEnvironment, AppType } from '../config/index.ts';
import { CapstanError, ValidationError } from '../core/index.ts';
import { normalizeRepoPath, resolveInRepo } from '../repo-path/index.ts';
import { applyImageOverrides } from './image-overrides.ts';
import { applyKbldLock, readKbldLock } from './kbld-lock.ts';
import { findKustomizationFile } from './kustomization-paths.ts';
import { applyPostRender, type PostRenderOptions } from './post-render.ts';
import { renderArtifact } from './render-artifact.ts';
import { renderDirectory } from './render-directory.ts';
import { renderHelmApp } from './render-helm-app.ts';
import { renderKustomize } from './render-kustomize.ts';
import { imagesPathFile, renderPins } from './render-pins.ts';
import { SopsAccess } from './sops-access.ts';
import { sortObjects } from './sort-objects.ts';
import type { RenderedObject, RenderResult } from './types.ts';

/** What a source directory holds: a kustomization, a Helm chart, an image-pins layout, or plain manifests (in that order). */
export function detectAppType(repoDir: string, source: string): AppType {
  const rel = normalizeRepoPath(source);
  if (findKustomizationFile(repoDir, rel)) return 'kustomize';
  const join = (name: string): string => path.join(repoDir, ...(rel ? rel.split('/') : []), name);
  if (existsSync(join('Chart.yaml'))) return 'helm';
  if (existsSync(join(imagesPathFile))) return 'pins';
  return 'directory';
}

/**
 * Renders one app in one environment from a checked-out config repo (`repoDir`, absolute): the
 * configured type, or the detected one; then the environment's image overrides are applied to
 * every workload, and the objects are sorted so the same tree always renders the same list.
 * Nothing from the repo is executed: no kustomize plugins or exec functions, no Helm hooks.
 */
export async function renderApp(repoDir: string, app: AppEnvironment, given: PostRenderOptions = {}): Promise<RenderResult> {
  let versionRanges = false;
  const options: PostRenderOptions = {
    ...given,
    onVersionRange: () => {
      versionRanges = true;
      given.onVersionRange?.();
    },
  };
  const subject = `app ${app.name} (environment ${app.env})`;
  if (app.type === 'artifact') {
    const sops = new SopsAccess(options);
    const objects = await renderArtifact(repoDir, app.service ?? app.name, app.env, sops);
    await applyImages(repoDir, app, objects, subject);
    return { type: 'artifact', objects: sortObjects(objects), decrypted: sops.decrypted };
  }
  let source: string;
  let absolute: string;
  try {
    source = normalizeRepoPath(app.source);
    absolute = resolveInRepo(repoDir, source);
  } catch (error) {
    if (error instanceof CapstanError) throw new ValidationError(`${subject}: source "${app.source}" is refused: ${error.message}`, { cause: error });
    throw error;
  }
  let isDirectory = false;
  try {
    isDirectory = statSync(absolute).isDirectory();
  } catch {
    // missing
  }
  if (!isDirectory) throw new ValidationError(`${subject}: source "${app.source}" is not a directory in the config repo: check the app's source in capstan.yaml`);

  const type = app.type ?? (app.helm.chart ? 'helm' : detectAppType(repoDir, source));
  const sops = new SopsAccess(options);
  let objects;
  switch (type) {
    case 'directory':
      objects = await renderDirectory(repoDir, source, sops, { allowEmpty: app.syncPolicy.allowEmpty });
      break;
    case 'kustomize':
      objects = await renderKustomize(repoDir, source, sops, options);
      break;
    case 'helm':
      objects = await renderHelmApp(repoDir, source, app, sops, options);
      break;
    case 'pins':
      objects = await renderPins(repoDir, source, sops, app.namespace);
      break;
    case 'artifact':
      throw new CapstanError(`${subject}: an artifact app is rendered from its release`);
  }
  let sensitive = false;
  if (app.postRender !== undefined) {
    // Flux's Kustomization options (patches, targetNamespace, postBuild) apply to what kustomize and plain directories render
    if (type !== 'kustomize' && type !== 'directory') throw new ValidationError(`${subject}: targetNamespace, patches and postBuild apply to kustomize and directory apps, but ${app.source} renders as ${type}: remove them, or set type`);
    const post = await applyPostRender(objects, app.postRender, app.namespace, subject, options);
    objects = post.objects;
    sensitive = post.sensitive;
  }
  await applyImages(repoDir, app, objects, subject);
  return { type, objects: sortObjects(objects), decrypted: sops.decrypted || sensitive, ...(versionRanges ? { versionRanges } : {}) };
}

/** The app's image overrides (`images:`), then its kbld lock file's, to every workload. */
async function applyImages(repoDir: string, app: AppEnvironment, objects: readonly RenderedObject[], subject: string): Promise<void> {
  const locked = app.imageLockFile === undefined ? [] : await readKbldLock(repoDir, app.imageLockFile, subject);
  for (const object of objects) {
    applyImageOverrides(object.manifest, app.images);
    applyKbldLock(object.manifest, locked);
  }
}
