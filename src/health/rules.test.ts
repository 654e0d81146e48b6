import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { parse } from 'yaml';
import { parseRulePath, type HealthRule, type Manifest } from '../core/index.ts';
import { assessHealth } from './index.ts';

function fixture(name: string): Manifest {
  return parse(readFileSync(new URL(`./testdata/${name}.yaml`, import.meta.url), 'utf8')) as Manifest;
}

// A Crossplane-style managed resource: Synced and Ready conditions the generic rules half-understand.
const bucket: Manifest = {
  apiVersion: 's3.aws.upbound.io/v1beta1',
  kind: 'Bucket',
  metadata: { name: 'assets', generation: 1 },
  status: {
    atProvider: { region: 'eu-west-1', tags: ['a', 'b'] },
    conditions: [
      { type: 'Ready', status: 'True', reason: 'Available' },
      { type: 'Synced', status: 'False', reason: 'ReconcileError', message: 'cannot update bucket: AccessDenied' },
    ],
  },
};

const bucketRules: HealthRule[] = [
  {
    group: 's3.aws.upbound.io',
    kind: 'Bucket',
    rules: [
      { status: 'Degraded', when: [{ path: 'status.conditions[type=Synced].status', equals: 'False' }], message: 'Sync failed: {{ status.conditions[type=Synced].message }}' },
      { status: 'Healthy', when: [{ path: 'status.conditions[type=Synced].status', equals: true }, { path: 'status.conditions[type=Ready].status', equals: 'True' }] },
    ],
  },
];

function withSynced(status: string): Manifest {
  const conditions = [{ type: 'Ready', status: 'True' }, { type: 'Synced', status }];
  return { ...bucket, status: { ...(bucket.status as object), conditions } };
}

describe('custom health rules', () => {
  it('are valid as written in these tests (capstan.yaml checks the same paths when it loads)', () => {
    const paths = bucketRules.flatMap((rule) => rule.rules.flatMap((ruleCase) => ruleCase.when.map((match) => match.path)));
    assert.deepEqual(paths.filter((path) => !parseRulePath(path).ok), []);
  });

  it('decide with the first case whose matches all hold, interpolating the message', () => {
    assert.equal(assessHealth(bucket).status, 'Healthy'); // built-in generic: Ready True
    assert.deepEqual(assessHealth(bucket, { rules: bucketRules }), { status: 'Degraded', message: 'Sync failed: cannot update bucket: AccessDenied' });
  });

  it('describe the matches when the case has no message; a boolean matches the condition string', () => {
    assert.deepEqual(assessHealth(withSynced('True'), { rules: bucketRules }), {
      status: 'Healthy',
      message: 'health rule matched: status.conditions[type=Synced].status = true and status.conditions[type=Ready].status = "True"',
    });
  });

  it('fall back to the built-in assessment when no case matches', () => {
    assert.deepEqual(assessHealth(withSynced('Unknown'), { rules: bucketRules }), { status: 'Healthy' });
  });

  it('apply only to their kind, and to their group when one is given', () => {
    const otherGroup: Manifest = { ...bucket, apiVersion: 'storage.example.com/v1' };
    assert.deepEqual(assessHealth(otherGroup, { rules: bucketRules }), { status: 'Healthy' });
    const anyGroup: HealthRule[] = [{ kind: 'Bucket', rules: [{ status: 'Suspended', when: [] }] }];
    assert.deepEqual(assessHealth(otherGroup, { rules: anyGroup }), { status: 'Suspended', message: 'health rule matched' });
    assert.deepEqual(assessHealth(fixture('generic-healthy-configmap'), { rules: anyGroup }), { status: 'Healthy' });
    const coreOnly: HealthRule[] = [{ group: '', kind: 'ConfigMap', rules: [{ status: 'Degraded', when: [], message: 'no' }] }];
    assert.deepEqual(assessHealth(fixture('generic-healthy-configmap'), { rules: coreOnly }), { status: 'Degraded', message: 'no' });
  });

  it('override built-in kinds, and try rules in order', () => {
    const rules: HealthRule[] = [
      { kind: 'Deployment', group: 'apps', rules: [{ status: 'Healthy', when: [{ path: 'metadata.annotations["example.com/ignore-health"]', exists: true }], message: 'ignored' }] },
      { kind: 'Deployment', rules: [{ status: 'Unknown', when: [{ path: 'status.replicas', in: [4, 5] }] }] },
    ];
    const deadline = fixture('deployment-degraded-deadline');
    assert.deepEqual(assessHealth(deadline, { rules }), { status: 'Unknown', message: 'health rule matched: status.replicas in [4,5]' });
    deadline.metadata.annotations = { 'example.com/ignore-health': '' };
    assert.deepEqual(assessHealth(deadline, { rules }), { status: 'Healthy', message: 'ignored' });
  });

  it('match equals, in and exists by the text of scalars', () => {
    const rule = (when: HealthRule['rules'][number]['when']): HealthRule[] => [{ kind: 'Bucket', rules: [{ status: 'Degraded', when, message: 'hit' }] }];
    const hit = (when: HealthRule['rules'][number]['when']) => assessHealth(bucket, { rules: rule(when) }).status === 'Degraded';
    assert.ok(hit([{ path: 'metadata.generation', equals: '1' }]));
    assert.ok(hit([{ path: 'metadata.generation', equals: 1 }]));
    assert.ok(hit([{ path: 'status.atProvider.region', in: ['us-east-1', 'eu-west-1'] }]));
    assert.ok(hit([{ path: 'status.atProvider.tags[1]', equals: 'b' }]));
    assert.ok(hit([{ path: 'status.atProvider', exists: true }]));
    assert.ok(hit([{ path: 'status.atProvider.arn', exists: false }]));
    assert.ok(!hit([{ path: 'status.atProvider.region', equals: 'eu' }]));
    assert.ok(!hit([{ path: 'status.atProvider', equals: 'x' }])); // not a scalar
    assert.ok(!hit([{ path: 'status.atProvider.arn', equals: 'x' }])); // absent
    assert.ok(!hit([{ path: 'status.atProvider.region', exists: false }]));
    assert.ok(!hit([{ path: 'status.atProvider.region', equals: 'eu-west-1' }, { path: 'metadata.generation', equals: 2 }]));
    assert.ok(!hit([{ path: 'status..broken', exists: false }])); // an invalid path never matches
  });

  it('never apply to a missing object', () => {
    assert.deepEqual(assessHealth(undefined, { rules: [{ kind: 'Bucket', rules: [{ status: 'Healthy', when: [] }] }] }), {
      status: 'Missing',
      message: 'Object does not exist',
    });
  });
});
