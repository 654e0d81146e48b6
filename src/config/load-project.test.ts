import assert from 'node:assert/strict';
import { mkdir, mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { ConfigValidationError, loadProject, starterProject } from './index.ts';

async function repo(files: Record<string, string>): Promise<string> {
  const dir = await mkdtemp(path.join(tmpdir(), 'capstan-config-'));
  for (const [name, content] of Object.entries(files)) {
    await mkdir(path.dirname(path.join(dir, name)), { recursive: true });
    await writeFile(path.join(dir, name), content);
  }
  return dir;
}

test('loadProject reads capstan.yaml at the root of the repo', async () => {
  const dir = await repo({ 'capstan.yaml': starterProject() });
  const project = await loadProject(dir);
  assert.deepEqual(project.environments.map((e) => e.name), ['dev', 'staging', 'prod']);
});

test('a repo without capstan.yaml says how to create one', async () => {
  const dir = await repo({ 'README.md': 'hi' });
  await assert.rejects(loadProject(dir), {
    name: 'NotFoundError',
    message: `no capstan.yaml at the root of ${dir}: run \`capstan init\` to create one`,
  });
  await assert.rejects(loadProject(path.join(dir, 'missing')), {
    name: 'NotFoundError',
    message: `config repo directory ${path.join(dir, 'missing')} does not exist`,
  });
});

test('problems are reported against capstan.yaml, wherever the repo is checked out', async () => {
  const dir = await repo({ 'capstan.yaml': 'apiVersion: capstan.dev/v1alpha1\nkind: Project\nenvironments:\n  - name: dev\n    clusters: x\n' });
  await assert.rejects(loadProject(dir), (error: unknown) => {
    assert.ok(error instanceof ConfigValidationError);
    assert.equal(error.message, 'capstan.yaml:5:5: environments[0].clusters: unknown field; did you mean "cluster"?');
    assert.deepEqual(error.issues, [{ file: 'capstan.yaml', line: 5, column: 5, path: 'environments[0].clusters', message: 'unknown field; did you mean "cluster"?' }]);
    return true;
  });
});
