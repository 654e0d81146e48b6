import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, test } from 'node:test';
import { ValidationError } from '../core/index.ts';
import { listFiles, resolveInRepo } from './index.ts';

const made: string[] = [];
after(() => {
  for (const dir of made) rmSync(dir, { recursive: true, force: true });
});

function tempDir(prefix: string): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), prefix));
  made.push(dir);
  return dir;
}

function fixture(): { outside: string; root: string } {
  const outside = tempDir('capstan-paths-');
  const root = path.join(outside, 'repo');
  mkdirSync(path.join(root, 'apps/web/base'), { recursive: true });
  mkdirSync(path.join(root, '.git'));
  writeFileSync(path.join(root, '.git/config'), '');
  writeFileSync(path.join(root, 'apps/web/base/deploy.yaml'), 'a');
  writeFileSync(path.join(root, 'apps/web/values.yaml'), 'v');
  writeFileSync(path.join(outside, 'secret.txt'), 's');
  symlinkSync('base', path.join(root, 'apps/web/current'));
  symlinkSync('../../secret.txt', path.join(root, 'apps/leak.txt'));
  symlinkSync(outside, path.join(root, 'up'));
  return { outside, root };
}

test('resolveInRepo returns paths inside the root and follows symlinks that stay inside', () => {
  const { root } = fixture();
  assert.equal(resolveInRepo(root, 'apps/web/values.yaml'), path.join(root, 'apps/web/values.yaml'));
  assert.equal(resolveInRepo(root, './apps//web/'), path.join(root, 'apps/web'));
  assert.equal(resolveInRepo(root, 'apps/web/current/deploy.yaml'), path.join(root, 'apps/web/base/deploy.yaml'));
  assert.equal(resolveInRepo(root, 'apps/x/../web'), path.join(root, 'apps/web'), 'a .. that stays inside is fine');
  assert.equal(resolveInRepo(root, 'apps/missing/file.yaml'), path.join(root, 'apps/missing/file.yaml'), 'need not exist');
  assert.equal(resolveInRepo(root, ''), root);
});

test('resolveInRepo rejects absolute paths, .. escapes and symlinks leaving the root, naming the path', () => {
  const { root, outside } = fixture();
  assert.throws(() => resolveInRepo(root, '/etc/passwd'), new ValidationError('path "/etc/passwd" is absolute: paths must be relative to the repository root'));
  assert.throws(() => resolveInRepo(root, '../secret.txt'), new ValidationError('path "../secret.txt" leaves the repository'));
  assert.throws(() => resolveInRepo(root, 'apps/../../secret.txt'), new ValidationError('path "apps/../../secret.txt" leaves the repository'));
  assert.throws(() => resolveInRepo(root, 'apps/leak.txt'), new ValidationError('symlink "apps/leak.txt" points outside the repository (to "../../secret.txt")'));
  assert.throws(() => resolveInRepo(root, 'up/secret.txt'), new ValidationError(`path "up/secret.txt" goes through symlink "up", which points outside the repository (to ${JSON.stringify(outside)})`));
  assert.throws(() => resolveInRepo(root, 'a\0b'), ValidationError);
});

test('a symlink chain that leaves the repository and comes back is refused at the link that leaves', async () => {
  const { root, outside } = fixture();
  // apps/web/back -> <outside>/bounce -> <root>/apps/web/values.yaml: the file read is inside, the way there is not
  symlinkSync(path.join(root, 'apps/web/values.yaml'), path.join(outside, 'bounce'));
  symlinkSync('../../../bounce', path.join(root, 'apps/web/back'));
  assert.throws(() => resolveInRepo(root, 'apps/web/back'), new ValidationError('symlink "apps/web/back" points outside the repository (to "../../../bounce")'));
  await assert.rejects(listFiles(root, 'apps/web'), new ValidationError('symlink "apps/web/back" points outside the repository (to "../../../bounce")'));
  // a link inside that leads to one that leaves names the one that leaves
  symlinkSync('back', path.join(root, 'apps/web/front'));
  assert.throws(() => resolveInRepo(root, 'apps/web/front'), new ValidationError('path "apps/web/front" goes through symlink "apps/web/back", which points outside the repository (to "../../../bounce")'));
  // a .. inside the link text that climbs above the repository through an inner link
  symlinkSync('..', path.join(root, 'apps/web/base/parent'));
  symlinkSync('base/parent/../../../secret.txt', path.join(root, 'apps/web/climb'));
  assert.throws(() => resolveInRepo(root, 'apps/web/climb'), new ValidationError('symlink "apps/web/climb" points outside the repository (to "base/parent/../../../secret.txt")'));
  // an absolute link into the repository itself stays inside
  symlinkSync(path.join(root, 'apps/web/base'), path.join(root, 'apps/abs'));
  assert.equal(resolveInRepo(root, 'apps/abs/deploy.yaml'), path.join(root, 'apps/web/base/deploy.yaml'));
});

test('a symlink loop is refused, not followed forever', () => {
  const { root } = fixture();
  symlinkSync('ping', path.join(root, 'apps/pong'));
  symlinkSync('pong', path.join(root, 'apps/ping'));
  assert.throws(() => resolveInRepo(root, 'apps/ping/x.yaml'), /^ValidationError: symlink "apps\/(ping|pong)" is part of a symlink loop \(more than 40 links to follow\)$/);
});

test('a dangling symlink is judged by where it points', () => {
  const { root } = fixture();
  symlinkSync('../../nowhere', path.join(root, 'apps/dangling-out'));
  symlinkSync('nowhere', path.join(root, 'apps/dangling-in'));
  assert.throws(() => resolveInRepo(root, 'apps/dangling-out'), /symlink "apps\/dangling-out" points outside the repository/);
  assert.equal(resolveInRepo(root, 'apps/dangling-in'), path.join(root, 'apps/nowhere'));
});

test('listFiles walks a directory, follows inside symlinks, skips .git and names a link that leaves', async () => {
  const { root } = fixture();
  assert.deepEqual(await listFiles(root, 'apps/web'), ['apps/web/base/deploy.yaml', 'apps/web/current/deploy.yaml', 'apps/web/values.yaml']);
  await assert.rejects(listFiles(root, 'apps'), new ValidationError('symlink "apps/leak.txt" points outside the repository (to "../../secret.txt")'));
  await assert.rejects(listFiles(root), new ValidationError('symlink "apps/leak.txt" points outside the repository (to "../../secret.txt")'));
  await assert.rejects(listFiles(root, '../'), new ValidationError('path "../" leaves the repository'));
  await assert.rejects(listFiles(root, 'apps/web/values.yaml'), /"apps\/web\/values.yaml" is not a directory/);
  await assert.rejects(listFiles(root, 'nope'), /directory "nope" does not exist in the repository/);
  await assert.rejects(listFiles(root, 'apps/web', { followSymlinks: false }), /symlink "apps\/web\/current" is not allowed here/);
});

test('listFiles cuts symlink loops and reports dangling links', async () => {
  const root = tempDir('capstan-paths-');
  mkdirSync(path.join(root, 'a'));
  writeFileSync(path.join(root, 'a/f'), '');
  symlinkSync('..', path.join(root, 'a/loop'));
  assert.deepEqual(await listFiles(root, 'a'), ['a/f', 'a/loop/a/f']);
  symlinkSync('missing', path.join(root, 'a/broken'));
  await assert.rejects(listFiles(root, 'a'), /symlink "a\/broken" points to "missing", which does not exist/);
});
