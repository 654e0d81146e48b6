import { listFiles } from '../source/index.ts';
import { isHiddenBelow, isManifestFile, readManifestFiles } from './read-manifest-files.ts';
import { throwProblems } from './render-error.ts';
import type { SopsAccess } from './sops-access.ts';
import type { RenderedObject } from './types.ts';

/**
 * A plain directory: every `.yaml`, `.yml` and `.json` file below `source` (repo-relative),
 * recursively, in path order; hidden files and directories are skipped. Parse problems of all
 * files are reported together.
 */
export async function renderDirectory(repoDir: string, source: string, sops: SopsAccess): Promise<RenderedObject[]> {
  const files = (await listFiles(repoDir, source)).filter((file) => isManifestFile(file) && !isHiddenBelow(file, source));
  const { objects, problems } = await readManifestFiles(repoDir, files, sops);
  throwProblems(problems, source);
  return objects;
}
