import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { JsonObject } from './json.ts';
import { fieldSetsOf, removeFieldSet, type FieldsV1 } from './managed-fields.ts';

const managedFields = [
  { manager: 'capstan', operation: 'Apply', fieldsType: 'FieldsV1', fieldsV1: { 'f:spec': { 'f:selector': {} } } },
  { manager: 'kube-controller-manager', operation: 'Update', subresource: 'scale', fieldsType: 'FieldsV1', fieldsV1: { 'f:spec': { 'f:replicas': {} } } },
  { manager: 'kube-controller-manager', operation: 'Update', fieldsType: 'FieldsV2', fieldsV1: { 'f:spec': {} } },
  { manager: 'istio-sidecar-injector', operation: 'Update', fieldsType: 'FieldsV1', fieldsV1: { 'f:metadata': {} } },
  'not an entry',
  { operation: 'Update' },
];

describe('managed fields', () => {
  it('collects the FieldsV1 sets of the given managers only', () => {
    assert.deepEqual(fieldSetsOf(managedFields, ['kube-controller-manager']), [{ 'f:spec': { 'f:replicas': {} } }]);
    assert.deepEqual(fieldSetsOf(managedFields, []), []);
    assert.deepEqual(fieldSetsOf(undefined, ['capstan']), []);
    assert.deepEqual(fieldSetsOf({ manager: 'capstan' }, ['capstan']), []);
  });

  it('removes leaves whole, and below a node only the children it lists', () => {
    const object: JsonObject = {
      metadata: { name: 'web', annotations: { 'capstan.dev/owner': 'web/prod', 'deployment.kubernetes.io/revision': '4' } },
      spec: { replicas: 5, selector: { matchLabels: { app: 'web' } } },
    };
    const set: FieldsV1 = {
      'f:metadata': { 'f:annotations': { '.': {}, 'f:deployment.kubernetes.io/revision': {} } },
      'f:spec': { 'f:replicas': {}, 'f:selector': {} },
    };
    removeFieldSet(object, set);
    assert.deepEqual(object, { metadata: { name: 'web', annotations: { 'capstan.dev/owner': 'web/prod' } } });
  });

  it('finds list items by their key fields (k:) and set items by value (v:)', () => {
    const object: JsonObject = {
      metadata: { name: 'web', finalizers: ['capstan.dev/cleanup', 'example.com/protect'] },
      spec: {
        containers: [
          { name: 'web', image: 'web:1', ports: [{ containerPort: 8080, protocol: 'TCP', name: 'http' }] },
          { name: 'istio-proxy', image: 'proxyv2:1.22' },
        ],
      },
    };
    const set: FieldsV1 = {
      'f:metadata': { 'f:finalizers': { 'v:"example.com/protect"': {} } },
      'f:spec': {
        'f:containers': {
          'k:{"name":"istio-proxy"}': { '.': {}, 'f:image': {}, 'f:name': {} },
          'k:{"name":"web"}': { 'f:ports': { 'k:{"containerPort":8080,"protocol":"TCP"}': { 'f:name': {} } } },
        },
      },
    };
    removeFieldSet(object, set);
    assert.deepEqual(object, {
      metadata: { name: 'web', finalizers: ['capstan.dev/cleanup'] },
      spec: { containers: [{ name: 'web', image: 'web:1', ports: [{ containerPort: 8080, protocol: 'TCP' }] }] },
    });
  });

  it('removes list items by index (i:) and ignores malformed keys', () => {
    const object: JsonObject = { spec: { args: ['--a', '--b'], containers: [{ name: 'web' }] } };
    removeFieldSet(object, { 'f:spec': { 'f:args': { 'i:1': {} }, 'f:containers': { 'k:{not json': {}, 'v:': {}, 'i:7': {} } } });
    assert.deepEqual(object, { spec: { args: ['--a'], containers: [{ name: 'web' }] } });
  });
});
