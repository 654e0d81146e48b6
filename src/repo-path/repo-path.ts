import path from 'node:path';
import { ValidationError } from '../core/index.ts';

/**
 * Paths written in the config repo (capstan.yaml fields, values files, chart dependencies), checked
 * as text: no file is read. What they resolve to on disk is resolve-in-repo.ts's job.
 */

export type RepoPathCheck = { path: string; problem?: undefined } | { path?: undefined; problem: string };

/**
 * A path inside the config repo, relative to its root: no absolute path, no `..`, forward slashes.
 * Returns it normalised (`./apps//gb/` → `apps/gb`; the root itself is `.`) or what is wrong.
 */
export function checkRepoPath(text: string): RepoPathCheck {
  if (text.includes('://') || /^[\w.-]+@[\w.-]+:/.test(text)) {
    return { problem: `must be a path inside the config repo, not a URL, got "${text}"` };
  }
  if (text.includes('\\')) return { problem: `must use forward slashes, got "${text}": write "${text.replaceAll('\\', '/')}"` };
  if (text.startsWith('/') || /^[A-Za-z]:/.test(text) || text.startsWith('~')) {
    const relative = text.replace(/^(~|[A-Za-z]:)?\/+/, '');
    return { problem: `must be relative to the root of the config repo, got the absolute path "${text}"${relative ? `: write "${relative}"` : ''}` };
  }
  const segments = text.split('/').filter((s) => s !== '' && s !== '.');
  if (segments.includes('..')) return { problem: `must stay inside the config repo: ".." is not allowed, got "${text}"` };
  return { path: segments.length === 0 ? '.' : segments.join('/') };
}

/**
 * A file named relative to a directory of the repo (Helm values files relative to the chart):
 * `..` may climb out of the directory but not out of the repo. Returns the repo-relative path, or
 * undefined when it leaves the repo.
 */
export function joinInsideRepo(directory: string, file: string): string | undefined {
  const joined = path.posix.normalize(path.posix.join(directory, file));
  return joined === '..' || joined.startsWith('../') || path.posix.isAbsolute(joined) ? undefined : joined;
}

/** Checks a file path written relative to a directory: relative, forward slashes; `..` allowed. */
export function checkRelativeFile(text: string): string | undefined {
  if (text.includes('://')) return `must be a file in the config repo, not a URL, got "${text}"`;
  if (text.includes('\\')) return `must use forward slashes, got "${text}": write "${text.replaceAll('\\', '/')}"`;
  if (text.startsWith('/') || /^[A-Za-z]:/.test(text) || text.startsWith('~')) {
    return `must be relative to the app's source directory, got the absolute path "${text}"`;
  }
  return undefined;
}

/** Checks a repository-relative path lexically: not absolute, no NUL, no `..` leaving the root. */
export function normalizeRepoPath(relative: string): string {
  if (relative.includes('\0')) throw new ValidationError(`path ${JSON.stringify(relative)} contains a NUL byte`);
  if (path.posix.isAbsolute(relative) || path.win32.isAbsolute(relative)) {
    throw new ValidationError(`path "${relative}" is absolute: paths must be relative to the repository root`);
  }
  const normalized = path.posix.normalize(relative.replace(/\\/g, '/'));
  if (normalized === '..' || normalized.startsWith('../')) throw new ValidationError(`path "${relative}" leaves the repository`);
  return normalized === '.' ? '' : normalized.replace(/\/+$/, '');
}
