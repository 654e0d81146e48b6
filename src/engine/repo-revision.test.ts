import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { GitCache } from '../source/index.ts';
import { commit, git, makeRepo, tempDir } from '../source/testing.ts';
import { openRevision, workingTreeCommit } from './repo-revision.ts';

const project = 'apiVersion: capstan.dev/v1alpha1\nkind: Project\nenvironments:\n  - name: dev\napps:\n  - { name: web, source: apps/web, namespace: web }\n';

/** A GitCache that records how each revision was asked for. */
function recording(cache: GitCache): { git: GitCache; asked: string[] } {
  const asked: string[] = [];
  const git = Object.create(cache) as GitCache;
  git.resolveRevision = (remote, revision, options) => {
    asked.push(`${revision.length === 40 ? 'sha' : revision} ${options?.fetch}`);
    return cache.resolveRevision(remote, revision, options);
  };
  return { git, asked };
}

test("a local folder's HEAD is read in the folder, and fetched only when the cache lacks its commit", async () => {
  const { dir, sha } = await makeRepo({ 'capstan.yaml': project, 'apps/web/a.yaml': 'apiVersion: v1\nkind: ConfigMap\nmetadata: { name: a }\n' });
  const { git: cache, asked } = recording(new GitCache({ dir: path.join(tempDir(), 'cache') }));
  assert.equal((await openRevision(cache, { url: dir })).commit, sha);
  assert.equal((await openRevision(cache, { url: dir })).commit, sha);
  const next = await commit(dir, { 'apps/web/b.yaml': 'apiVersion: v1\nkind: ConfigMap\nmetadata: { name: b }\n' });
  assert.equal((await openRevision(cache, { url: dir })).commit, next, 'a new commit in the folder is picked up');
  assert.deepEqual(asked, ['sha if-missing', 'sha if-missing', 'sha if-missing']);

  // a detached HEAD is left to the cache, which follows the folder's branches
  await git(dir, 'checkout', '--quiet', '--detach', sha);
  assert.equal((await openRevision(cache, { url: dir })).commit, next);
  assert.equal(asked.at(-1), 'HEAD always');
});

test('workingTreeCommit: the HEAD commit, +dirty with edits or untracked files, working-tree before the first commit or outside git', async () => {
  const { dir, sha } = await makeRepo({ 'capstan.yaml': project });
  assert.equal(await workingTreeCommit(dir), sha);
  writeFileSync(path.join(dir, 'capstan.yaml'), `${project}# edited\n`);
  assert.equal(await workingTreeCommit(dir), `${sha}+dirty`);
  await git(dir, 'checkout', '--quiet', '--', 'capstan.yaml');
  writeFileSync(path.join(dir, 'new.yaml'), 'a: 1\n');
  assert.equal(await workingTreeCommit(dir), `${sha}+dirty`, 'an untracked file counts');

  const empty = tempDir();
  assert.equal(await workingTreeCommit(empty), 'working-tree', 'not a repository');
  await git(empty, 'init', '--quiet');
  writeFileSync(path.join(empty, 'capstan.yaml'), project);
  assert.equal(await workingTreeCommit(empty), 'working-tree', 'no commit yet');
});
