import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { applyJsonPatch } from './json-patch.ts';

const deployment = () => ({
  apiVersion: 'apps/v1',
  kind: 'Deployment',
  metadata: { name: 'web' },
  spec: { replicas: 2, template: { spec: { containers: [{ name: 'nginx', image: 'nginx:1.27' }] } } },
});

describe('applyJsonPatch', () => {
  it('applies operations to a copy', () => {
    const original = deployment();
    const out = applyJsonPatch(original, [
      { op: 'test', path: '/spec/replicas', value: 2 },
      { op: 'replace', path: '/spec/replicas', value: 3 },
      { op: 'add', path: '/spec/template/spec/containers/-', value: { name: 'log', image: 'fluent-bit' } },
      { op: 'add', path: '/metadata/labels', value: { app: 'web' } },
      { op: 'remove', path: '/spec/template/spec/containers/0/image' },
    ]);
    assert.deepEqual(out, {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: 'web', labels: { app: 'web' } },
      spec: { replicas: 3, template: { spec: { containers: [{ name: 'nginx' }, { name: 'log', image: 'fluent-bit' }] } } },
    });
    assert.deepEqual(original, deployment());
  });

  it('fails clearly on a failed test, without echoing document values', () => {
    const secret = { data: { password: 'c2VjcmV0' } };
    assert.throws(() => applyJsonPatch(secret, [{ op: 'test', path: '/data/password', value: 'eA==' }]), (error: Error) => {
      assert.equal(error.message, 'json patch operation 0 (test /data/password): test failed');
      return true;
    });
  });

  it('fails clearly on a missing path or an invalid operation', () => {
    assert.throws(() => applyJsonPatch(deployment(), [{ op: 'remove', path: '/spec/paused' }]), { message: 'json patch operation 0 (remove /spec/paused): path does not exist' });
    assert.throws(() => applyJsonPatch(deployment(), [{ op: 'add', path: '/status/replicas', value: 1 }]), { message: 'json patch operation 0 (add /status/replicas): cannot add at this path: its parent does not exist' });
    assert.throws(() => applyJsonPatch(deployment(), [{ op: 'jump', path: '/spec' }]), { message: 'json patch operation 0 (jump /spec): unknown "op"' });
    assert.throws(() => applyJsonPatch(deployment(), { op: 'add' }), { message: 'json patch must be a list of operations' });
    assert.throws(() => applyJsonPatch(deployment(), ['x']), { message: 'json patch operation 0: an operation must be an object' });
  });
});
