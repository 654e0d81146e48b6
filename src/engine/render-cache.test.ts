import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { RenderCache } from '../render/index.ts';
import { GitCache } from '../source/index.ts';
import { makeRepo, tempDir } from '../source/testing.ts';
import { Engine } from './engine.ts';
import { openRevision, openWorkingTree } from './repo-revision.ts';

const project = 'apiVersion: capstan.dev/v1alpha1\nkind: Project\nenvironments:\n  - name: dev\n  - name: prod\napps:\n  - { name: web, source: apps/web, namespace: web }\n  - { name: web2, source: apps/web, namespace: other }\n';

/** Polls `check` until it returns a value; the 30 s deadline only bounds a test that fails. */
async function until<T>(check: () => T | undefined, what: string): Promise<T> {
  const deadline = Date.now() + 30_000;
  for (;;) {
    const value = check();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

test('a commit rendered once is read from the render cache by the next process, for every app with that source', async () => {
  const { dir } = await makeRepo({ 'capstan.yaml': project, 'apps/web/cm.yaml': 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: settings\ndata: { a: "1" }\n' });
  const cacheDir = tempDir();
  const renders = path.join(cacheDir, 'renders');
  const git = new GitCache({ dir: cacheDir });
  const engine = () => new Engine({ git, clientFor: async () => assert.fail('offline'), renderCache: new RenderCache({ dir: renders, build: 'test' }) });
  const checkout = await openRevision(git, { url: dir });

  const rendered = await engine().render(checkout, 'web', 'dev');
  assert.deepEqual(rendered.objects.map((o) => `${o.manifest.metadata.namespace}/${o.manifest.metadata.name}`), ['web/settings']);
  const entry = await until(() => (existsSync(renders) ? readdirSync(renders).find((name) => name.endsWith('.json')) : undefined), 'the render to be written');

  // the next process reads the entry instead of rendering: shown by an entry edited behind its back
  const file = path.join(renders, entry);
  writeFileSync(file, readFileSync(file, 'utf8').replace('"settings"', '"from-the-cache"'));
  const again = await engine().render(checkout, 'web2', 'prod');
  assert.deepEqual(again.objects.map((o) => `${o.manifest.metadata.namespace}/${o.manifest.metadata.name}`), ['other/from-the-cache'], 'another app of the source, in its own namespace');
  assert.equal(readdirSync(renders).filter((name) => name.endsWith('.json')).length, 1);
});

test('a working tree is rendered every time, even at a clean commit: it may hold files git ignores', async () => {
  const { dir } = await makeRepo({ 'capstan.yaml': project, '.gitignore': 'apps/web/local.yaml\n', 'apps/web/cm.yaml': 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: settings\n' });
  writeFileSync(path.join(dir, 'apps', 'web', 'local.yaml'), 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: local-only\n');
  const cacheDir = tempDir();
  const renders = path.join(cacheDir, 'renders');
  const engine = new Engine({ git: new GitCache({ dir: cacheDir }), clientFor: async () => assert.fail('offline'), renderCache: new RenderCache({ dir: renders, build: 'test' }) });
  const tree = await openWorkingTree(dir);
  assert.match(tree.commit, /^[0-9a-f]{40}$/, 'clean: the ignored file does not make it dirty');
  const rendered = await engine.render(tree, 'web', 'dev');
  assert.deepEqual(rendered.objects.map((o) => o.manifest.metadata.name).sort(), ['local-only', 'settings']);
  await new Promise((resolve) => setTimeout(resolve, 50));
  assert.equal(existsSync(renders), false, 'nothing written');
});
