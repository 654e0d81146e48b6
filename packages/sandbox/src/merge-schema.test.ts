import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { builtinMergeSchema, crdMergeSchema, defaultMergeSchema, emptyObjectFor } from './merge-schema.ts';

const path = (text: string): string[] => text.split('.').flatMap((part) => (part.endsWith('[]') ? [part.slice(0, -2), '[]'] : [part]));

describe('builtinMergeSchema', () => {
  it('finds the pod spec of every workload kind', () => {
    const cases: [string, string, string][] = [
      ['', 'Pod', 'spec'],
      ['apps', 'Deployment', 'spec.template.spec'],
      ['apps', 'StatefulSet', 'spec.template.spec'],
      ['apps', 'DaemonSet', 'spec.template.spec'],
      ['apps', 'ReplicaSet', 'spec.template.spec'],
      ['batch', 'Job', 'spec.template.spec'],
      ['batch', 'CronJob', 'spec.jobTemplate.spec.template.spec'],
    ];
    for (const [group, kind, podSpec] of cases) {
      const schema = builtinMergeSchema(group, kind);
      assert.deepEqual(schema.listType(path(`${podSpec}.containers`)), { type: 'map', keys: ['name'] }, kind);
      assert.deepEqual(schema.listType(path(`${podSpec}.initContainers[].env`)), { type: 'map', keys: ['name'] }, kind);
      assert.deepEqual(schema.listType(path(`${podSpec}.containers[].ports`)), { type: 'map', keys: ['containerPort', 'protocol'] }, kind);
      assert.deepEqual(schema.keyDefaults(path(`${podSpec}.containers[].ports`)), { protocol: 'TCP' }, kind);
      assert.deepEqual(schema.listType(path(`${podSpec}.containers[].volumeMounts`)), { type: 'map', keys: ['mountPath'] }, kind);
      assert.deepEqual(schema.listType(path(`${podSpec}.volumes`)), { type: 'map', keys: ['name'] }, kind);
      assert.deepEqual(schema.listType(path(`${podSpec}.topologySpreadConstraints`)), { type: 'map', keys: ['topologyKey', 'whenUnsatisfiable'] }, kind);
      assert.deepEqual(schema.listType(path(`${podSpec}.tolerations`)), { type: 'atomic' }, kind);
      assert.deepEqual(schema.listType(path(`${podSpec}.containers[].args`)), { type: 'atomic' }, kind);
      assert.equal(schema.isAtomic(path(`${podSpec}.nodeSelector`)), true, kind);
      assert.equal(schema.isAtomic(path(`${podSpec}.containers[].resources.limits`)), false, kind);
      assert.equal(schema.isAtomic(path(`${podSpec}.containers[].env[].valueFrom.secretKeyRef`)), true, kind);
    }
  });

  it('knows selectors, metadata and status lists', () => {
    const deployment = builtinMergeSchema('apps', 'Deployment');
    assert.equal(deployment.isAtomic(['spec', 'selector']), true);
    assert.deepEqual(deployment.listType(['metadata', 'finalizers']), { type: 'set' });
    assert.deepEqual(deployment.listType(['spec', 'template', 'metadata', 'ownerReferences']), { type: 'map', keys: ['uid'] });
    assert.equal(deployment.isAtomic(['metadata', 'ownerReferences', '[]']), true);
    assert.deepEqual(deployment.listType(['status', 'conditions']), { type: 'map', keys: ['type'] });
    assert.deepEqual(builtinMergeSchema('batch', 'Job').listType(['status', 'conditions']), { type: 'atomic' });
    assert.deepEqual(builtinMergeSchema('apps', 'StatefulSet').listType(['spec', 'volumeClaimTemplates']), { type: 'atomic' });

    const service = builtinMergeSchema('', 'Service');
    assert.deepEqual(service.listType(['spec', 'ports']), { type: 'map', keys: ['port', 'protocol'] });
    assert.deepEqual(service.keyDefaults(['spec', 'ports']), { protocol: 'TCP' });
    assert.equal(service.isAtomic(['spec', 'selector']), true);
    assert.equal(builtinMergeSchema('networking.k8s.io', 'NetworkPolicy').isAtomic(['spec', 'podSelector']), true);
    assert.deepEqual(builtinMergeSchema('', 'ConfigMap').listType(['data']), { type: 'atomic' });
  });

  it('has metadata rules in the default schema', () => {
    assert.deepEqual(defaultMergeSchema.listType(['metadata', 'finalizers']), { type: 'set' });
    assert.deepEqual(defaultMergeSchema.listType(['spec', 'items']), { type: 'atomic' });
  });
});

describe('crdMergeSchema', () => {
  const schema = crdMergeSchema({
    type: 'object',
    properties: {
      spec: {
        type: 'object',
        properties: {
          hosts: { type: 'array', 'x-kubernetes-list-type': 'set', items: { type: 'string' } },
          routes: {
            type: 'array',
            'x-kubernetes-list-type': 'map',
            'x-kubernetes-list-map-keys': ['port', 'protocol'],
            items: { type: 'object', properties: { port: { type: 'integer' }, protocol: { type: 'string', default: 'TCP' }, rules: { type: 'array', items: { type: 'object' } } } },
          },
          selector: { type: 'object', 'x-kubernetes-map-type': 'atomic', additionalProperties: { type: 'string' } },
          backends: {
            type: 'object',
            additionalProperties: { type: 'object', properties: { endpoints: { type: 'array', 'x-kubernetes-list-type': 'map', 'x-kubernetes-list-map-keys': ['ip'], items: { type: 'object' } } } },
          },
          template: { type: 'object', 'x-kubernetes-embedded-resource': true, 'x-kubernetes-preserve-unknown-fields': true },
        },
      },
    },
  });

  it('reads list types, map keys, key defaults and atomic maps', () => {
    assert.deepEqual(schema.listType(['spec', 'hosts']), { type: 'set' });
    assert.deepEqual(schema.listType(['spec', 'routes']), { type: 'map', keys: ['port', 'protocol'] });
    assert.deepEqual(schema.keyDefaults(['spec', 'routes']), { protocol: 'TCP' });
    assert.deepEqual(schema.listType(['spec', 'routes', '[]', 'rules']), { type: 'atomic' });
    assert.equal(schema.isAtomic(['spec', 'selector']), true);
    assert.deepEqual(schema.listType(['spec', 'backends', 'east', 'endpoints']), { type: 'map', keys: ['ip'] });
    assert.deepEqual(schema.listType(['spec', 'unknown', 'list']), { type: 'atomic' });
  });

  it('treats metadata as ObjectMeta, also in embedded resources', () => {
    assert.deepEqual(schema.listType(['metadata', 'finalizers']), { type: 'set' });
    assert.deepEqual(schema.listType(['spec', 'template', 'metadata', 'ownerReferences']), { type: 'map', keys: ['uid'] });
  });

  it('falls back to the default schema without an openAPIV3Schema', () => {
    assert.equal(crdMergeSchema(undefined), defaultMergeSchema);
  });
});

describe('emptyObjectFor', () => {
  it('has Go struct fields for built-in kinds and nothing for custom resources', () => {
    const deployment = { kind: 'Deployment', spec: { template: { spec: {} }, strategy: {} }, status: {} };
    assert.deepEqual(emptyObjectFor(builtinMergeSchema('apps', 'Deployment'), deployment), {
      metadata: {},
      spec: { template: { metadata: {}, spec: { containers: null } }, strategy: {} },
      status: {},
    });
    assert.deepEqual(emptyObjectFor(crdMergeSchema({ type: 'object' }), { kind: 'Widget', spec: {} }), {});
  });
});
