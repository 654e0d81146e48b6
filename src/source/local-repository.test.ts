import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { cloneRepository, commitDirectory, removeRemote, setHttpAuthorization, setIdentity, setRemote, trackRemoteBranch } from './index.ts';
import { git, tempDir } from './testing.ts';

test('a directory committed, cloned bare and back, with its identity, remote, upstream and authorization header', async () => {
  const root = tempDir();
  const work = path.join(root, 'work');
  mkdirSync(path.join(work, 'apps'), { recursive: true });
  writeFileSync(path.join(work, 'apps/a.yaml'), 'a: 1\n');
  await commitDirectory(work, { message: 'first', author: { name: 'Ann', email: 'ann@example.com' } });
  assert.equal(await git(work, 'log', '--format=%an <%ae> %cn %s'), 'Ann <ann@example.com> Ann first');
  assert.equal(await git(work, 'rev-parse', '--abbrev-ref', 'HEAD'), 'main');
  assert.equal(await git(work, 'status', '--porcelain'), '');

  const bare = path.join(root, 'served.git');
  await cloneRepository(work, bare, { bare: true });
  assert.equal(await git(bare, 'rev-parse', '--is-bare-repository'), 'true');
  const clone = path.join(root, 'clone');
  await cloneRepository(bare, clone);
  await removeRemote(clone, 'origin');
  assert.equal(await git(clone, 'remote'), '');

  await setIdentity(clone, { name: 'you', email: 'you@example.com' });
  assert.equal(await git(clone, 'config', '--local', 'user.email'), 'you@example.com');
  await trackRemoteBranch(clone, 'origin', 'main');
  await setRemote(clone, 'origin', 'http://127.0.0.1:1/git/example');
  await setRemote(clone, 'origin', 'http://127.0.0.1:2/git/example');
  assert.equal(await git(clone, 'config', 'remote.origin.url'), 'http://127.0.0.1:2/git/example', 'a second call moves the remote');
  assert.equal(await git(clone, 'rev-parse', '--abbrev-ref', 'main@{upstream}'), 'origin/main');

  await setHttpAuthorization(clone, 'http://127.0.0.1:1/git/example', 'Bearer old');
  await setHttpAuthorization(clone, 'http://127.0.0.1:2/git/example', 'Bearer new');
  assert.equal(await git(clone, 'config', '--get-regexp', '^http\\.'), 'http.http://127.0.0.1:2/git/example.extraheader Authorization: Bearer new', 'only the header of the last URL is kept');
});
