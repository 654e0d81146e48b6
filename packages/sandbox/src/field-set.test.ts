import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { FieldSet, FieldSetBuilder, fieldSetOf, formatFieldPath, goJsonStringify, jsonEqual, listItemKey } from './field-set.ts';
import { builtinMergeSchema } from './merge-schema.ts';
import type { FieldsV1 } from './types.ts';

/** managedFields of `kubectl create deployment nginx --image=nginx --port=80` once the controller has run, as a 1.3x cluster stores them. */
const REAL_MANAGED_FIELDS: { manager: string; fieldsV1: FieldsV1 }[] = [
  {
    manager: 'kubectl-create',
    fieldsV1: {
      'f:metadata': { 'f:labels': { '.': {}, 'f:app': {} } },
      'f:spec': {
        'f:progressDeadlineSeconds': {},
        'f:replicas': {},
        'f:revisionHistoryLimit': {},
        'f:selector': {},
        'f:strategy': { 'f:rollingUpdate': { '.': {}, 'f:maxSurge': {}, 'f:maxUnavailable': {} }, 'f:type': {} },
        'f:template': {
          'f:metadata': { 'f:labels': { '.': {}, 'f:app': {} } },
          'f:spec': {
            'f:containers': {
              'k:{"name":"nginx"}': {
                '.': {},
                'f:image': {},
                'f:imagePullPolicy': {},
                'f:name': {},
                'f:ports': { '.': {}, 'k:{"containerPort":80,"protocol":"TCP"}': { '.': {}, 'f:containerPort': {}, 'f:protocol': {} } },
                'f:resources': {},
                'f:terminationMessagePath': {},
                'f:terminationMessagePolicy': {},
              },
            },
            'f:dnsPolicy': {},
            'f:restartPolicy': {},
            'f:schedulerName': {},
            'f:securityContext': {},
            'f:terminationGracePeriodSeconds': {},
          },
        },
      },
    },
  },
  {
    manager: 'kube-controller-manager',
    fieldsV1: {
      'f:metadata': { 'f:annotations': { '.': {}, 'f:deployment.kubernetes.io/revision': {} } },
      'f:status': {
        'f:availableReplicas': {},
        'f:conditions': {
          '.': {},
          'k:{"type":"Available"}': { '.': {}, 'f:lastTransitionTime': {}, 'f:lastUpdateTime': {}, 'f:message': {}, 'f:reason': {}, 'f:status': {}, 'f:type': {} },
          'k:{"type":"Progressing"}': { '.': {}, 'f:lastTransitionTime': {}, 'f:lastUpdateTime': {}, 'f:message': {}, 'f:reason': {}, 'f:status': {}, 'f:type': {} },
        },
        'f:observedGeneration': {},
        'f:readyReplicas': {},
        'f:replicas': {},
        'f:updatedReplicas': {},
      },
    },
  },
];

function setOf(...paths: string[][]): FieldSet {
  const builder = new FieldSetBuilder();
  for (const path of paths) builder.insert(path);
  return builder.build();
}

