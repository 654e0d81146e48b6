import { lstatSync, readlinkSync, realpathSync } from 'node:fs';
import { lstat, readdir, readlink, realpath } from 'node:fs/promises';
import path from 'node:path';
import { ValidationError } from '../core/index.ts';
import { normalizeRepoPath } from './repo-path.ts';

/**
 * Paths inside a repository on disk (a checkout or a working tree). A repository is untrusted
 * input: a path in capstan.yaml or a symlink committed to the repo must never reach a file outside it.
 */

function isInside(root: string, candidate: string): boolean {
  const rel = path.relative(root, candidate);
  return rel === '' || (!rel.startsWith(`..${path.sep}`) && rel !== '..' && !path.isAbsolute(rel));
}

/**
 * The absolute path of `relative` inside `root`. Rejects absolute paths, `..` escapes and any
 * symlink along the path whose target leaves the root, even when a later link comes back: links are
 * followed one hop at a time. The path itself need not exist; what exists of it is checked. The
 * result is under `root` as given, with the symlinks inside resolved.
 */
export function resolveInRepo(root: string, relative: string): string {
  const normalized = normalizeRepoPath(relative);
  const rootAbs = path.resolve(root);
  const realRoot = realpathSync(rootAbs);
  const walk: Walk = { realRoot, rootAbs, hops: 0, leaving: (link, text) => escape(relative, link, text) };
  const current = resolveComponents(walk, realRoot, normalized ? normalized.split('/') : [], undefined);
  return path.join(rootAbs, path.relative(realRoot, current));
}

/** Linux's MAXSYMLINKS: more links than this in one resolution is a loop. */
const maxSymlinks = 40;

interface Walk {
  realRoot: string;
  rootAbs: string;
  hops: number;
  /** The error for a symlink (repo-relative) whose target (its text) leaves the root. */
  leaving: (link: string, text: string) => ValidationError;
}

/** The symlink being followed, when components come from its text. */
interface Via {
  link: string;
  text: string;
}

function repoRelative(realRoot: string, real: string): string {
  return path.relative(realRoot, real).split(path.sep).join('/');
}

/**
 * Resolves `components` from `start` (a real directory inside the root) one at a time, as the kernel
 * does, following every symlink hop by hop. Every step must stay inside the root, so a chain that
 * leaves the repository and comes back is refused at the link that leaves. Returns the real path;
 * what does not exist of it is joined as written.
 */
function resolveComponents(walk: Walk, start: string, components: readonly string[], via: Via | undefined): string {
  const leaves = (): ValidationError => (via ? walk.leaving(via.link, via.text) : new ValidationError('path leaves the repository'));
  let current = start;
  for (let i = 0; i < components.length; i++) {
    const part = components[i]!;
    if (part === '' || part === '.') continue;
    if (part === '..') {
      current = path.dirname(current);
      if (!isInside(walk.realRoot, current)) throw leaves();
      continue;
    }
    const next = path.join(current, part);
    let stats;
    try {
      stats = lstatSync(next);
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code === 'ENOENT' || code === 'ENOTDIR') {
        const missing = path.join(next, ...components.slice(i + 1));
        if (!isInside(walk.realRoot, missing)) throw leaves();
        return missing;
      }
      throw error;
    }
    current = stats.isSymbolicLink() ? followLink(walk, next) : next;
  }
  return current;
}

/** Where the symlink at `link` (a real path inside the root) leads, followed hop by hop inside the root. */
function followLink(walk: Walk, link: string): string {
  const rel = repoRelative(walk.realRoot, link);
  if (++walk.hops > maxSymlinks) throw new ValidationError(`symlink "${rel}" is part of a symlink loop (more than ${maxSymlinks} links to follow)`);
  const text = readlinkSync(link);
  const via: Via = { link: rel, text };
  const components = text.split('/');
  if (!path.isAbsolute(text)) return resolveComponents(walk, path.dirname(link), components, via);
  // An absolute target stays inside only when it names the root itself (as given or resolved) before anything else.
  const named = components.filter((c) => c !== '' && c !== '.');
  for (const root of [walk.realRoot, walk.rootAbs]) {
    const prefix = root.split(path.sep).filter(Boolean);
    if (prefix.every((c, i) => named[i] === c)) return resolveComponents(walk, walk.realRoot, named.slice(prefix.length), via);
  }
  throw walk.leaving(via.link, via.text);
}

function escape(relative: string, link: string, text: string): ValidationError {
  const to = `points outside the repository (to ${JSON.stringify(text)})`;
  return relative === link || relative.replace(/\/+$/, '') === link
    ? new ValidationError(`symlink "${link}" ${to}`)
    : new ValidationError(`path "${relative}" goes through symlink "${link}", which ${to}`);
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
        const own = repoRelative(realRoot, childReal);
        const leaving = (link: string, text: string): ValidationError =>
          new ValidationError(
            link === own
              ? `symlink "${childRel}" points outside the repository (to ${JSON.stringify(text)})`
              : `symlink "${childRel}" leads through symlink "${link}", which points outside the repository (to ${JSON.stringify(text)})`,
          );
        const target = followLink({ realRoot, rootAbs, hops: 0, leaving }, childReal);
        const stats = await lstat(target).catch(() => undefined);
        if (!stats) throw new ValidationError(`symlink "${childRel}" points to "${await readlink(childReal)}", which does not exist`);
        if (!follow) throw new ValidationError(`symlink "${childRel}" is not allowed here`);
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
