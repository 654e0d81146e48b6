import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { formatPointer, parsePointer, removePath } from './json-pointer.ts';
import type { JsonObject } from './json.ts';

describe('JSON pointers', () => {
  it('parses and formats RFC 6901 escapes', () => {
    assert.deepEqual(parsePointer('/metadata/annotations/kubectl.kubernetes.io~1restartedAt'), ['metadata', 'annotations', 'kubectl.kubernetes.io/restartedAt']);
    assert.deepEqual(parsePointer('/a~0b/~01'), ['a~b', '~1']);
    assert.equal(formatPointer(['metadata', 'labels', 'a/b~c', 0]), '/metadata/labels/a~1b~0c/0');
    assert.deepEqual(parsePointer(''), []);
  });

  it('removes a field and the maps and lists it leaves empty, never the root', () => {
    const object: JsonObject = { metadata: { name: 'web', annotations: { a: '1' } }, spec: { list: [{ x: 1 }] } };
    removePath(object, ['metadata', 'annotations', 'a']);
    removePath(object, ['spec', 'list', '0', 'x']);
    assert.deepEqual(object, { metadata: { name: 'web' } });
    const only: JsonObject = { spec: { replicas: 2 } };
    removePath(only, ['spec', 'replicas']);
    assert.deepEqual(only, {});
  });

  it('leaves the object alone when the path does not exist', () => {
    const object: JsonObject = { spec: { containers: [{ name: 'web' }], replicas: 2 } };
    for (const tokens of [['spec', 'missing'], ['spec', 'containers', '1'], ['spec', 'containers', '-'], ['spec', 'containers', '01'], ['spec', 'replicas', 'x'], ['nothing', 'here']]) {
      removePath(object, tokens);
    }
    assert.deepEqual(object, { spec: { containers: [{ name: 'web' }], replicas: 2 } });
  });

  it('removes list items by index', () => {
    const object: JsonObject = { metadata: { finalizers: ['a', 'b'] } };
    removePath(object, ['metadata', 'finalizers', '0']);
    assert.deepEqual(object, { metadata: { finalizers: ['b'] } });
  });
});
