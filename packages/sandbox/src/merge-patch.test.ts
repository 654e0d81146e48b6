import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { applyMergePatch } from './merge-patch.ts';

describe('applyMergePatch', () => {
  const configMap = () => ({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'cfg', labels: { app: 'web', tier: 'front' } }, data: { a: '1', b: '2' } });

  it('merges objects, deletes on null and replaces lists', () => {
    const out = applyMergePatch(
      { ...configMap(), metadata: { ...configMap().metadata, finalizers: ['x', 'y'] } },
      { metadata: { labels: { tier: null, team: 'shop' }, finalizers: ['z'] }, data: { b: '3' } },
    );
    assert.deepEqual(out, { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'cfg', labels: { app: 'web', team: 'shop' }, finalizers: ['z'] }, data: { a: '1', b: '3' } });
  });

  it('follows RFC 7386 for non-object patches and targets', () => {
    assert.deepEqual(applyMergePatch({ a: 1 }, ['x']), ['x']);
    assert.deepEqual(applyMergePatch('text', { a: { b: null, c: 1 } }), { a: { c: 1 } });
    assert.deepEqual(applyMergePatch({ a: 'x' }, { a: { b: 1 } }), { a: { b: 1 } });
  });

  it('leaves its inputs untouched', () => {
    const original = configMap();
    const patch = { data: { a: null }, metadata: { labels: { x: 'y' } } };
    applyMergePatch(original, patch);
    assert.deepEqual(original, configMap());
    assert.deepEqual(patch, { data: { a: null }, metadata: { labels: { x: 'y' } } });
  });
});
