import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, describe, test } from 'node:test';
import { resolveApp, type AppEnvironment } from '../config/index.ts';
import { parseProject } from '../config/index.ts';
import { appInputs, touches } from './app-inputs.ts';
import { diffTrees } from './tree-diff.ts';

const dirs: string[] = [];
after(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

function tree(files: Record<string, string>): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'capstan-agent-inputs-'));
  dirs.push(dir);
  for (const [name, content] of Object.entries(files)) {
    mkdirSync(path.dirname(path.join(dir, name)), { recursive: true });
    writeFileSync(path.join(dir, name), content);
  }
  return dir;
}

const project = parseProject(
  `apiVersion: capstan.dev/v1alpha1
kind: Project
environments: [{ name: dev }]
apps:
  - { name: plain, source: apps/plain, namespace: a }
  - { name: kust, source: apps/kust/overlays/dev, namespace: b }
  - name: chart
    source: charts/web
    namespace: c
    helm: { valuesFiles: [../../values/web-dev.yaml] }
  - name: remote
    namespace: d
    helm: { chart: { repository: https://charts.example.com, name: web, version: ^1 }, valuesFiles: [values/web-dev.yaml] }
`,
  'capstan.yaml',
);
const app = (name: string): AppEnvironment => resolveApp(project, name, 'dev');

describe('appInputs', () => {
  const dir = tree({
    'apps/plain/cm.yaml': 'x',
    'apps/kust/base/kustomization.yaml': 'resources: [deploy.yaml]\n',
    'apps/kust/base/deploy.yaml': 'x',
    'apps/kust/overlays/dev/kustomization.yaml': 'resources: [../../base]\npatches: [{ path: ../../../../shared/patch.yaml }]\n',
    'shared/patch.yaml': 'x',
    'charts/web/Chart.yaml': 'apiVersion: v2\nname: web\nversion: 1.0.0\ndependencies:\n  - { name: common, version: 1.0.0, repository: "file://../common" }\n',
    'charts/common/Chart.yaml': 'apiVersion: v2\nname: common\nversion: 1.0.0\n',
    'values/web-dev.yaml': 'x: 1\n',
  });

  test('a plain directory is its source', async () => {
    const inputs = await appInputs(dir, app('plain'));
    assert.deepEqual(inputs, { dirs: ['apps/plain'], files: [] });
    assert.equal(touches(inputs, 'apps/plain/cm.yaml'), true);
    assert.equal(touches(inputs, 'apps/plainer/cm.yaml'), false);
  });

  test('a kustomization reaches its bases and the files it names', async () => {
    const inputs = await appInputs(dir, app('kust'));
    assert.deepEqual(inputs, { dirs: ['apps/kust/base', 'apps/kust/overlays/dev'], files: ['apps/kust/base/deploy.yaml', 'shared/patch.yaml'] });
    assert.equal(touches(inputs, 'apps/kust/base/deploy.yaml'), true);
    assert.equal(touches(inputs, 'shared/patch.yaml'), true);
    assert.equal(touches(inputs, 'shared/other.yaml'), false);
    assert.equal(touches(inputs, 'apps/kust/overlays/prod/kustomization.yaml'), false);
  });

  test('a chart reads its directory, its values files and its file:// dependencies', async () => {
    const inputs = await appInputs(dir, app('chart'));
    assert.deepEqual(inputs, { dirs: ['charts/common', 'charts/web'], files: ['values/web-dev.yaml'] });
    assert.equal(touches(inputs, 'values/web-prod.yaml'), false);
  });

  test('a chart fetched from its repository reads only its values files from the repo', async () => {
    const inputs = await appInputs(dir, app('remote'));
    assert.deepEqual(inputs, { dirs: [], files: ['values/web-dev.yaml'] });
    assert.equal(touches(inputs, 'charts/web/Chart.yaml'), false);
  });

  test('a broken kustomization touches every change', async () => {
    const broken = tree({ 'apps/kust/overlays/dev/kustomization.yaml': 'resources: [missing.yaml]\n' });
    const inputs = await appInputs(broken, app('kust'));
    assert.equal(inputs, undefined);
    assert.equal(touches(inputs, 'anything/at/all'), true);
  });

  test("an app's kbld lock file is one of its inputs, wherever it lives", async () => {
    const locked = { ...app('plain'), imageLockFile: 'locks/plain.kbld.lock.yml' };
    const inputs = await appInputs(tree({ 'apps/plain/web.yaml': 'x' }), locked);
    assert.deepEqual(inputs, { dirs: ['apps/plain'], files: ['locks/plain.kbld.lock.yml'] });
    assert.equal(touches(inputs, 'locks/plain.kbld.lock.yml'), true);
    assert.equal(touches(inputs, 'locks/other.kbld.lock.yml'), false);
  });
});

describe('diffTrees', () => {
  test('names added, removed and changed files', async () => {
    const a = tree({ 'same.txt': 'x', 'changed.txt': 'one', 'gone/file.txt': 'x' });
    const b = tree({ 'same.txt': 'x', 'changed.txt': 'two', 'new/file.txt': 'x' });
    assert.deepEqual(await diffTrees(a, b), ['changed.txt', 'gone/file.txt', 'new/file.txt']);
  });
});
