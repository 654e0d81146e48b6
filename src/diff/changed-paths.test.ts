import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { changedPaths } from './changed-paths.ts';

describe('changedPaths', () => {
  it('lists differing leaves in the order capstan prints keys', () => {
    const from = { spec: { containers: [{ name: 'web', image: 'web:1' }] }, metadata: { name: 'web' } };
    const to = { spec: { containers: [{ name: 'app', image: 'web:2' }] }, metadata: { name: 'web', labels: { 'a/b': 'x' } } };
    assert.deepEqual(changedPaths(from, to), ['/metadata/labels', '/spec/containers/0/name', '/spec/containers/0/image']);
  });

  it('reports a changed type at the field, and list items added or removed at their index', () => {
    assert.deepEqual(changedPaths({ a: { b: 1 }, l: [1, 2, 3] }, { a: [1], l: [1] }), ['/a', '/l/1', '/l/2']);
    assert.deepEqual(changedPaths({ port: 80 }, { port: '80' }), ['/port']);
    assert.deepEqual(changedPaths({ a: 1 }, { a: 1 }), []);
  });
});
