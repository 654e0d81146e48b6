import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ValidationError } from '../core/index.ts';
import { checkRelativeFile, checkRepoPath, joinInsideRepo, normalizeRepoPath } from './index.ts';

test('checkRepoPath and joinInsideRepo: paths written in capstan.yaml', () => {
  assert.deepEqual(checkRepoPath('./apps//web/'), { path: 'apps/web' });
  assert.deepEqual(checkRepoPath('.'), { path: '.' });
  assert.equal(checkRepoPath('C:/apps').problem, 'must be relative to the root of the config repo, got the absolute path "C:/apps": write "apps"');
  assert.equal(checkRepoPath('git@github.com:org/repo').problem, 'must be a path inside the config repo, not a URL, got "git@github.com:org/repo"');
  assert.equal(joinInsideRepo('charts/db', '../common/values.yaml'), 'charts/common/values.yaml');
  assert.equal(joinInsideRepo('charts/db', '../../../x.yaml'), undefined);
});

test('checkRelativeFile: relative with forward slashes, .. allowed', () => {
  assert.equal(checkRelativeFile('../common/values.yaml'), undefined);
  assert.equal(checkRelativeFile('https://example.com/values.yaml'), 'must be a file in the config repo, not a URL, got "https://example.com/values.yaml"');
  assert.equal(checkRelativeFile('/etc/values.yaml'), 'must be relative to the app\'s source directory, got the absolute path "/etc/values.yaml"');
});

test('normalizeRepoPath: the root is empty, trailing slashes go, .. leaving the root and absolute paths are refused', () => {
  assert.equal(normalizeRepoPath('./apps//web/'), 'apps/web');
  assert.equal(normalizeRepoPath('.'), '');
  assert.equal(normalizeRepoPath('apps\\web'), 'apps/web');
  assert.throws(() => normalizeRepoPath('apps/../../x'), new ValidationError('path "apps/../../x" leaves the repository'));
  assert.throws(() => normalizeRepoPath('/etc'), new ValidationError('path "/etc" is absolute: paths must be relative to the repository root'));
  assert.throws(() => normalizeRepoPath('a\0b'), ValidationError);
});
