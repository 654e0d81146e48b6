import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { chmod, lstat, mkdir, mkdtemp, readdir, rename, rm, stat, utimes, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { NotFoundError, ValidationError } from '../core/index.ts';
import { KeyedMutex, withFileLock } from './file-lock.ts';
import { runGit, type RunGitOptions } from './git-runner.ts';
import { hasControlCharacter, parseRemote, type ParsedRemote, type Remote } from './remote.ts';
import { normalizeRepoPath } from '../repo-path/index.ts';

export interface GitCacheOptions {
  /** Where clones and trees live; default `$XDG_CACHE_HOME/capstan/git` or `~/.cache/capstan/git`. */
  dir?: string;
  /** Checked-out trees kept per remote, least recently used pruned first; default 20. */
  keepTrees?: number;
  /** Limit for each network operation (fetch, ls-remote); default 120 s. */
  timeoutMs?: number;
  /** How long to wait for another process's lock on a remote's cache; default timeoutMs + 30 s. */
  lockTimeoutMs?: number;
}

/**
 * When a revision is looked up:
 * - `never`: only what the cache already has;
 * - `if-missing` (default): fetch once when the cache is empty or the revision is not in it;
 * - `always`: fetch first (a branch's newest commit).
 */
export type FetchPolicy = 'never' | 'if-missing' | 'always';

export interface RevisionOptions {
  fetch?: FetchPolicy;
}

export interface LogOptions extends RevisionOptions {
  /** At most this many commits, newest first; default 50. */
  maxCount?: number;
  /** Only commits after this one (`from..rev`). */
  from?: string;
  /** Only commits touching this repository-relative path. */
  path?: string;
}

export interface GitPerson {
  name: string;
  email: string;
  /** ISO 8601 with the original offset. */
  date: string;
}

export interface LogEntry {
  sha: string;
  parents: string[];
  author: GitPerson;
  committer: GitPerson;
  subject: string;
  /** The whole message, subject included. */
  message: string;
}

/** One commit as `GitCache.commit` describes it. */
export interface CommitSummary {
  /** The full SHA. */
  sha: string;
  subject: string;
  author: GitPerson;
}

export function defaultCacheDir(): string {
  const base = process.env.XDG_CACHE_HOME || path.join(os.homedir(), '.cache');
  return path.join(base, 'capstan', 'git');
}

const FULL_SHA = /^(?:[0-9a-f]{40}|[0-9a-f]{64})$/i;
const SHORT_SHA = /^[0-9a-f]{4,63}$/i;
/** What `commit` is asked for: an abbreviated or full SHA, nothing else. */
const COMMIT_SHA = /^[0-9a-f]{7,40}$/i;
/** Commits `commit` remembers (a commit never changes): beyond this many the oldest are forgotten. */
const COMMIT_CACHE_SIZE = 1000;
const STALE_TMP_MS = 60 * 60 * 1000;
const LOCAL_TIMEOUT_MS = 10 * 60 * 1000;

/** Files and folders of one remote's cache. */
interface Layout {
  root: string;
  repo: string;
  trees: string;
  tmp: string;
  lock: string;
  fetched: string;
}

/**
 * A cache of git remotes: one bare repository per remote (fetched incrementally, all branches and
 * tags), and read-only trees checked out per commit, created once and reused. Safe to share
 * between processes: fetches and pruning hold a lock file; trees appear by atomic rename.
 *
 * A tree returned by `checkout` stays valid until it falls out of the `keepTrees` most recently
 * used trees of its remote.
 */
export class GitCache {
  readonly dir: string;
  private readonly keepTrees: number;
  private readonly timeoutMs: number;
  private readonly lockTimeoutMs: number;
  private readonly mutex = new KeyedMutex();
  /** A fetch per remote that is queued but not started: later callers join it. */
  private readonly queuedFetches = new Map<string, Promise<void>>();
  private readonly pendingTrees = new Map<string, Promise<string>>();
  /**
   * Full SHAs (`<cacheName>/<sha>`) this process has seen rev-parse as commits of a cache
   * repository: a commit stays there (fetches prune refs, not objects), so resolving it again, as
   * checking out a revision just resolved does, needs no second git process.
   */
  private readonly knownCommits = new Set<string>();
  /** `commit`'s answers by `<cacheName>/<sha as asked>`, oldest first. */
  private readonly commits = new Map<string, CommitSummary>();

  constructor(options: GitCacheOptions = {}) {
    this.dir = path.resolve(options.dir ?? defaultCacheDir());
    this.keepTrees = Math.max(1, options.keepTrees ?? 20);
    this.timeoutMs = options.timeoutMs ?? 120_000;
    this.lockTimeoutMs = options.lockTimeoutMs ?? this.timeoutMs + 30_000;
  }

  /**
   * Brings the remote's cache up to date: every branch and tag, deleted ones pruned. One fetch at a
   * time per remote; a fetch asked for while another runs is queued once and shared.
   */
  async fetch(remote: Remote): Promise<void> {
    return this.fetchParsed(parseRemote(remote));
  }

  /** The full commit SHA of a branch, a tag (peeled), `HEAD`, or a full or abbreviated SHA. */
  async resolveRevision(remote: Remote, revision: string, options: RevisionOptions = {}): Promise<string> {
    return this.resolveParsed(parseRemote(remote), revision, options.fetch ?? 'if-missing');
  }

  /**
   * A read-only directory holding the files of a commit (any revision is resolved first). Created
   * once per commit, atomically, and reused; a repository's hooks, filters and config never run.
   */
  async checkout(remote: Remote, revision: string, options: RevisionOptions = {}): Promise<string> {
    const r = parseRemote(remote);
    const sha = await this.resolveParsed(r, revision, options.fetch ?? 'if-missing');
    const key = `${r.cacheName}/${sha}`;
    const pending = this.pendingTrees.get(key);
    if (pending) return pending;
    const work = this.materialize(r, sha).finally(() => this.pendingTrees.delete(key));
    this.pendingTrees.set(key, work);
    return work;
  }

  /** Repository-relative paths that differ between two commits (both sides of a rename), sorted. */
  async changedFiles(remote: Remote, from: string, to: string, options: RevisionOptions = {}): Promise<string[]> {
    const r = parseRemote(remote);
    const policy = options.fetch ?? 'if-missing';
    const fromSha = await this.resolveParsed(r, from, policy);
    const toSha = await this.resolveParsed(r, to, policy);
    if (fromSha === toSha) return [];
    const { stdout } = await this.git(r, ['diff', '--name-only', '-z', '--no-renames', '--no-ext-diff', '--no-textconv', '--end-of-options', fromSha, toSha, '--'], { operation: 'diff' });
    return splitNul(stdout.toString('utf8')).sort();
  }

  /**
   * The content of a file at a commit, read from the object store (no checkout). A symlink is
   * followed while it stays inside the repository.
   */
  async readFile(remote: Remote, revision: string, filePath: string, options: RevisionOptions = {}): Promise<string> {
    return (await this.readFileBuffer(remote, revision, filePath, options)).toString('utf8');
  }

  async readFileBuffer(remote: Remote, revision: string, filePath: string, options: RevisionOptions = {}): Promise<Buffer> {
    const r = parseRemote(remote);
    const sha = await this.resolveParsed(r, revision, options.fetch ?? 'if-missing');
    const normalized = normalizeRepoPath(filePath);
    if (!normalized) throw new ValidationError(`path "${filePath}" is the repository root, not a file`);
    const entry = await this.findEntry(r, sha, normalized, filePath, 0);
    if (entry.type !== 'blob') throw new ValidationError(`path "${filePath}" at ${sha.slice(0, 12)} in ${r.display} is a ${entry.type === 'tree' ? 'directory' : 'submodule'}, not a file`);
    const { stdout } = await this.git(r, ['cat-file', 'blob', entry.oid], { operation: 'read' });
    return stdout;
  }

  /**
   * The remote's default branch (the branch its HEAD names, such as `main`), fetched first when the
   * cache is empty; undefined when the remote names none or it is not among the fetched branches.
   */
  async defaultBranch(remote: Remote): Promise<string | undefined> {
    const r = parseRemote(remote);
    if (!existsSync(this.layout(r).fetched)) await this.fetchParsed(r);
    const head = (await this.git(r, ['symbolic-ref', '--quiet', 'HEAD'], { check: false, operation: 'symbolic-ref' })).stdout.toString('utf8').trim();
    if (!head.startsWith('refs/heads/') || (await this.revParse(r, head)) === undefined) return undefined;
    return head.slice('refs/heads/'.length);
  }

  /** Commits reachable from a revision, newest first. */
  async log(remote: Remote, revision: string, options: LogOptions = {}): Promise<LogEntry[]> {
    const r = parseRemote(remote);
    const policy = options.fetch ?? 'if-missing';
    const sha = await this.resolveParsed(r, revision, policy);
    const range = options.from === undefined ? sha : `${await this.resolveParsed(r, options.from, policy)}..${sha}`;
    const maxCount = options.maxCount ?? 50;
    if (!Number.isInteger(maxCount) || maxCount < 1) throw new ValidationError(`log: maxCount must be a positive integer, got ${maxCount}`);
    const args = ['log', `--max-count=${maxCount}`, '--no-mailmap', '--no-color', '--no-decorate', '--no-show-signature', `--format=${LOG_FORMAT}`, '--end-of-options', range, '--'];
    if (options.path !== undefined) {
      const p = normalizeRepoPath(options.path);
      if (p) args.push(p);
    }
    const { stdout } = await this.git(r, args, { operation: 'log' });
    return parseLog(stdout.toString('utf8'));
  }

  /**
   * One commit of the remote's cache, by an abbreviated (7+) or full SHA: `git log -1` of it, never
   * fetched for (the cache is what the caller follows). Answers are remembered per SHA: a commit
   * never changes. NotFoundError when the cache has no such commit, ValidationError for anything
   * but 7–40 hex characters or an abbreviation several commits share.
   */
  async commit(remote: Remote, sha: string): Promise<CommitSummary> {
    if (!COMMIT_SHA.test(sha)) throw new ValidationError(`"${sha}" is not a commit SHA: 7 to 40 hexadecimal characters`);
    const r = parseRemote(remote);
    const key = `${r.cacheName}/${sha.toLowerCase()}`;
    const known = this.commits.get(key);
    if (known) return known;
    const missing = new NotFoundError(`commit ${sha} not found in ${r.display}`);
    if (!existsSync(this.layout(r).fetched)) throw missing;
    const args = ['log', '-1', '--no-mailmap', '--no-color', '--no-decorate', '--no-show-signature', `--format=${LOG_FORMAT}`, '--end-of-options', `${sha.toLowerCase()}^{commit}`, '--'];
    const result = await this.git(r, args, { check: false, operation: 'log' });
    if (result.exitCode !== 0) {
      if (/short object ID \S+ is ambiguous/i.test(result.stderr)) throw new ValidationError(`commit ${sha} is an ambiguous abbreviated SHA in ${r.display}: give more characters`);
      throw missing;
    }
    const [entry] = parseLog(result.stdout.toString('utf8'));
    if (!entry) throw missing;
    const summary: CommitSummary = { sha: entry.sha, subject: entry.subject, author: entry.author };
    this.commits.set(key, summary);
    if (this.commits.size > COMMIT_CACHE_SIZE) this.commits.delete(this.commits.keys().next().value!);
    return summary;
  }

  // ---------------------------------------------------------------------------------------------

  private layout(r: ParsedRemote): Layout {
    const root = path.join(this.dir, r.cacheName);
    return {
      root,
      repo: path.join(root, 'repo.git'),
      trees: path.join(root, 'trees'),
      tmp: path.join(root, 'tmp'),
      lock: path.join(root, 'lock'),
      fetched: path.join(root, 'fetched'),
    };
  }

  private git(r: ParsedRemote, args: string[], options: RunGitOptions = {}): ReturnType<typeof runGit> {
    return runGit(args, { gitDir: this.layout(r).repo, timeoutMs: LOCAL_TIMEOUT_MS, ...options });
  }

  /** Runs `work` holding this remote's in-process mutex and its lock file. */
  private locked<T>(r: ParsedRemote, work: () => Promise<T>): Promise<T> {
    const layout = this.layout(r);
    return this.mutex.run(r.cacheName, async () => {
      await mkdir(layout.root, { recursive: true, mode: 0o700 });
      return withFileLock(layout.lock, { timeoutMs: this.lockTimeoutMs, staleMs: Math.max(10 * 60_000, 3 * this.timeoutMs), subject: `the git cache of ${r.display}` }, work);
    });
  }

  private fetchParsed(r: ParsedRemote): Promise<void> {
    const queued = this.queuedFetches.get(r.cacheName);
    if (queued) return queued;
    const run: Promise<void> = this.locked(r, async () => {
      // Started: a caller from now on may have pushed after this fetch began, so it queues anew.
      if (this.queuedFetches.get(r.cacheName) === run) this.queuedFetches.delete(r.cacheName);
      await this.fetchNow(r);
    });
    this.queuedFetches.set(r.cacheName, run);
    void run.catch(() => undefined).finally(() => {
      if (this.queuedFetches.get(r.cacheName) === run) this.queuedFetches.delete(r.cacheName);
    });
    return run;
  }

  private async fetchNow(r: ParsedRemote): Promise<void> {
    const layout = this.layout(r);
    await mkdir(layout.tmp, { recursive: true });
    if (!existsSync(path.join(layout.repo, 'HEAD'))) await this.initRepository(r, layout);
    const firstFetch = !existsSync(layout.fetched);
    await this.git(
      r,
      ['fetch', '--prune', '--no-tags', '--no-recurse-submodules', '--no-write-fetch-head', '--no-show-forced-updates', '--quiet', '--end-of-options', r.url, '+refs/heads/*:refs/heads/*', '+refs/tags/*:refs/tags/*'],
      { remote: r, timeoutMs: this.timeoutMs, operation: 'fetch' },
    );
    if (firstFetch) await this.adoptRemoteHead(r);
    await writeFile(layout.fetched, `${new Date().toISOString()}\n`);
    await this.removeStaleTemporaries(layout);
  }

  /** A bare repository, created aside and renamed into place, without templates (no sample hooks). */
  private async initRepository(r: ParsedRemote, layout: Layout): Promise<void> {
    const temporary = await mkdtemp(path.join(layout.tmp, 'init-'));
    const repo = path.join(temporary, 'repo.git');
    await runGit(['init', '--bare', '--quiet', '--template=', repo], { cwd: temporary, timeoutMs: LOCAL_TIMEOUT_MS, operation: 'init' });
    await writeFile(path.join(layout.root, 'remote'), `${r.display}\n`);
    await rm(layout.repo, { recursive: true, force: true });
    for (const known of this.knownCommits) if (known.startsWith(`${r.cacheName}/`)) this.knownCommits.delete(known);
    await rename(repo, layout.repo);
    await rm(temporary, { recursive: true, force: true });
  }

  /** Points the cache's HEAD at the remote's default branch, so `HEAD` resolves as on the remote. */
  private async adoptRemoteHead(r: ParsedRemote): Promise<void> {
    const result = await this.git(r, ['ls-remote', '--symref', '--end-of-options', r.url, 'HEAD'], { remote: r, timeoutMs: this.timeoutMs, operation: 'ls-remote', check: false });
    const match = /^ref: (refs\/heads\/\S+)\tHEAD$/m.exec(result.stdout.toString('utf8'));
    if (result.exitCode === 0 && match) await this.git(r, ['symbolic-ref', 'HEAD', match[1]], { operation: 'symbolic-ref' });
  }

  private async resolveParsed(r: ParsedRemote, revision: string, policy: FetchPolicy): Promise<string> {
    checkRevision(revision);
    const fetched = existsSync(this.layout(r).fetched);
    let didFetch = false;
    if (policy === 'always' || (policy === 'if-missing' && !fetched)) {
      await this.fetchParsed(r);
      didFetch = true;
    } else if (!fetched) {
      throw new NotFoundError(`revision "${revision}" not found in ${r.display}: the remote has not been fetched yet`);
    }
    let sha = await this.lookup(r, revision);
    if (sha === undefined && policy === 'if-missing' && !didFetch) {
      await this.fetchParsed(r);
      sha = await this.lookup(r, revision);
    }
    if (sha === undefined) throw new NotFoundError(`revision "${revision}" not found in ${r.display}`);
    return sha;
  }

  private async lookup(r: ParsedRemote, revision: string): Promise<string | undefined> {
    if (FULL_SHA.test(revision) && this.knownCommits.has(`${r.cacheName}/${revision.toLowerCase()}`)) return revision.toLowerCase();
    if (FULL_SHA.test(revision) || revision === 'HEAD') return this.revParse(r, revision === 'HEAD' ? 'HEAD' : revision.toLowerCase());
    if (revision.startsWith('refs/')) {
      if (!revision.startsWith('refs/heads/') && !revision.startsWith('refs/tags/')) throw new ValidationError(`revision "${revision}": only refs/heads/… and refs/tags/… are fetched`);
      return this.revParse(r, revision);
    }
    const [branch, tag] = await Promise.all([this.revParse(r, `refs/heads/${revision}`), this.revParse(r, `refs/tags/${revision}`)]);
    if (branch !== undefined && tag !== undefined && branch !== tag) {
      throw new ValidationError(`revision "${revision}" is ambiguous in ${r.display}: both a branch and a tag have that name; use refs/heads/${revision} or refs/tags/${revision}`);
    }
    if (branch !== undefined || tag !== undefined) return branch ?? tag;
    if (SHORT_SHA.test(revision)) return this.revParse(r, revision.toLowerCase());
    return undefined;
  }

  private async revParse(r: ParsedRemote, name: string): Promise<string | undefined> {
    const result = await this.git(r, ['rev-parse', '--verify', '--quiet', '--end-of-options', `${name}^{commit}`], { check: false, operation: 'rev-parse' });
    if (result.exitCode === 0) {
      const sha = result.stdout.toString('utf8').trim();
      if (FULL_SHA.test(sha)) this.knownCommits.add(`${r.cacheName}/${sha}`);
      return sha;
    }
    if (/ambiguous/i.test(result.stderr)) throw new ValidationError(`revision "${name}" is an ambiguous abbreviated SHA in ${r.display}: give more characters`);
    return undefined;
  }

  private async materialize(r: ParsedRemote, sha: string): Promise<string> {
    const layout = this.layout(r);
    const tree = path.join(layout.trees, sha);
    if (await isDirectory(tree)) {
      await touch(tree);
      return tree;
    }
    await mkdir(layout.trees, { recursive: true });
    await mkdir(layout.tmp, { recursive: true });
    const temporary = await mkdtemp(path.join(layout.tmp, `tree-${sha.slice(0, 12)}-`));
    try {
      const work = path.join(temporary, 'tree');
      await mkdir(work);
      // A private index: the cache repository's own index is never touched, and no worktree metadata exists.
      const env = { GIT_INDEX_FILE: path.join(temporary, 'index') };
      await this.git(r, ['read-tree', '--end-of-options', sha], { env, workTree: work, cwd: work, operation: 'checkout' });
      await this.git(r, ['checkout-index', '--all', '--force', '--quiet'], { env, workTree: work, cwd: work, operation: 'checkout' });
      await makeReadOnly(work);
      try {
        await rename(work, tree);
      } catch (error) {
        const code = (error as NodeJS.ErrnoException).code;
        if (code !== 'EEXIST' && code !== 'ENOTEMPTY') throw error;
        // Another process made the same tree meanwhile: use theirs.
      }
      await chmod(tree, 0o555);
      await touch(tree);
    } finally {
      await removeTree(temporary);
    }
    await this.locked(r, () => this.pruneTrees(layout, sha));
    return tree;
  }

  /** Keeps the `keepTrees` most recently used trees; the one just returned is always kept. */
  private async pruneTrees(layout: Layout, keep: string): Promise<void> {
    const names = (await readdir(layout.trees)).filter((n) => FULL_SHA.test(n));
    if (names.length <= this.keepTrees) return;
    const aged = await Promise.all(names.map(async (name) => ({ name, used: (await stat(path.join(layout.trees, name)).catch(() => undefined))?.mtimeMs ?? 0 })));
    aged.sort((a, b) => b.used - a.used || a.name.localeCompare(b.name));
    const doomed = aged.filter((t) => t.name !== keep).slice(this.keepTrees - 1);
    for (const { name } of doomed) {
      // Renamed away first, so a tree is either whole or gone.
      const aside = path.join(layout.tmp, `pruned-${name.slice(0, 12)}-${randomBytes(4).toString('hex')}`);
      try {
        await chmod(path.join(layout.trees, name), 0o755);
        await rename(path.join(layout.trees, name), aside);
      } catch {
        continue;
      }
      await removeTree(aside);
    }
  }

  private async removeStaleTemporaries(layout: Layout): Promise<void> {
    const now = Date.now();
    for (const name of await readdir(layout.tmp).catch(() => [] as string[])) {
      const full = path.join(layout.tmp, name);
      const stats = await lstat(full).catch(() => undefined);
      if (stats && now - stats.mtimeMs > STALE_TMP_MS) await removeTree(full);
    }
  }

  /** The tree entry at `target`, following symlinks inside the repository (at most 40 hops). */
  private async findEntry(r: ParsedRemote, sha: string, target: string, asked: string, hops: number): Promise<TreeEntry> {
    if (hops > 40) throw new ValidationError(`path "${asked}" at ${sha.slice(0, 12)} in ${r.display}: too many levels of symlinks`);
    const parts = target.split('/');
    for (let i = 1; i <= parts.length; i++) {
      const prefix = parts.slice(0, i).join('/');
      const entry = await this.lsTree(r, sha, prefix);
      if (entry === undefined) break;
      if (entry.type === 'blob' && entry.mode === '120000') {
        const { stdout } = await this.git(r, ['cat-file', 'blob', entry.oid], { operation: 'read' });
        const linkText = stdout.toString('utf8');
        if (path.posix.isAbsolute(linkText)) throw new ValidationError(`symlink "${prefix}" points outside the repository`);
        const resolved = path.posix.normalize(path.posix.join(path.posix.dirname(prefix), linkText));
        if (resolved === '..' || resolved.startsWith('../')) throw new ValidationError(`symlink "${prefix}" points outside the repository`);
        const rest = parts.slice(i);
        const next = [resolved === '.' ? '' : resolved, ...rest].filter(Boolean).join('/');
        if (!next) throw new ValidationError(`path "${asked}" resolves to the repository root, not a file`);
        return this.findEntry(r, sha, next, asked, hops + 1);
      }
      if (i === parts.length) return entry;
      if (entry.type !== 'tree') break;
    }
    throw new NotFoundError(`file "${asked}" not found at ${sha.slice(0, 12)} in ${r.display}`);
  }

  private async lsTree(r: ParsedRemote, sha: string, entryPath: string): Promise<TreeEntry | undefined> {
    const { stdout } = await this.git(r, ['ls-tree', '-z', '--full-tree', '--end-of-options', sha, '--', entryPath], { operation: 'read' });
    for (const record of splitNul(stdout.toString('utf8'))) {
      const tab = record.indexOf('\t');
      const [mode, type, oid] = record.slice(0, tab).split(' ');
      if (record.slice(tab + 1) === entryPath) return { mode, type: type as TreeEntry['type'], oid };
    }
    return undefined;
  }
}

interface TreeEntry {
  mode: string;
  type: 'blob' | 'tree' | 'commit';
  oid: string;
}

/** Branch and tag names as git allows them (check-ref-format), plus SHAs; never an option or rev syntax. */
function checkRevision(revision: string): void {
  const invalid =
    !revision ||
    revision.startsWith('-') ||
    revision.startsWith('/') ||
    revision.endsWith('/') ||
    revision.endsWith('.') ||
    revision.endsWith('.lock') ||
    revision.includes('..') ||
    revision.includes('//') ||
    revision.includes('@{') ||
    revision === '@' ||
    hasControlCharacter(revision) ||
    /[ ~^:?*[\\]/.test(revision);
  if (invalid) throw new ValidationError(`revision "${revision}" is not a valid branch, tag or commit SHA`);
}

const FIELD = '\x1f';
const RECORD = '\x1e';
const LOG_FORMAT = ['%H', '%P', '%an', '%ae', '%aI', '%cn', '%ce', '%cI', '%s', '%B'].join('%x1f') + '%x1e';

function parseLog(text: string): LogEntry[] {
  return text
    .split(RECORD)
    .map((record) => record.replace(/^\n/, ''))
    .filter(Boolean)
    .map((record) => {
      const [sha, parents, an, ae, ad, cn, ce, cd, subject, message] = record.split(FIELD);
      return {
        sha,
        parents: parents ? parents.split(' ') : [],
        author: { name: an, email: ae, date: ad },
        committer: { name: cn, email: ce, date: cd },
        subject,
        message: (message ?? '').replace(/\n+$/, ''),
      };
    });
}

function splitNul(text: string): string[] {
  return text.split('\0').filter(Boolean);
}

async function isDirectory(p: string): Promise<boolean> {
  try {
    return (await lstat(p)).isDirectory();
  } catch {
    return false;
  }
}

async function touch(p: string): Promise<void> {
  const now = new Date();
  await utimes(p, now, now).catch(() => undefined);
}

/** Files lose their write bits; directories become r-x (deepest first). Symlinks are left alone. */
async function makeReadOnly(dir: string): Promise<void> {
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) {
      await makeReadOnly(full);
      await chmod(full, 0o555);
    } else if (entry.isFile()) {
      const { mode } = await lstat(full);
      await chmod(full, mode & 0o555);
    }
  }
}

/** Removes a tree made read-only by makeReadOnly. */
async function removeTree(dir: string): Promise<void> {
  const restore = async (p: string): Promise<void> => {
    const stats = await lstat(p).catch(() => undefined);
    if (!stats?.isDirectory()) return;
    await chmod(p, 0o755).catch(() => undefined);
    for (const name of await readdir(p).catch(() => [] as string[])) await restore(path.join(p, name));
  };
  await restore(dir);
  await rm(dir, { recursive: true, force: true });
}