describe('FieldsV1 round trip', () => {
  for (const { manager, fieldsV1 } of REAL_MANAGED_FIELDS) {
    it(`reproduces the ${manager} entry byte for byte`, () => {
      const set = FieldSet.fromFieldsV1(fieldsV1);
      assert.equal(JSON.stringify(set.toFieldsV1()), JSON.stringify(fieldsV1));
    });
  }

  it('writes keys in Kubernetes order whatever the input order', () => {
    const shuffled = { 'f:spec': { 'k:{"name":"b"}': {}, 'f:z': {}, 'k:{"name":"a"}': { 'f:x': {}, '.': {} }, 'f:a': {} } };
    assert.equal(JSON.stringify(FieldSet.fromFieldsV1(shuffled).toFieldsV1()), '{"f:spec":{"f:a":{},"f:z":{},"k:{\\"name\\":\\"a\\"}":{".":{},"f:x":{}},"k:{\\"name\\":\\"b\\"}":{}}}');
  });

  it('orders numeric keys numerically and canonicalises spacing in keys', () => {
    const wire = { 'f:ports': { 'k:{"port": 8080, "protocol":"TCP"}': {}, 'k:{"port":443,"protocol":"TCP"}': {} } };
    assert.deepEqual(Object.keys(FieldSet.fromFieldsV1(wire).toFieldsV1()['f:ports']), ['k:{"port":443,"protocol":"TCP"}', 'k:{"port":8080,"protocol":"TCP"}']);
  });

  it('an encoding is frozen, made once per set, and decodes back to that same set; a copy of it is decoded anew', () => {
    const set = FieldSet.fromFieldsV1(REAL_MANAGED_FIELDS[0]!.fieldsV1);
    const wire = set.toFieldsV1();
    assert.equal(set.toFieldsV1(), wire);
    assert.ok(Object.isFrozen(wire) && Object.isFrozen(Object.values(wire)[0]), 'frozen at every level, so sharing it is safe');
    assert.equal(FieldSet.fromFieldsV1(wire), set);
    const copy = JSON.parse(JSON.stringify(wire)) as FieldsV1;
    const decoded = FieldSet.fromFieldsV1(copy);
    assert.notEqual(decoded, set);
    assert.deepEqual(decoded.paths(), set.paths());
  });

  it('rejects what Kubernetes would not decode', () => {
    assert.throws(() => FieldSet.fromFieldsV1([]), /must be a JSON object/);
    assert.throws(() => FieldSet.fromFieldsV1({ 'x:foo': {} }), /invalid path element "x:foo"/);
    assert.throws(() => FieldSet.fromFieldsV1({ 'f:spec': { 'k:{oops': {} } }), /\.spec: invalid path element/);
    assert.throws(() => FieldSet.fromFieldsV1({ 'f:spec': 'x' }), /must be an object/);
  });
});

describe('FieldSet operations', () => {
  const a = setOf(['f:spec', 'f:replicas'], ['f:metadata', 'f:labels', 'f:app']);
  const b = setOf(['f:spec', 'f:replicas'], ['f:spec', 'f:paused']);

  it('union, difference and intersection work on members', () => {
    assert.deepEqual(a.union(b).paths(), ['.metadata.labels.app', '.spec.paused', '.spec.replicas']);
    assert.deepEqual(a.difference(b).paths(), ['.metadata.labels.app']);
    assert.deepEqual(a.intersection(b).paths(), ['.spec.replicas']);
    assert.equal(a.difference(a).isEmpty(), true);
    assert.equal(FieldSet.EMPTY.isEmpty(), true);
  });

  it('a union that adds nothing is the same set (so its encoding is kept); one that adds is a new set', () => {
    const sub = setOf(['f:spec', 'f:replicas']);
    assert.equal(a.union(sub), a);
    assert.equal(a.union(a.intersection(b)), a);
    const grown = a.union(b);
    assert.notEqual(grown, a);
    assert.deepEqual(a.paths(), ['.metadata.labels.app', '.spec.replicas'], 'the sets a union came from are unchanged');
    const member = setOf(['f:spec']);
    assert.equal(member.union(setOf(['f:spec'])), member);
    assert.equal(setOf(['f:spec', 'f:x']).union(member).has(['f:spec']), true, 'a member added at an inner node counts');
  });

  it('a member with children is distinct from its children', () => {
    const item = setOf(['f:spec', 'k:{"name":"nginx"}'], ['f:spec', 'k:{"name":"nginx"}', 'f:image']);
    const onlyImage = setOf(['f:spec', 'k:{"name":"nginx"}', 'f:image']);
    assert.deepEqual(item.difference(onlyImage).paths(), ['.spec[name="nginx"]']);
    assert.equal(item.intersection(onlyImage).has(['f:spec', 'k:{"name":"nginx"}']), false);
    assert.equal(item.has(['f:spec', 'k:{"name":"nginx"}']), true);
  });

  it('lists paths in Kubernetes message form and order (members of a node before its children)', () => {
    const set = setOf(
      ['f:spec', 'f:template', 'f:spec', 'f:containers', 'k:{"name":"nginx"}', 'f:image'],
      ['f:spec', 'f:replicas'],
      ['f:spec', 'f:template', 'f:spec', 'f:containers', 'k:{"name":"nginx"}', 'f:ports', 'k:{"containerPort":80,"protocol":"TCP"}'],
      ['f:metadata', 'f:finalizers', 'v:"example.com/cleanup"'],
    );
    assert.deepEqual(set.paths(), [
      '.metadata.finalizers[="example.com/cleanup"]',
      '.spec.replicas',
      '.spec.template.spec.containers[name="nginx"].image',
      '.spec.template.spec.containers[name="nginx"].ports[containerPort=80,protocol="TCP"]',
    ]);
  });
});

