// A repository on this machine that a person works in (the example repo of `capstan up` and its
// clone): made, cloned and configured with git's own commands, run by git-runner's safe runGit.
import { runGit } from './git-runner.ts';

/** Who commits: a name and an email. */
export interface GitIdentity {
  name: string;
  email: string;
}

export interface CommitDirectoryOptions {
  message: string;
  /** Author and committer of the commit. */
  author: GitIdentity;
}

/** Makes `dir` a new repository on `main` whose first commit holds every file in it. */
export async function commitDirectory(dir: string, options: CommitDirectoryOptions): Promise<void> {
  const identity = ['-c', `user.name=${options.author.name}`, '-c', `user.email=${options.author.email}`, '-c', 'init.defaultBranch=main', '-c', 'commit.gpgsign=false'];
  await runGit([...identity, 'init', '--quiet'], { cwd: dir });
  await runGit([...identity, 'add', '--all'], { cwd: dir });
  await runGit([...identity, 'commit', '--quiet', '-m', options.message], { cwd: dir });
}

export interface CloneOptions {
  /** A bare repository (no working tree), as a server holds one. */
  bare?: boolean;
}

/** Clones the local repository `from` into `to`. */
export async function cloneRepository(from: string, to: string, options: CloneOptions = {}): Promise<void> {
  await runGit(['clone', '--quiet', ...(options.bare ? ['--bare'] : []), from, to], {});
}

/** The identity commits made in `dir` carry (its own `user.name` and `user.email`). */
export async function setIdentity(dir: string, identity: GitIdentity): Promise<void> {
  await runGit(['config', 'user.name', identity.name], { cwd: dir });
  await runGit(['config', 'user.email', identity.email], { cwd: dir });
}

/** Points the remote `name` of `dir` at `url`, adding it when it is missing. */
export async function setRemote(dir: string, name: string, url: string): Promise<void> {
  const existing = await runGit(['config', '--get', `remote.${name}.url`], { cwd: dir, check: false });
  await runGit(existing.exitCode === 0 ? ['remote', 'set-url', name, url] : ['remote', 'add', name, url], { cwd: dir });
}

export async function removeRemote(dir: string, name: string): Promise<void> {
  await runGit(['remote', 'remove', name], { cwd: dir });
}

/**
 * Makes `branch` track the same branch of `remote` from where HEAD is now, as a fresh clone's
 * does, so `git pull` and `git push` need no arguments.
 */
export async function trackRemoteBranch(dir: string, remote: string, branch: string): Promise<void> {
  await runGit(['update-ref', `refs/remotes/${remote}/${branch}`, 'HEAD'], { cwd: dir });
  await runGit(['config', `branch.${branch}.remote`, remote], { cwd: dir });
  await runGit(['config', `branch.${branch}.merge`, `refs/heads/${branch}`], { cwd: dir });
}

/**
 * Gives git an `Authorization` header for `url` only, in the repository's own config
 * (`http.<url>.extraHeader`): in no remote URL, no command line and no credential store, and no
 * other URL receives it. Every other extra header of the repository is removed first.
 */
export async function setHttpAuthorization(dir: string, url: string, authorization: string): Promise<void> {
  const headers = await runGit(['config', '--name-only', '--get-regexp', '^http\\..+\\.extraheader$'], { cwd: dir, check: false });
  for (const name of new Set(headers.stdout.toString('utf8').split('\n').filter(Boolean))) {
    await runGit(['config', '--unset-all', name], { cwd: dir, check: false });
  }
  await runGit(['config', `http.${url}.extraHeader`, `Authorization: ${authorization}`], { cwd: dir });
}
