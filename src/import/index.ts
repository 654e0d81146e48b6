/**
 * `capstan import`: Argo CD and Flux manifests read as `capstan.yaml` entries. Reads the files it
 * is given and, for git directories generators, the local checkout; never the network.
 */
import { importArgoCd } from './argocd.ts';
import { importFlux } from './flux.ts';
import { listDirectories } from './list-directories.ts';
import type { Manifest } from './read-manifests.ts';
import { writeProject } from './write-project.ts';

export { readManifests, type Manifest } from './read-manifests.ts';

export type ImportFrom = 'argocd' | 'flux';

export interface ImportOptions {
  /** The local checkout of the config repo, where git directories generators list directories. */
  repoDir: string;
}

/** What the import prints: the `capstan.yaml` text, and warnings for what it skipped. */
export interface ImportResult {
  text: string;
  warnings: string[];
}

const titles: Record<ImportFrom, string> = {
  argocd: 'capstan.yaml from Argo CD (capstan import argocd): review every "no equivalent" below',
  flux: 'capstan.yaml from Flux (capstan import flux): review every "no equivalent" below',
};

export function importManifests(from: ImportFrom, manifests: Manifest[], options: ImportOptions): ImportResult {
  const project = from === 'argocd' ? importArgoCd(manifests, { listDirectories: (pattern) => listDirectories(options.repoDir, pattern) }) : importFlux(manifests);
  return { text: writeProject(project, titles[from]), warnings: project.warnings };
}
