import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { HealthRule, Manifest } from '../core/index.ts';
import { assessHealth, type CrdLookup } from './index.ts';

const widget: Manifest = { apiVersion: 'example.com/v1', kind: 'Widget', metadata: { name: 'blue', namespace: 'web' }, spec: { colour: 'blue' } };

function crd(conditions: { type: string; status: string }[]): Manifest {
  return { apiVersion: 'apiextensions.k8s.io/v1', kind: 'CustomResourceDefinition', metadata: { name: 'widgets.example.com' }, spec: { group: 'example.com', names: { kind: 'Widget' } }, status: { conditions } };
}

/** A lookup that knows one CRD, for example.com/Widget. */
function lookup(object: Manifest | undefined): CrdLookup {
  return (group, kind) => (group === 'example.com' && kind === 'Widget' ? { name: 'widgets.example.com', object } : undefined);
}

const established = crd([{ type: 'NamesAccepted', status: 'True' }, { type: 'Established', status: 'True' }]);
const notEstablished = crd([{ type: 'NamesAccepted', status: 'True' }, { type: 'Established', status: 'False' }]);

describe('custom resources without a status', () => {
  it('are Healthy once their CRD is Established', () => {
    assert.deepEqual(assessHealth(widget, { crds: lookup(established) }), { status: 'Healthy' });
  });

  it('are Progressing, naming the CRD, while it is not Established', () => {
    assert.deepEqual(assessHealth(widget, { crds: lookup(notEstablished) }), { status: 'Progressing', message: 'Waiting for CRD widgets.example.com to be established' });
    assert.deepEqual(assessHealth(widget, { crds: lookup(crd([])) }), { status: 'Progressing', message: 'Waiting for CRD widgets.example.com to be established' });
  });

  it('are Progressing, naming the CRD, while it does not exist', () => {
    assert.deepEqual(assessHealth(widget, { crds: lookup(undefined) }), { status: 'Progressing', message: 'Waiting for CRD widgets.example.com: it does not exist' });
  });

  it('are Missing when they do not exist themselves', () => {
    assert.deepEqual(assessHealth(undefined, { crds: lookup(established) }), { status: 'Missing', message: 'Object does not exist' });
  });

  it('are judged as before when no CRD is known for their kind, or no lookup is given', () => {
    assert.deepEqual(assessHealth(widget, { crds: () => undefined }), { status: 'Healthy' });
    assert.deepEqual(assessHealth(widget), { status: 'Healthy' });
  });

  it('keep the judgement of their status when they have one', () => {
    const failing = { ...widget, status: { conditions: [{ type: 'Ready', status: 'False', message: 'no quota' }] } };
    assert.deepEqual(assessHealth(failing, { crds: lookup(notEstablished) }), { status: 'Degraded', message: 'no quota' });
    const ready = { ...widget, status: { conditions: [{ type: 'Ready', status: 'True' }] } };
    assert.deepEqual(assessHealth(ready, { crds: lookup(notEstablished) }), { status: 'Healthy' });
  });

  it('leave built-in kinds alone, and let a custom rule decide first', () => {
    const configMap: Manifest = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'settings', namespace: 'web' } };
    assert.deepEqual(assessHealth(configMap, { crds: () => ({ name: 'configmaps', object: undefined }) }), { status: 'Healthy' });
    const rules: HealthRule[] = [{ kind: 'Widget', rules: [{ status: 'Suspended', when: [{ path: 'spec.colour', equals: 'blue' }], message: 'parked' }] }];
    assert.deepEqual(assessHealth(widget, { rules, crds: lookup(notEstablished) }), { status: 'Suspended', message: 'parked' });
  });
});
