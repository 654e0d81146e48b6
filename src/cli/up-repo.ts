// The example config repo of `capstan up`: a bare repository the agent follows and serves at
// /git/example, and a clone for the user whose origin is the agent.
import { cpSync, existsSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import { runGit } from '../source/index.ts';

const identity = ['-c', 'user.name=capstan up', '-c', 'user.email=up@capstan.invalid', '-c', 'init.defaultBranch=main', '-c', 'commit.gpgsign=false'];

/**
 * On the first run, `examples/` committed into a new repository at `work`, and `bare` cloned from
 * it; a clone deleted since is made again from `bare`.
 */
export async function prepareExampleRepo(examples: string, bare: string, work: string): Promise<void> {
  if (!existsSync(bare)) {
    mkdirSync(work, { recursive: true });
    cpSync(examples, work, { recursive: true, filter: (src) => !src.includes(`${path.sep}.unencrypted`) });
    await runGit([...identity, 'init', '--quiet'], { cwd: work });
    await runGit([...identity, 'add', '--all'], { cwd: work });
    await runGit([...identity, 'commit', '--quiet', '-m', 'The capstan example config repo'], { cwd: work });
    mkdirSync(path.dirname(bare), { recursive: true });
    await runGit(['clone', '--quiet', '--bare', work, bare], {});
  } else if (!existsSync(work)) {
    await runGit(['clone', '--quiet', bare, work], {});
    await runGit(['remote', 'remove', 'origin'], { cwd: work });
  } else {
    return;
  }
  await runGit(['config', 'user.name', 'you'], { cwd: work });
  await runGit(['config', 'user.email', 'you@capstan.invalid'], { cwd: work });
  // main tracks the agent's main from the start: `git pull` and `git push` need no arguments
  await runGit(['update-ref', 'refs/remotes/origin/main', 'HEAD'], { cwd: work });
  await runGit(['config', 'branch.main.remote', 'origin'], { cwd: work });
  await runGit(['config', 'branch.main.merge', 'refs/heads/main'], { cwd: work });
}

/**
 * Points the clone's origin at the agent's git endpoint (its port may differ from the last run) and
 * gives git the token the git way: an `Authorization` header in the clone's own config, for that
 * URL only, so it is in no remote URL, no command line and no credential store, and another remote
 * of the clone never receives it.
 */
export async function connectClone(work: string, gitUrl: string, token: string): Promise<void> {
  const origin = await runGit(['config', '--get', 'remote.origin.url'], { cwd: work, check: false });
  await runGit(origin.exitCode === 0 ? ['remote', 'set-url', 'origin', gitUrl] : ['remote', 'add', 'origin', gitUrl], { cwd: work });
  const headers = await runGit(['config', '--name-only', '--get-regexp', '^http\\..+\\.extraheader$'], { cwd: work, check: false });
  for (const name of new Set(headers.stdout.toString('utf8').split('\n').filter(Boolean))) {
    await runGit(['config', '--unset-all', name], { cwd: work, check: false });
  }
  await runGit(['config', `http.${gitUrl}.extraHeader`, `Authorization: Bearer ${token}`], { cwd: work });
}
