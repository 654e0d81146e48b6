// Helpers for this module's tests: real git repositories in temp dirs.
import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after } from 'node:test';
import { promisify } from 'node:util';

const run = promisify(execFile);
const made: string[] = [];

export function tempDir(prefix = 'capstan-source-'): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), prefix));
  made.push(dir);
  return dir;
}

after(() => {
  for (const dir of made) {
    // Trees are read-only; root can remove them anyway, others need the bits back.
    rmSync(dir, { recursive: true, force: true, maxRetries: 2 });
  }
});

/** An environment for test git that ignores the caller's GIT_* variables and config. */
export function testEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) if (!k.startsWith('GIT_')) env[k] = v;
  return { ...env, GIT_CONFIG_NOSYSTEM: '1', GIT_CONFIG_GLOBAL: '/dev/null', LC_ALL: 'C' };
}

/** git in a test repository (never in the project's own). */
export async function git(cwd: string, ...args: string[]): Promise<string> {
  const { stdout } = await run('git', ['-c', 'user.name=Test', '-c', 'user.email=test@example.com', '-c', 'init.defaultBranch=main', '-c', 'commit.gpgsign=false', ...args], { cwd, env: testEnv() });
  return stdout.trim();
}

export type FileSpec = string | { symlink: string } | null;

/** Writes files (null deletes, `{symlink}` links), stages everything and commits; returns the SHA. */
export async function commit(repo: string, files: Record<string, FileSpec>, message = 'change'): Promise<string> {
  for (const [name, content] of Object.entries(files)) {
    const full = path.join(repo, name);
    rmSync(full, { force: true, recursive: true });
    if (content === null) continue;
    mkdirSync(path.dirname(full), { recursive: true });
    if (typeof content === 'string') writeFileSync(full, content);
    else symlinkSync(content.symlink, full);
  }
  await git(repo, 'add', '--all');
  await git(repo, 'commit', '--quiet', '--allow-empty', '-m', message);
  return git(repo, 'rev-parse', 'HEAD');
}

/** A new repository with one commit of `files` on `main`. */
export async function makeRepo(files: Record<string, FileSpec>): Promise<{ dir: string; sha: string }> {
  const dir = tempDir('capstan-repo-');
  await git(dir, 'init', '--quiet');
  const sha = await commit(dir, files, 'initial');
  return { dir, sha };
}