describe('fieldSetOf', () => {
  const schema = builtinMergeSchema('apps', 'Deployment');

  it('records the fields of an applied Deployment as server-side apply does', () => {
    const set = fieldSetOf(
      {
        apiVersion: 'apps/v1',
        kind: 'Deployment',
        metadata: { name: 'web', finalizers: ['example.com/keep'] },
        spec: {
          replicas: 2,
          selector: { matchLabels: { app: 'web' } },
          template: { spec: { containers: [{ name: 'nginx', image: 'nginx', ports: [{ containerPort: 80 }], resources: {} }] } },
        },
      },
      schema,
    );
    assert.deepEqual(set.toFieldsV1(), {
      'f:apiVersion': {},
      'f:kind': {},
      'f:metadata': { 'f:finalizers': { 'v:"example.com/keep"': {} }, 'f:name': {} },
      'f:spec': {
        'f:replicas': {},
        'f:selector': {},
        'f:template': {
          'f:spec': {
            'f:containers': {
              'k:{"name":"nginx"}': { '.': {}, 'f:image': {}, 'f:name': {}, 'f:ports': { 'k:{"containerPort":80,"protocol":"TCP"}': { '.': {}, 'f:containerPort': {} } } },
            },
          },
        },
      },
    });
  });

  it('rejects list items without their key or with a repeated key, in Kubernetes words', () => {
    const withContainers = (containers: unknown[]) => ({ spec: { template: { spec: { containers } } } });
    assert.throws(() => fieldSetOf(withContainers([{ image: 'nginx' }]), schema), {
      message: '.spec.template.spec.containers: element 0: associative list with keys has an element that omits key field "name" (and doesn\'t have default value)',
    });
    assert.throws(() => fieldSetOf(withContainers([{ name: 'a' }, { name: 'a' }]), schema), {
      message: '.spec.template.spec.containers: duplicate entries for key [name="a"]',
    });
  });
});

describe('keys and JSON', () => {
  it('sorts key fields by name and fills defaults', () => {
    assert.equal(listItemKey({ protocol: 'UDP', containerPort: 53 }, { type: 'map', keys: ['containerPort', 'protocol'] }, {}), 'k:{"containerPort":53,"protocol":"UDP"}');
    assert.equal(listItemKey({ containerPort: 53 }, { type: 'map', keys: ['containerPort', 'protocol'] }, { protocol: 'TCP' }), 'k:{"containerPort":53,"protocol":"TCP"}');
    assert.equal(listItemKey('a/b', { type: 'set' }, {}), 'v:"a/b"');
  });

  it('encodes JSON as Go does', () => {
    assert.equal(goJsonStringify({ b: '<x>&', a: [1, true, null], c: 'line\u2028\b' }), '{"a":[1,true,null],"b":"\\u003cx\\u003e\\u0026","c":"line\\u2028\\u0008"}');
    assert.equal(goJsonStringify('back\\slash b'), '"back\\\\slash b"');
  });

  it('formats paths', () => {
    assert.equal(formatFieldPath(['f:metadata', 'f:labels', 'f:app']), '.metadata.labels.app');
    assert.equal(formatFieldPath(['f:spec', 'f:ports', 'k:{"port":443,"protocol":"TCP"}', 'f:name']), '.spec.ports[port=443,protocol="TCP"].name');
  });

  it('compares JSON structurally', () => {
    assert.equal(jsonEqual({ a: [1, { b: 2 }], c: null }, { c: null, a: [1, { b: 2 }] }), true);
    assert.equal(jsonEqual({ a: 1 }, { a: 1, b: undefined }), false);
    assert.equal(jsonEqual([1, 2], [2, 1]), false);
  });
});
