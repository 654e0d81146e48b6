import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { parseManifests } from './parse-manifests.ts';
import type { SopsAccess } from './sops-access.ts';
import type { RenderedObject, RenderProblem } from './types.ts';

export const manifestExtensions: readonly string[] = ['.yaml', '.yml', '.json'];

export function isManifestFile(file: string): boolean {
  return manifestExtensions.includes(path.posix.extname(file).toLowerCase());
}

/** True when a segment of `file` below `dir` (both repo-relative) starts with a dot. */
export function isHiddenBelow(file: string, dir: string): boolean {
  const rel = dir ? file.slice(dir.length + 1) : file;
  return rel.split('/').some((segment) => segment.startsWith('.'));
}

/**
 * Reads and parses manifest files (repo-relative paths under `repoDir`), decrypting SOPS files
 * first. Parse problems of every file are collected; a decryption failure throws.
 */
export async function readManifestFiles(repoDir: string, files: readonly string[], sops: SopsAccess): Promise<{ objects: RenderedObject[]; problems: RenderProblem[] }> {
  // all read at once, then parsed in order: one read after the other waited each time for an event
  // loop that is busy meanwhile (a sync connects to the cluster while it renders)
  const texts = await Promise.all(files.map((file) => readFile(path.join(repoDir, ...file.split('/')), 'utf8')));
  const objects: RenderedObject[] = [];
  const problems: RenderProblem[] = [];
  for (const [i, file] of files.entries()) {
    let text = texts[i]!;
    const encrypted = sops.isEncrypted(text);
    if (encrypted) text = await sops.decrypt(text, file);
    const parsed = parseManifests(text, file, { sensitive: encrypted });
    objects.push(...parsed.objects);
    problems.push(...parsed.problems);
  }
  return { objects, problems };
}
