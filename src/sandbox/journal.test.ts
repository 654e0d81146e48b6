import assert from 'node:assert/strict';
import { appendFileSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { Journal } from './journal.ts';
import { Store } from './store.ts';
import { tempDir } from './testing.ts';
import type { KubeObject } from './types.ts';

function configMap(name: string, rv: number, data: Record<string, string> = {}): KubeObject {
  return { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name, namespace: 'ns', resourceVersion: String(rv) }, data };
}

test('a reopened journal has every acknowledged write and the resourceVersion clock', async () => {
  const file = path.join(tempDir(), 'state.db');
  const first = await Journal.open(file);
  const store = new Store(first.journal, first.state);
  await store.put('configmaps', configMap('a', 1));
  await store.put('configmaps', configMap('b', 2));
  await store.put('configmaps', configMap('a', 3, { k: 'v' }));
  await store.remove('configmaps', configMap('b', 4));
  await store.close();

  const second = await Journal.open(file);
  const reopened = new Store(second.journal, second.state);
  assert.deepEqual(reopened.list('configmaps').map((o) => [o.metadata.name, o.data]), [['a', { k: 'v' }]]);
  assert.equal(reopened.resourceVersion, 4);
  assert.equal(reopened.nextResourceVersion(), 5);
  await reopened.close();
});

test('a torn last line (a crash mid-write) is dropped and the file repaired', async () => {
  const file = path.join(tempDir(), 'state.db');
  const { journal, state } = await Journal.open(file);
  const store = new Store(journal, state);
  await store.put('configmaps', configMap('kept', 1));
  await store.close();
  appendFileSync(file, '{"t":"put","r":"configmaps","k":"ns/torn","o":{"apiVer');

  const reopened = await Journal.open(file);
  assert.deepEqual([...reopened.state.objects.get('configmaps')!.keys()], ['ns/kept']);
  await reopened.journal.close();
  assert.ok(readFileSync(file, 'utf8').endsWith('}\n'), 'the torn tail is cut off');
});

test('concurrent writes share fsyncs and all resolve once on disk', async () => {
  const file = path.join(tempDir(), 'state.db');
  const { journal, state } = await Journal.open(file);
  const store = new Store(journal, state);
  await Promise.all(Array.from({ length: 200 }, (_, i) => store.put('configmaps', configMap(`cm-${i}`, i + 1))));
  const lines = readFileSync(file, 'utf8').trim().split('\n');
  assert.equal(lines.length, 200);
  await store.close();
});

test('compaction rewrites the journal as a snapshot without losing objects', async () => {
  const file = path.join(tempDir(), 'state.db');
  const { journal, state } = await Journal.open(file);
  const store = new Store(journal, state);
  let rv = 0;
  for (let round = 0; round < 30; round++) {
    for (let i = 0; i < 100; i++) await store.put('configmaps', configMap(`cm-${i}`, ++rv, { round: String(round) }));
  }
  await store.close();
  const lines = readFileSync(file, 'utf8').trim().split('\n').length;
  assert.ok(lines < 3000, `expected compaction to shrink 3,000 records, file has ${lines}`);
  const reopened = await Journal.open(file);
  const objects = reopened.state.objects.get('configmaps')!;
  assert.equal(objects.size, 100);
  assert.deepEqual(objects.get('ns/cm-42')?.data, { round: '29' });
  assert.equal(reopened.state.resourceVersion, 3000);
  await reopened.journal.close();
});

test('watch history: events after a version, and undefined once it has been compacted away', () => {
  const store = new Store(undefined, undefined, { historySize: 10 });
  for (let i = 1; i <= 25; i++) void store.put('configmaps', configMap(`cm-${i}`, i));
  assert.deepEqual(store.eventsSince(23)?.map((e) => e.resourceVersion), [24, 25]);
  assert.equal(store.eventsSince(2), undefined);
  assert.equal(store.eventsSince(25)?.length, 0);
});
