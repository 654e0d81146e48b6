import { listFiles } from '../repo-path/index.ts';
import { isHiddenBelow, isManifestFile, manifestExtensions, readManifestFiles } from './read-manifest-files.ts';
import { throwProblems } from './render-error.ts';
import type { SopsAccess } from './sops-access.ts';
import type { RenderedObject } from './types.ts';

export interface RenderDirectoryOptions {
  /** The app may render nothing on purpose (its `syncPolicy.allowEmpty`): a directory without manifests is not an error. */
  allowEmpty?: boolean;
}

/** How many of the files that are not manifests a message names. */
const namedFiles = 5;

/**
 * A plain directory: every `.yaml`, `.yml` and `.json` file below `source` (repo-relative),
 * recursively, in path order; hidden files and directories are skipped. Parse problems of all
 * files are reported together. A directory with no manifest file at all (only `.jsonnet` files,
 * say, or nothing) is an error naming what it holds, unless the app allows an empty render: an
 * app that renders nothing by mistake must not look like one with nothing to change.
 */
export async function renderDirectory(repoDir: string, source: string, sops: SopsAccess, options: RenderDirectoryOptions = {}): Promise<RenderedObject[]> {
  const visible = (await listFiles(repoDir, source)).filter((file) => !isHiddenBelow(file, source));
  const files = visible.filter(isManifestFile);
  if (files.length === 0 && !options.allowEmpty) throwProblems([{ source: source || '.', message: noManifests(visible, source) }]);
  const { objects, problems } = await readManifestFiles(repoDir, files, sops);
  throwProblems(problems, source);
  return objects;
}

function noManifests(files: readonly string[], source: string): string {
  const supported = `capstan renders ${manifestExtensions.join(', ')} files, a kustomization, a Helm chart (Chart.yaml) or the pins layout (images_path)`;
  const emptyOnPurpose = 'if the app is meant to render nothing, set syncPolicy.allowEmpty';
  if (files.length === 0) return `renders no objects: the directory holds no files (${supported}); ${emptyOnPurpose}`;
  const relative = files.map((file) => (source ? file.slice(source.length + 1) : file));
  const named = relative.slice(0, namedFiles).join(', ') + (relative.length > namedFiles ? ` and ${relative.length - namedFiles} more` : '');
  return `renders no objects: none of its files is of a type capstan renders (${named}); ${supported}: render other formats (such as Jsonnet) to YAML first; ${emptyOnPurpose}`;
}
