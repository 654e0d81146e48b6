import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { parse } from 'yaml';
import type { Manifest } from '../core/index.ts';
import { toYaml } from './compute-diff.ts';
import type { ManagedFieldsEntry } from './managed-fields.ts';
import { normalize } from './normalize.ts';

function text(name: string): string {
  return readFileSync(new URL(`testdata/${name}`, import.meta.url), 'utf8');
}
function fixture(name: string): Manifest {
  return parse(text(name)) as Manifest;
}

describe('normalize', () => {
  it('drops status and server-set metadata, and orders keys the way Kubernetes prints them', () => {
    assert.equal(toYaml(normalize(fixture('deployment-live.yaml'), {})), text('deployment-live-normalized.yaml'));
  });

  it('returns a copy and leaves its input alone', () => {
    const live = fixture('deployment-live.yaml');
    normalize(live, { ignore: [{ kind: 'Deployment', jsonPointers: ['/spec/replicas'], managedFieldsManagers: ['capstan'] }] });
    assert.deepEqual(live, fixture('deployment-live.yaml'));
  });

  it('removes the annotations map when only server annotations were in it', () => {
    const normalized = normalize(fixture('deployment-hpa-live.yaml'), {});
    assert.deepEqual(normalized.metadata, { name: 'worker', namespace: 'shop', labels: { 'app.kubernetes.io/name': 'worker' } });
  });

  it('drops the fields of a deletion in progress', () => {
    const terminating: Manifest = {
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: 'web-config', namespace: 'shop', selfLink: '/api/v1/namespaces/shop/configmaps/web-config', deletionTimestamp: '2024-05-22T07:15:03Z', deletionGracePeriodSeconds: 0, finalizers: ['capstan.dev/cleanup'] },
      data: { LOG_LEVEL: 'info' },
    };
    assert.deepEqual(normalize(terminating, {}), {
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: 'web-config', namespace: 'shop', finalizers: ['capstan.dev/cleanup'] },
      data: { LOG_LEVEL: 'info' },
    });
  });

  it('removes the fields that matching JSON pointer rules name, escapes included', () => {
    const normalized = normalize(fixture('deployment-live.yaml'), {
      ignore: [
        { kind: 'Deployment', group: 'apps', jsonPointers: ['/metadata/labels/capstan.dev~1env', '/spec/template/spec/containers/0/imagePullPolicy', '/spec/not/there'] },
        { kind: 'Deployment', name: 'other', jsonPointers: ['/spec/replicas'] },
        { kind: 'Deployment', group: '', jsonPointers: ['/spec/strategy'] },
      ],
    });
    assert.deepEqual(normalized.metadata.labels, { 'app.kubernetes.io/name': 'web', 'capstan.dev/app': 'web' });
    const spec = normalized.spec as { replicas: number; strategy?: unknown; template: { spec: { containers: Record<string, unknown>[] } } };
    assert.equal(spec.template.spec.containers[0].imagePullPolicy, undefined);
    assert.equal(spec.template.spec.containers[0].image, 'ghcr.io/acme/web:1.4.2');
    assert.equal(spec.replicas, 2);
    assert.notEqual(spec.strategy, undefined);
  });

  it('removes the fields a manager owns in the given managed fields, and only those', () => {
    const live = fixture('deployment-hpa-live.yaml');
    const ignore = [{ kind: 'Deployment', managedFieldsManagers: ['kube-controller-manager'] }];
    const spec = (object: Manifest) => object.spec as Record<string, unknown>;
    assert.equal(spec(normalize(live, { ignore })).replicas, undefined);
    assert.equal(spec(normalize(live, { ignore })).revisionHistoryLimit, 10);
    // The dry-run result no longer says that kube-controller-manager owns replicas: the live object's managed fields decide.
    const dryRun = fixture('deployment-hpa-dry-run.yaml');
    assert.equal(spec(normalize(dryRun, { ignore })).replicas, 2);
    assert.equal(spec(normalize(dryRun, { ignore, managedFields: live.metadata.managedFields as ManagedFieldsEntry[] })).replicas, undefined);
  });

  it('matches ignore rules against the key given instead of the object', () => {
    const live = fixture('deployment-hpa-live.yaml');
    const ignore = [{ kind: 'Deployment', name: 'renamed', jsonPointers: ['/spec/replicas'] }];
    const key = { group: 'apps', kind: 'Deployment', namespace: 'shop', name: 'renamed' };
    assert.equal((normalize(live, { ignore }).spec as Record<string, unknown>).replicas, 5);
    assert.equal((normalize(live, { ignore, key }).spec as Record<string, unknown>).replicas, undefined);
  });
});
