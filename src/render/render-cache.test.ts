import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { RenderCache } from './render-cache.ts';
import { object, testApp } from './testing.ts';
import type { RenderResult } from './types.ts';

const commit = 'a'.repeat(40);
const render = (): RenderResult => ({ type: 'directory', objects: [object('v1', 'ConfigMap', 'settings'), object('apps/v1', 'Deployment', 'web', { spec: { replicas: 2 } })] });
const cacheIn = (dir = mkdtempSync(path.join(tmpdir(), 'capstan-renders-')), options: { build?: string; keep?: number } = {}) => new RenderCache({ dir, build: options.build ?? 'test-1', keep: options.keep });

test('a render is kept by commit, source, type, image overrides and build, and read back as it was', async () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'capstan-renders-'));
  const cache = cacheIn(dir);
  const app = testApp('apps/web');
  const key = cache.keyOf(commit, app)!;
  assert.equal(await cache.read(key), undefined);
  await cache.write(key, render());
  assert.deepEqual(await cache.read(key), render());
  // another app of the same source at the same commit (another environment, namespace) shares it
  assert.equal(cache.keyOf(commit, testApp('apps/web/', { name: 'other', env: 'prod', namespace: 'elsewhere' })), key);
  // anything that changes the render changes the key
  const others = [
    cache.keyOf('b'.repeat(40), app),
    cache.keyOf(commit, testApp('apps/api')),
    cache.keyOf(commit, testApp('apps/web', { type: 'directory' })),
    cache.keyOf(commit, testApp('apps/web', { images: [{ name: 'web', newTag: '2.0' }] })),
    cache.keyOf(commit, testApp('apps/web', { postRender: { targetNamespace: 'web', patches: [], substitute: { a: 'b' }, substituteFrom: [] } })),
    cacheIn(dir, { build: 'test-2' }).keyOf(commit, app),
  ];
  for (const other of others) assert.ok(other && other !== key);
  // variables read from the cluster make a render depend on more than the commit
  assert.equal(cache.keyOf(commit, testApp('apps/web', { postRender: { patches: [], substitute: {}, substituteFrom: [{ kind: 'ConfigMap', name: 'vars', optional: false }] } })), undefined);
  assert.equal(await cacheIn(dir, { build: 'test-2' }).read(key.replace(/^./, '0')), undefined);
  const [file] = readdirSync(dir);
  assert.equal(statSync(path.join(dir, file!)).mode & 0o777, 0o600);
});

test('nothing is kept of a working tree, of Helm and kustomize renders, of a render that decrypted SOPS files, or of an empty render', async () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'capstan-renders-'));
  const cache = cacheIn(dir);
  assert.equal(cache.keyOf('working-tree', testApp('apps/web')), undefined);
  assert.equal(cache.keyOf(`${commit}+dirty`, testApp('apps/web')), undefined);
  assert.equal(cache.keyOf(commit, testApp('apps/web', { type: 'helm' })), undefined);
  assert.equal(cache.keyOf(commit, testApp('apps/web', { type: 'kustomize' })), undefined);
  const key = cache.keyOf(commit, testApp('apps/web'))!;
  // the type was detected: what the render turns out to be decides
  await cache.write(key, { ...render(), type: 'helm' });
  await cache.write(key, { ...render(), decrypted: true });
  // nor an empty render: whether it is an error depends on the app's allowEmpty, not in the key
  await cache.write(key, { type: 'directory', objects: [] });
  assert.deepEqual(readdirSync(dir), []);
  assert.equal(await cache.read(key), undefined);
});

test('the render is copied when written: what the caller does to the objects afterwards is not kept', async () => {
  const cache = cacheIn();
  const key = cache.keyOf(commit, testApp('apps/web'))!;
  const result = render();
  const written = cache.write(key, result);
  result.objects[0]!.manifest.metadata.namespace = 'filled-in-later';
  await written;
  assert.equal((await cache.read(key))!.objects[0]!.manifest.metadata.namespace, undefined);
});

test('an entry that cannot be read is a miss, and the least recently used entries go first', async () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'capstan-renders-'));
  const cache = cacheIn(dir, { keep: 2 });
  const keys = ['apps/a', 'apps/b', 'apps/c'].map((source) => cache.keyOf(commit, testApp(source))!);
  await cache.write(keys[0]!, render());
  writeFileSync(path.join(dir, `${keys[0]}.json`), '{"type":"directory","objects":[{"source":1}]}');
  assert.equal(await cache.read(keys[0]!), undefined, 'a malformed entry');
  writeFileSync(path.join(dir, `${keys[0]}.json`), 'not json');
  assert.equal(await cache.read(keys[0]!), undefined, 'a truncated entry');
  await new Promise((resolve) => setTimeout(resolve, 20));
  await cache.write(keys[1]!, render());
  await new Promise((resolve) => setTimeout(resolve, 20));
  await cache.write(keys[2]!, render());
  assert.deepEqual(readdirSync(dir).sort(), [`${keys[1]}.json`, `${keys[2]}.json`].sort());
  assert.ok(JSON.parse(readFileSync(path.join(dir, `${keys[2]}.json`), 'utf8')).objects.length === 2);
});
