import { lstatSync, readlinkSync, realpathSync } from 'node:fs';
import { lstat, readdir, readlink, realpath } from 'node:fs/promises';
import path from 'node:path';
import { ValidationError } from '../core/index.ts';

/**
 * Paths inside a checked-out repository. A repository is untrusted input: a path in capstan.yaml
 * or a symlink committed to the repo must never reach a file outside it.
 */

function isInside(root: string, candidate: string): boolean {
  const rel = path.relative(root, candidate);
  return rel === '' || (!rel.startsWith(`..${path.sep}`) && rel !== '..' && !path.isAbsolute(rel));
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

/**
 * The absolute path of `relative` inside `root`. Rejects absolute paths, `..` escapes and any
 * symlink along the path that resolves outside the root. The path itself need not exist; what
 * exists of it is checked. The result is under `root` as given, with the symlinks inside resolved.
 */
export function resolveInRepo(root: string, relative: string): string {
  const normalized = normalizeRepoPath(relative);
  const rootAbs = path.resolve(root);
  const realRoot = realpathSync(rootAbs);
  const parts = normalized ? normalized.split('/') : [];
  let current = realRoot;
  for (let i = 0; i < parts.length; i++) {
    const next = path.join(current, parts[i]);
    let stats;
    try {
      stats = lstatSync(next);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT' || (error as NodeJS.ErrnoException).code === 'ENOTDIR') {
        current = path.join(next, ...parts.slice(i + 1));
        break;
      }
      throw error;
    }
    if (!stats.isSymbolicLink()) {
      current = next;
      continue;
    }
    const link = path.relative(realRoot, next).split(path.sep).join('/');
    let target: string;
    try {
      target = realpathSync(next);
    } catch {
      // Dangling: judge where it points by its text, resolving what exists of the target.
      target = lexicalTarget(next, readlinkSync(next));
      if (!isInside(realRoot, target)) throw escape(relative, link);
      current = path.join(target, ...parts.slice(i + 1));
      break;
    }
    if (!isInside(realRoot, target)) throw escape(relative, link);
    current = target;
  }
  return path.join(rootAbs, path.relative(realRoot, current));
}

function lexicalTarget(linkPath: string, text: string): string {
  const target = path.resolve(path.dirname(linkPath), text);
  // The first existing ancestor may itself be (or pass through) a symlink.
  let existing = target;
  const rest: string[] = [];
  for (;;) {
    try {
      return path.join(realpathSync(existing), ...rest);
    } catch {
      const parent = path.dirname(existing);
      if (parent === existing) return target;
      rest.unshift(path.basename(existing));
      existing = parent;
    }
  }
}

function escape(relative: string, link: string): ValidationError {
  return relative === link || relative.replace(/\/+$/, '') === link
    ? new ValidationError(`symlink "${link}" points outside the repository`)
    : new ValidationError(`path "${relative}" goes through symlink "${link}", which points outside the repository`);
}

export interface ListFilesOptions {
  /** Follow symlinks that stay inside the root (default true); when false they are reported as errors. */
  followSymlinks?: boolean;
}

/**
 * Every regular file under `dir` (repository-relative), as sorted repository-relative paths with
 * `/` separators. `.git` directories are skipped. A symlink that points outside the root, or
 * nowhere, is a ValidationError naming the link; symlinks inside are followed (loops are cut).
 */
export async function listFiles(root: string, dir = '', options: ListFilesOptions = {}): Promise<string[]> {
  const follow = options.followSymlinks !== false;
  const rootAbs = path.resolve(root);
  const realRoot = await realpath(rootAbs);
  const start = resolveInRepo(rootAbs, dir);
  const startRel = normalizeRepoPath(dir);
  const out: string[] = [];

  const walk = async (real: string, rel: string, ancestors: Set<string>): Promise<void> => {
    const entries = await readdir(real, { withFileTypes: true });
    for (const entry of entries) {
      if (entry.name === '.git') continue;
      const childReal = path.join(real, entry.name);
      const childRel = rel ? `${rel}/${entry.name}` : entry.name;
      if (entry.isDirectory()) {
        await walk(childReal, childRel, new Set(ancestors).add(childReal));
      } else if (entry.isFile()) {
        out.push(childRel);
      } else if (entry.isSymbolicLink()) {
        let target: string;
        try {
          target = await realpath(childReal);
        } catch {
          const text = await readlink(childReal);
          if (!isInside(realRoot, lexicalTarget(childReal, text))) throw new ValidationError(`symlink "${childRel}" points outside the repository`);
          throw new ValidationError(`symlink "${childRel}" points to "${text}", which does not exist`);
        }
        if (!isInside(realRoot, target)) throw new ValidationError(`symlink "${childRel}" points outside the repository`);
        if (!follow) throw new ValidationError(`symlink "${childRel}" is not allowed here`);
        const stats = await lstat(target);
        if (stats.isDirectory()) {
          if (ancestors.has(target)) continue; // a loop back to a directory being walked
          await walk(target, childRel, new Set(ancestors).add(target));
        } else if (stats.isFile()) {
          out.push(childRel);
        }
      }
      // Sockets, fifos, devices: not configuration, skipped.
    }
  };

  let startReal: string;
  try {
    startReal = await realpath(start);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') throw new ValidationError(`directory "${dir}" does not exist in the repository`);
    throw error;
  }
  const stats = await lstat(startReal);
  if (!stats.isDirectory()) throw new ValidationError(`"${dir}" is not a directory`);
  await walk(startReal, startRel, new Set([startReal]));
  return out.sort();
}
