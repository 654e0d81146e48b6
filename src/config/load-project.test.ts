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

test('a bad health or ignore rule is refused when capstan.yaml loads, naming the file, the line, the app and the rule, with the fix', async () => {
  const text = `apiVersion: capstan.dev/v1alpha1
kind: Project
environments:
  - name: dev
apps:
  - { name: db, source: apps/db, namespace: db }
  - name: web
    source: apps/web
    namespace: web
    ignoreDifferences:
      - { kind: Deployment, jsonPointers: [] }
    health:
      - kind: Widget
        rules:
          - { status: Ready, when: [{ path: "status.conditions[type=Ready", equals: "True" }] }
`;
  const dir = await repo({ 'capstan.yaml': text });
  await assert.rejects(loadProject(dir), (error: unknown) => {
    assert.ok(error instanceof ConfigValidationError);
    assert.equal(
      error.message,
      [
        'capstan.yaml has 3 problems:',
        '  capstan.yaml:11:9: apps[1].ignoreDifferences[0]: ignores nothing: set jsonPointers or managedFieldsManagers',
        '  capstan.yaml:15:23: apps[1].health[0].rules[0].status: must be one of Healthy, Suspended, Progressing, Missing, Degraded, Unknown, got "Ready"',
        '  capstan.yaml:15:45: apps[1].health[0].rules[0].when[0].path: invalid path "status.conditions[type=Ready": unclosed "[" at character 18',
      ].join('\n'),
    );
    return true;
  });
});
