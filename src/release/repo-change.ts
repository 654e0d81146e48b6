import { lstat, mkdir, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { loadProject, type Project } from '../config/index.ts';
import { CapstanError, ValidationError } from '../core/index.ts';
import { checkRepoPath } from '../repo-path/index.ts';
import type { GitIdentity, RepoWriter } from '../source/index.ts';

/** A file of the config repo as a change leaves it: new content, or `null` to delete it. */
export interface RepoEdit {
  /** Repo-relative, `/`-separated. */
  path: string;
  content: string | Buffer | null;
}

/** One commit's worth of change: its files, its message and whose it is. */
export interface RepoChange {
  edits: RepoEdit[];
  /** The subject line: what moved where. */
  subject: string;
  /** The body, before the trailers: why. */
  body?: string;
  /** `Capstan-Action: promote`… machine-readable lines `capstan log` and the agent read back. */
  trailers: Record<string, string>;
  author: GitIdentity;
}

/** What `commitChange` did. */
export type ChangeOutcome<T> =
  | { committed: true; commit: string; attempts: number; published: 'pushed' | 'local'; result: T }
  | { committed: false; reason: string; result: T };

/** What a change's maker sees: a checkout of the newest commit, and its capstan.yaml. */
export interface ChangeContext {
  dir: string;
  commit: string;
  project: Project;
}

/** What a maker returns: the change to commit (none when there is nothing to do, with why) and a result for the caller. */
export type Made<T> = { change: RepoChange; result: T } | { change?: undefined; reason: string; result: T };

export interface CommitChangeOptions {
  /** How many times a change is redone when the upstream moved meanwhile; default 8. */
  attempts?: number;
  /** Waits between attempts (tests pass a recording one); default a short random wait that grows. */
  pause?: (attempt: number) => Promise<void>;
}

/**
 * Makes one commit on the newest commit of the config repo and publishes it. When someone else
 * published first (two releases at the same moment), the change is made again from scratch on
 * what they published — fetch, redo, push — so no commit is lost and a change that became invalid
 * meanwhile (a policy now refuses it) is refused by its maker with the reason.
 */
export async function commitChange<T>(writer: RepoWriter, make: (context: ChangeContext) => Promise<Made<T>>, options: CommitChangeOptions = {}): Promise<ChangeOutcome<T>> {
  const attempts = options.attempts ?? 8;
  const pause = options.pause ?? defaultPause;
  for (let attempt = 1; ; attempt++) {
    const commit = await writer.prepare();
    const project = await loadProject(writer.dir);
    const made = await make({ dir: writer.dir, commit, project });
    if (made.change === undefined) return { committed: false, reason: made.reason, result: made.result };
    const { change } = made;
    await writeEdits(writer.dir, change.edits);
    const committed = await writer.commit(
      change.edits.map((e) => e.path),
      formatMessage(change),
      change.author,
    );
    if (committed === undefined) return { committed: false, reason: 'the files already hold this change', result: made.result };
    const published = await writer.publish();
    if (published !== 'rejected') return { committed: true, commit: committed, attempts: attempt, published, result: made.result };
    if (attempt >= attempts) throw new CapstanError(`could not publish to ${writer.destination}: it moved on ${attempts} times while the change was being made; try again`);
    await pause(attempt);
  }
}

async function defaultPause(attempt: number): Promise<void> {
  await new Promise((resolve) => setTimeout(resolve, Math.random() * 100 * Math.min(attempt, 5)));
}

/** Writes the edits into the working tree; every path is checked to stay inside it. */
export async function writeEdits(dir: string, edits: RepoEdit[]): Promise<void> {
  for (const edit of edits) {
    const checked = checkRepoPath(edit.path);
    if (checked.problem !== undefined || checked.path !== edit.path || edit.path === '.' || edit.path.split('/')[0] === '.git') {
      throw new ValidationError(`refusing to write "${edit.path}" in the config repo: ${checked.problem ?? 'not a plain repo-relative file path'}`);
    }
    await refuseLinks(dir, edit.path);
  }
  for (const edit of edits) {
    const file = path.join(dir, ...edit.path.split('/'));
    if (edit.content === null) {
      await rm(file, { recursive: true, force: true });
      continue;
    }
    await mkdir(path.dirname(file), { recursive: true });
    await writeFile(file, edit.content);
  }
}

/**
 * A committed symlink (`releases -> /etc`) must not carry a write out of the repo: every
 * component of the path that exists must be a real directory or file.
 */
async function refuseLinks(dir: string, file: string): Promise<void> {
  const parts = file.split('/');
  for (let i = 1; i <= parts.length; i++) {
    const stats = await lstat(path.join(dir, ...parts.slice(0, i))).catch(() => undefined);
    if (stats === undefined) return;
    if (stats.isSymbolicLink()) throw new ValidationError(`refusing to write "${file}" in the config repo: "${parts.slice(0, i).join('/')}" is a symbolic link; capstan writes only real files and folders there: replace the link with a folder`);
  }
}

/** The commit message: subject, body, then the trailers, as git's interpret-trailers reads them. */
export function formatMessage(change: Pick<RepoChange, 'subject' | 'body' | 'trailers'>): string {
  const trailers = Object.entries(change.trailers)
    .filter(([, value]) => value !== '')
    .map(([key, value]) => `${key}: ${value.replace(/\s+/g, ' ')}`);
  return [change.subject, ...(change.body ? ['', change.body] : []), ...(trailers.length > 0 ? ['', ...trailers] : [])].join('\n') + '\n';
}

/** The `Key: value` trailers of a commit message's last paragraph. */
export function parseTrailers(message: string): Record<string, string> {
  const paragraphs = message.trimEnd().split(/\n\s*\n/);
  const last = paragraphs.at(-1) ?? '';
  const trailers: Record<string, string> = {};
  if (paragraphs.length < 2) return trailers;
  for (const line of last.split('\n')) {
    const match = /^([A-Za-z][A-Za-z0-9-]*):\s*(.*)$/.exec(line);
    if (!match) return {};
    trailers[match[1]] = match[2];
  }
  return trailers;
}
