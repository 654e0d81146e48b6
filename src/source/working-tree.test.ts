import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { listRefs, readBranchHead, readWorkingTree } from './index.ts';
import { commit, git, makeRepo, tempDir } from './testing.ts';

test('readWorkingTree: HEAD and whether the files differ from it, untracked files included', async () => {
  const { dir, sha } = await makeRepo({ 'capstan.yaml': 'a: 1\n' });
  assert.deepEqual(await readWorkingTree(dir), { head: sha, dirty: false });
  writeFileSync(path.join(dir, 'capstan.yaml'), 'a: 2\n');
  assert.deepEqual(await readWorkingTree(dir), { head: sha, dirty: true });
  await git(dir, 'checkout', '--quiet', '--', 'capstan.yaml');
  writeFileSync(path.join(dir, 'new.yaml'), 'b: 1\n');
  assert.deepEqual(await readWorkingTree(dir), { head: sha, dirty: true }, 'an untracked file counts');

  const empty = tempDir();
  assert.equal(await readWorkingTree(empty), undefined, 'not a repository');
  assert.equal(await readWorkingTree(path.join(empty, 'missing')), undefined, 'no such folder');
  await git(empty, 'init', '--quiet');
  assert.deepEqual(await readWorkingTree(empty), { head: undefined, dirty: false }, 'no commit yet');
});

test('readBranchHead: the commit of the branch HEAD names; nothing when detached, empty or not a repository', async () => {
  const { dir, sha } = await makeRepo({ 'a.yaml': 'a: 1\n' });
  assert.equal(await readBranchHead(dir), sha);
  const next = await commit(dir, { 'b.yaml': 'b: 1\n' });
  assert.equal(await readBranchHead(dir), next);
  await git(dir, 'checkout', '--quiet', '--detach', sha);
  assert.equal(await readBranchHead(dir), undefined);

  const empty = tempDir();
  assert.equal(await readBranchHead(empty), undefined);
  await git(empty, 'init', '--quiet');
  assert.equal(await readBranchHead(empty), undefined);
});

test('listRefs: every ref of a repository and its commit', async () => {
  const { dir, sha } = await makeRepo({ 'a.yaml': 'a: 1\n' });
  await git(dir, 'tag', 'v1');
  await git(dir, 'branch', 'next');
  assert.deepEqual(await listRefs(path.join(dir, '.git')), new Map([['refs/heads/main', sha], ['refs/heads/next', sha], ['refs/tags/v1', sha]]));
});
