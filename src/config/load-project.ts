import { readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { CapstanError, NotFoundError } from '../core/index.ts';
import { generatorDirectories } from './app-generators.ts';
import { parseProject } from './parse-project.ts';
import type { Project } from './types.ts';

export const projectFileName = 'capstan.yaml';

/**
 * Reads and validates `<repoDir>/capstan.yaml`. Problems in it are reported against
 * `capstan.yaml` (the path inside the repo), whatever directory the repo is checked out in.
 * Generators are expanded here: `directories` ones from the folders of `repoDir`.
 */
export async function loadProject(repoDir: string): Promise<Project> {
  const file = path.join(repoDir, projectFileName);
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') {
      const dirExists = await stat(repoDir).then((s) => s.isDirectory(), () => false);
      if (!dirExists) throw new NotFoundError(`config repo directory ${repoDir} does not exist`, { cause: error });
      throw new NotFoundError(`no ${projectFileName} at the root of ${repoDir}: run \`capstan init\` to create one`, { cause: error });
    }
    if (code === 'EISDIR') throw new CapstanError(`${file} is a directory: ${projectFileName} must be a file`, { cause: error });
    throw new CapstanError(`cannot read ${file}: ${(error as Error).message}`, { cause: error });
  }
  // the folders `directories` generators match are read from this checkout, the revision's own
  return parseProject(text, projectFileName, { directories: await generatorDirectories(repoDir, text) });
}
