// Writing to a config repo: the commits capstan makes itself (artifacts, releases, policies, pins).
// Two kinds of place hold the working tree a commit is made in: a private clone capstan keeps for
// a remote (the agent, `--repo <url>`), and a person's own checkout (`--repo .`), whose unrelated
// local changes are left alone. Both publish to their upstream, and when the upstream moved on
// meanwhile, the commit is dropped so the caller can redo it on the new upstream.
import { existsSync, mkdirSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { CapstanError, ValidationError } from '../core/index.ts';
import { runGit } from './git-runner.ts';
import type { GitIdentity } from './local-repository.ts';
import { parseRemote, type ParsedRemote, type Remote } from './remote.ts';

/** What publishing a commit did. */
export type PublishOutcome = 'pushed' | 'rejected' | 'local';

/** A working tree capstan commits in, and the upstream it publishes to. */
export interface RepoWriter {
  /** The working tree (absolute). */
  readonly dir: string;
  /** Says where commits go, for messages: `origin (https://…/config.git), branch main`. */
  readonly destination: string;
  /** Brings the working tree up to date with its upstream; returns the commit it is on. */
  prepare(): Promise<string>;
  /**
   * Commits these repo-relative paths (added, changed or deleted) and nothing else; undefined
   * when they hold no change.
   */
  commit(paths: string[], message: string, author: GitIdentity): Promise<string | undefined>;
  /** Publishes the commit made last; `rejected` when the upstream moved on: the commit was dropped. */
  publish(): Promise<PublishOutcome>;
}

export interface CloneWriterOptions {
  /** Where capstan keeps its clone (made when missing). */
  dir: string;
  remote: Remote;
  /** The branch to commit to; default the one the remote's HEAD names. */
  branch?: string;
  /** Who commits (the author is the person; the committer is capstan). */
  committer: GitIdentity;
}

/**
 * A private clone of a remote, kept by capstan: every `prepare` makes it exactly the remote's
 * branch (fetched, reset, cleaned), so nothing a failed attempt left behind survives.
 */
export class CloneWriter implements RepoWriter {
  readonly dir: string;
  destination: string;
  private readonly remote: ParsedRemote;
  private branch?: string;

  constructor(private readonly options: CloneWriterOptions) {
    this.dir = path.resolve(options.dir);
    this.remote = parseRemote(options.remote);
    this.branch = options.branch;
    this.destination = `${this.remote.display}, branch ${options.branch ?? '(its default)'}`;
  }

  async prepare(): Promise<string> {
    if (!existsSync(path.join(this.dir, '.git'))) {
      mkdirSync(this.dir, { recursive: true });
      await runGit(['init', '--quiet'], { cwd: this.dir });
    }
    if (this.branch === undefined) {
      // the branch the remote's HEAD names, as a clone would check out
      const listed = (await runGit(['ls-remote', '--symref', this.remote.url, 'HEAD'], { cwd: this.dir, remote: this.remote, operation: 'ls-remote' })).stdout.toString('utf8');
      const named = /^ref: refs\/heads\/(\S+)\s+HEAD$/m.exec(listed)?.[1];
      if (!named) throw new ValidationError(`${this.remote.display} names no default branch: pass the branch to commit to (--revision <branch>)`);
      this.branch = named;
      this.destination = `${this.remote.display}, branch ${named}`;
    }
    await runGit(['fetch', '--quiet', '--no-tags', this.remote.url, `+refs/heads/${this.branch}:refs/capstan/upstream`], { cwd: this.dir, remote: this.remote, operation: 'fetch' });
    await runGit(['checkout', '--quiet', '--force', '-B', 'capstan-work', 'refs/capstan/upstream'], { cwd: this.dir });
    await runGit(['clean', '--quiet', '-ffdx'], { cwd: this.dir });
    return head(this.dir);
  }

  async commit(paths: string[], message: string, author: GitIdentity): Promise<string | undefined> {
    return commitPaths(this.dir, paths, message, author, this.options.committer);
  }

  async publish(): Promise<PublishOutcome> {
    const pushed = await runGit(['push', '--quiet', '--porcelain', this.remote.url, `HEAD:refs/heads/${this.branch}`], { cwd: this.dir, remote: this.remote, check: false, operation: 'push' });
    if (pushed.exitCode === 0) return 'pushed';
    if (isRejection(pushed.stderr, pushed.stdout.toString('utf8'))) return 'rejected';
    throw new CapstanError(`could not push to ${this.destination}: ${firstLines(pushed.stderr)}`);
  }
}

export interface CheckoutWriterOptions {
  /** Who commits when the author is someone else; default the author. */
  committer?: GitIdentity;
}

/**
 * A person's own checkout of the config repo (`--repo .`). Only the paths capstan writes are
 * committed; other local changes stay as they are. When the branch tracks an upstream, it is
 * fast-forwarded first and the commit is pushed to it; a branch that has commits its upstream
 * lacks is refused rather than rebased behind the person's back.
 */
export class CheckoutWriter implements RepoWriter {
  readonly dir: string;
  destination: string;
  private upstream?: { remote: string; branch: string };
  private committed = false;

  constructor(dir: string, private readonly options: CheckoutWriterOptions = {}) {
    this.dir = path.resolve(dir);
    this.destination = this.dir;
  }

  async prepare(): Promise<string> {
    const branch = (await runGit(['symbolic-ref', '--quiet', '--short', 'HEAD'], { cwd: this.dir, check: false })).stdout.toString('utf8').trim();
    if (!branch) throw new ValidationError(`${this.dir}: HEAD is detached: check out the branch the config repo deploys from (git switch main), then run the command again`);
    const remote = (await runGit(['config', '--get', `branch.${branch}.remote`], { cwd: this.dir, check: false })).stdout.toString('utf8').trim();
    const merge = (await runGit(['config', '--get', `branch.${branch}.merge`], { cwd: this.dir, check: false })).stdout.toString('utf8').trim();
    this.upstream = remote && remote !== '.' && merge.startsWith('refs/heads/') ? { remote, branch: merge.slice('refs/heads/'.length) } : undefined;
    this.destination = this.upstream ? `${this.dir} (branch ${branch}, pushed to ${this.upstream.remote}/${this.upstream.branch})` : `${this.dir} (branch ${branch}, no upstream: committed locally)`;
    if (this.upstream) {
      const { remote: name, branch: upstreamBranch } = this.upstream;
      await runGit([...ownRemote, 'fetch', '--quiet', '--no-tags', name, `+refs/heads/${upstreamBranch}:refs/remotes/${name}/${upstreamBranch}`], { cwd: this.dir, operation: 'fetch' });
      const merged = await runGit(['merge', '--quiet', '--ff-only', `refs/remotes/${name}/${upstreamBranch}`], { cwd: this.dir, check: false, env: { GIT_MERGE_AUTOEDIT: 'no' } });
      if (merged.exitCode !== 0) {
        throw new ValidationError(
          `${this.dir}: branch ${branch} cannot be fast-forwarded to ${name}/${upstreamBranch} (${firstLines(merged.stderr)}): push or drop your local commits, or commit your changes to the files it updates, then run the command again`,
        );
      }
    }
    this.committed = false;
    return head(this.dir);
  }

  async commit(paths: string[], message: string, author: GitIdentity): Promise<string | undefined> {
    const commit = await commitPaths(this.dir, paths, message, author, this.options.committer ?? author);
    this.committed = commit !== undefined;
    return commit;
  }

  async publish(): Promise<PublishOutcome> {
    if (!this.upstream) return 'local';
    const { remote, branch } = this.upstream;
    const pushed = await runGit([...ownRemote, 'push', '--quiet', '--porcelain', remote, `HEAD:refs/heads/${branch}`], { cwd: this.dir, check: false, operation: 'push' });
    if (pushed.exitCode === 0) return 'pushed';
    if (!isRejection(pushed.stderr, pushed.stdout.toString('utf8'))) throw new CapstanError(`could not push to ${remote}/${branch}: ${firstLines(pushed.stderr)}`);
    // drop the commit (and only what it changed), so the next prepare can fast-forward
    if (this.committed) await runGit(['reset', '--quiet', '--keep', 'HEAD~1'], { cwd: this.dir });
    this.committed = false;
    return 'rejected';
  }
}

/**
 * A person's checkout reaches its upstream as their own `git push` does, plain http included
 * (capstan up's clone pushes to its agent at http://127.0.0.1); capstan's own clones of remotes
 * given by URL still need http allowed explicitly.
 */
const ownRemote = ['-c', 'protocol.http.allow=always'];

/** Stages exactly `paths` and commits them; other staged or changed files are left out. */
async function commitPaths(dir: string, paths: string[], message: string, author: GitIdentity, committer: GitIdentity): Promise<string | undefined> {
  if (paths.length === 0) return undefined;
  // a path gone from the working tree is a deletion (or nothing, when git never had it)
  const present = paths.filter((p) => existsSync(path.join(dir, ...p.split('/'))));
  const gone = paths.filter((p) => !present.includes(p));
  if (present.length > 0) await runGit(['add', '--all', '--', ...present], { cwd: dir });
  if (gone.length > 0) await runGit(['rm', '--cached', '--quiet', '-r', '--ignore-unmatch', '--', ...gone], { cwd: dir });
  const deleted: string[] = [];
  for (const p of gone) if ((await runGit(['cat-file', '-e', `HEAD:${p}`], { cwd: dir, check: false })).exitCode === 0) deleted.push(p);
  paths = [...present, ...deleted];
  if (paths.length === 0) return undefined;
  const staged = await runGit(['diff', '--cached', '--quiet', '--', ...paths], { cwd: dir, check: false });
  if (staged.exitCode === 0) return undefined;
  await runGit(['commit', '--quiet', '--no-verify', '--allow-empty-message', '-m', message, '--only', '--', ...paths], {
    cwd: dir,
    env: {
      GIT_AUTHOR_NAME: author.name,
      GIT_AUTHOR_EMAIL: author.email,
      GIT_COMMITTER_NAME: committer.name,
      GIT_COMMITTER_EMAIL: committer.email,
    },
    operation: 'commit',
  });
  return head(dir);
}

async function head(dir: string): Promise<string> {
  return (await runGit(['rev-parse', 'HEAD'], { cwd: dir })).stdout.toString('utf8').trim();
}

function isRejection(stderr: string, stdout: string): boolean {
  return /\[rejected\]|non-fast-forward|fetch first|\(stale info\)|failed to update ref|cannot lock ref/i.test(`${stderr}\n${stdout}`);
}

function firstLines(text: string): string {
  return text.trim().split('\n').slice(0, 3).join('; ') || 'no message from git';
}

/**
 * The person's git identity as their own git config says (`user.name`, `user.email`, global config
 * included), for commits made from a person's checkout; `GIT_AUTHOR_NAME`/`GIT_AUTHOR_EMAIL` win.
 * Undefined when no name is set.
 */
export async function readGitIdentity(dir: string): Promise<GitIdentity | undefined> {
  const fromEnv = process.env.GIT_AUTHOR_NAME;
  const home = os.homedir();
  const read = async (key: string): Promise<string> =>
    (await runGit(['config', '--get', key], { cwd: dir, check: false, env: { GIT_CONFIG_GLOBAL: path.join(home, '.gitconfig') } }).catch(() => undefined))?.stdout.toString('utf8').trim() ?? '';
  const name = fromEnv || (await read('user.name'));
  if (!name) return undefined;
  const email = process.env.GIT_AUTHOR_EMAIL || (await read('user.email')) || `${name.toLowerCase().replace(/[^a-z0-9.-]+/g, '.')}@users.capstan.invalid`;
  return { name, email };
}
