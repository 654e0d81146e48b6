import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { parse } from 'yaml';
import { keyOf, type Manifest, type ResourceKey, worstHealth } from '../core/index.ts';
import { assessHealth, type HealthSubject, summarizeHealth } from './index.ts';

function fixture(name: string): Manifest {
  return parse(readFileSync(new URL(`./testdata/${name}.yaml`, import.meta.url), 'utf8')) as Manifest;
}

function subject(name: string): HealthSubject {
  const object = fixture(name);
  return { key: keyOf(object), object };
}

const missingKey: ResourceKey = { group: '', kind: 'Service', namespace: 'web', name: 'gone' };

describe('worst of', () => {
  it('orders Healthy < Suspended < Progressing < Missing < Degraded < Unknown', () => {
    const statuses = ['deployment-healthy', 'deployment-suspended-paused', 'deployment-progressing-available'].map((n) => assessHealth(fixture(n)));
    assert.equal(worstHealth(statuses).status, 'Progressing');
    assert.equal(worstHealth([...statuses, assessHealth(undefined)]).status, 'Missing');
    assert.equal(worstHealth([...statuses, assessHealth(undefined), assessHealth(fixture('pod-degraded-crashloop'))]).status, 'Degraded');
    assert.equal(worstHealth([assessHealth(fixture('pod-unknown')), assessHealth(fixture('pod-degraded-crashloop'))]).status, 'Unknown');
  });
});

describe('summarizeHealth', () => {
  it('is Healthy with no message when every object is Healthy, or there are none', () => {
    const summary = summarizeHealth([subject('deployment-healthy'), subject('service-healthy-cluster-ip'), subject('generic-healthy-configmap')]);
    assert.equal(summary.status, 'Healthy');
    assert.equal(summary.message, undefined);
    assert.equal(summary.resources.length, 3);
    assert.deepEqual(summarizeHealth([]), { status: 'Healthy', resources: [] });
  });

  it('names the worst object and counts the others that are not Healthy', () => {
    const summary = summarizeHealth([
      subject('deployment-progressing-available'),
      subject('pod-degraded-crashloop'),
      subject('generic-healthy-configmap'),
      { key: missingKey, object: undefined },
    ]);
    assert.equal(summary.status, 'Degraded');
    assert.equal(
      summary.message,
      'Pod/web/api-7d4b9c6f5d-x2x7q: container "api": CrashLoopBackOff: back-off 1m20s restarting failed container=api pod=api-7d4b9c6f5d-x2x7q_web(0f6c3a52-6d1e-4c1b-9a57-2b1f6f0e8a11) (+2 more not healthy)',
    );
    assert.deepEqual(
      summary.resources.map((r) => [r.key.kind, r.status]),
      [['Deployment', 'Progressing'], ['Pod', 'Degraded'], ['ConfigMap', 'Healthy'], ['Service', 'Missing']],
    );
  });

  it('reports a missing object by its key, and the first of equally bad objects', () => {
    assert.deepEqual(summarizeHealth([{ key: missingKey, object: undefined }, { key: { ...missingKey, name: 'other' }, object: undefined }]).message, 'Service/web/gone: Object does not exist (+1 more not healthy)');
    const crd = summarizeHealth([subject('crd-progressing'), subject('deployment-progressing-generation')]);
    assert.equal(crd.message, 'CustomResourceDefinition/widgets.example.com: Waiting for CRD to be established (+1 more not healthy)');
  });

  it('applies custom rules to every object', () => {
    const summary = summarizeHealth([subject('generic-healthy-configmap')], {
      rules: [{ kind: 'ConfigMap', rules: [{ status: 'Suspended', when: [{ path: 'data.LOG_LEVEL', equals: 'info' }], message: 'quiet' }] }],
    });
    assert.equal(summary.status, 'Suspended');
    assert.equal(summary.message, 'ConfigMap/web/api-config: quiet');
  });
});
