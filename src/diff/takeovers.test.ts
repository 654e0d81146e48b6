import assert from 'node:assert/strict';
import { test } from 'node:test';
import { formatTakeovers, takeovers } from './takeovers.ts';

const entry = (manager: string, fieldsV1: object, extra: object = {}) => ({ manager, operation: manager === 'capstan' ? 'Apply' : 'Update', fieldsType: 'FieldsV1', fieldsV1, ...extra });
const containers = (fields: object) => ({ 'f:spec': { 'f:template': { 'f:spec': { 'f:containers': { 'k:{"name":"web"}': fields } } } } });

test('a forced apply took the fields another manager held and no longer holds', () => {
  const before = [
    entry('capstan', { 'f:spec': { 'f:selector': {} } }),
    entry('kubectl', { 'f:spec': { 'f:replicas': {} } }, { subresource: 'scale' }),
    entry('kubectl-edit', { ...containers({ '.': {}, 'f:image': {} }), 'f:metadata': { 'f:labels': { 'f:team': {} } } }),
    entry('kube-controller-manager', { 'f:status': { 'f:replicas': {} } }, { subresource: 'status' }),
  ];
  const after = [
    entry('capstan', { 'f:spec': { 'f:selector': {}, 'f:replicas': {}, ...containers({ 'f:image': {} })['f:spec'] } }),
    entry('kubectl-edit', { 'f:metadata': { 'f:labels': { 'f:team': {} } } }),
    entry('kube-controller-manager', { 'f:status': { 'f:replicas': {} } }, { subresource: 'status' }),
  ];
  const taken = takeovers(before, after, 'capstan');
  assert.deepEqual(taken, [
    { manager: 'kubectl', fields: ['.spec.replicas'] },
    { manager: 'kubectl-edit', fields: ['.spec.template.spec.containers[name="web"].image'] },
  ]);
  assert.equal(formatTakeovers(taken), '.spec.replicas from kubectl; .spec.template.spec.containers[name="web"].image from kubectl-edit');
});

test('a field two managers share, one a manager still holds, or one the apply removed is not taken', () => {
  const before = [entry('capstan', { 'f:data': { 'f:a': {} } }), entry('kubectl', { 'f:data': { 'f:a': {}, 'f:b': {}, 'f:c': {} } })];
  const after = [entry('capstan', { 'f:data': { 'f:a': {} } }), entry('kubectl', { 'f:data': { 'f:a': {}, 'f:b': {} } })];
  assert.deepEqual(takeovers(before, after, 'capstan'), []);
  assert.deepEqual(takeovers(undefined, after, 'capstan'), []);
  assert.deepEqual(takeovers(before, undefined, 'capstan'), []);
});
