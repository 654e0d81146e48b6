// `capstan pin set` as CI runs it: a child process committing to a config repo, a local checkout or a URL.
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { after, describe, test } from 'node:test';
import { git, makeRepo } from '../source/testing.ts';
import { runCapstan } from './cli-testing.ts';

const project = `apiVersion: capstan.dev/v1alpha1
kind: Project
environments:
  - name: dev
  - name: prod
apps:
  - name: team
    source: pins
    environments:
      dev: { namespace: team-dev }
      prod: { namespace: team-prod }
`;

const files = {
  'capstan.yaml': project,
  'pins/images_path': 'registry.example.com/team\n',
  'pins/team-dev/web': '1111111\n',
  'pins/team-prod/web': '1111111\n',
};

const hash = '1a2b3c4d5e6f7a8b9c0d1e2f3a4b5c6d7e8f9a0b';

const work = mkdtempSync(path.join(os.tmpdir(), 'capstan-pin-'));
after(() => rmSync(work, { recursive: true, force: true }));

/** The environment of the child: no identity from the caller's git (its HOME is empty), capstan's cache in the test's folder. */
function childEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) if (!k.startsWith('GIT_')) env[k] = v;
  const home = path.join(work, 'home');
  mkdirSync(home, { recursive: true });
  return { ...env, HOME: home, XDG_CONFIG_HOME: home, GIT_CONFIG_NOSYSTEM: '1', CAPSTAN_CACHE_DIR: path.join(work, 'cache'), ...extra };
}

async function commits(repo: string): Promise<string[]> {
  return (await git(repo, 'log', '--format=%H')).split('\n');
}

describe('capstan pin set', () => {
  test('in a local checkout: exactly one commit, by the author, holding the hash; the same hash again commits nothing', async () => {
    const { dir } = await makeRepo(files);
    const before = await commits(dir);
    const args = ['pin', 'set', 'team-dev/web', hash, '--repo', dir, '--author', 'CI Bot <ci@example.com>'];

    const first = await runCapstan(args, { cwd: work, env: childEnv() });
    assert.equal(first.stderr, '');
    assert.equal(first.code, 0);
    const after1 = await commits(dir);
    assert.equal(after1.length, before.length + 1);
    assert.match(first.stdout, new RegExp(`^pinned web in team-dev to ${hash} \\(pins/team-dev/web, was 1111111\\): commit ${after1[0]!.slice(0, 7)}`));
    assert.equal(await git(dir, 'log', '-1', '--format=%an <%ae>'), 'CI Bot <ci@example.com>');
    assert.equal(
      await git(dir, 'log', '-1', '--format=%B'),
      `pin web in team-dev to 1a2b3c4\n\npins/team-dev/web: 1111111 -> ${hash}\n\nCapstan-Action: pin\nCapstan-Service: web\nCapstan-Namespace: team-dev\nCapstan-Environment: dev\nCapstan-Previous: 1111111`,
    );
    assert.equal(await git(dir, 'show', '--format=', '--name-only', 'HEAD'), 'pins/team-dev/web');
    assert.equal(readFileSync(path.join(dir, 'pins/team-dev/web'), 'utf8'), `${hash}\n`);
    assert.equal(await git(dir, 'status', '--porcelain'), '');

    const second = await runCapstan(args, { cwd: work, env: childEnv() });
    assert.equal(second.code, 0, second.stderr);
    assert.equal(second.stdout, `nothing to do: pins/team-dev/web already holds ${hash}\n`);
    assert.deepEqual(await commits(dir), after1);
  });

  test('for a URL: committed in capstan\'s clone and pushed, the author from GIT_AUTHOR_NAME', async () => {
    const { dir } = await makeRepo(files);
    const origin = path.join(work, 'origin.git');
    await git(work, 'clone', '--quiet', '--bare', dir, origin);
    const before = await commits(origin);
    const run = await runCapstan(['pin', 'set', 'team-prod/web', hash, '--repo', pathToFileURL(origin).href, '-o', 'json'], {
      cwd: work,
      env: childEnv({ GIT_AUTHOR_NAME: 'Dana Dev', GIT_AUTHOR_EMAIL: 'dana@example.com' }),
    });
    assert.equal(run.code, 0, run.stderr);
    const after1 = await commits(origin);
    assert.equal(after1.length, before.length + 1);
    assert.deepEqual(JSON.parse(run.stdout), { committed: true, commit: after1[0], published: 'pushed', file: 'pins/team-prod/web', apps: ['team'], envs: ['prod'], previous: '1111111', hash });
    assert.equal(await git(origin, 'log', '-1', '--format=%an <%ae>|%s'), 'Dana Dev <dana@example.com>|pin web in team-prod to 1a2b3c4');
    assert.equal(await git(origin, 'show', 'HEAD:pins/team-prod/web'), hash);
  });

  test('without --author and without a git identity: refused, nothing committed', async () => {
    const { dir } = await makeRepo(files);
    const before = await commits(dir);
    const run = await runCapstan(['pin', 'set', 'team-dev/web', hash, '--repo', dir], { cwd: work, env: childEnv() });
    assert.equal(run.code, 1);
    assert.equal(run.stderr, 'error: who is pinning? capstan records the person as the commit\'s author: pass --author "Name <email>", or set git config user.name and user.email\n');
    assert.deepEqual(await commits(dir), before);
  });
});
