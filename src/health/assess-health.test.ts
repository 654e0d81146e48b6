import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { Manifest } from '../core/index.ts';
import { assessHealth } from './index.ts';

function deployment(apiVersion: string, status: Record<string, unknown>): Manifest {
  return { apiVersion, kind: 'Deployment', metadata: { name: 'api', namespace: 'web', generation: 2 }, spec: { replicas: 2 }, status };
}

describe('assessHealth', () => {
  it('reports an object that does not exist as Missing', () => {
    assert.deepEqual(assessHealth(undefined), { status: 'Missing', message: 'Object does not exist' });
  });

  it('dispatches on group and kind, including legacy groups', () => {
    const rolling = { observedGeneration: 2, replicas: 2, updatedReplicas: 1, availableReplicas: 1 };
    const progressing = { status: 'Progressing', message: 'Waiting for rollout to finish: 1 out of 2 new replicas have been updated...' };
    assert.deepEqual(assessHealth(deployment('apps/v1', rolling)), progressing);
    assert.deepEqual(assessHealth(deployment('extensions/v1beta1', rolling)), progressing);
    // Same kind name in another group: generic conventions (no conditions → Healthy).
    assert.deepEqual(assessHealth(deployment('example.com/v1', rolling)), { status: 'Healthy' });
  });

  it('treats absent replicas as the API default of 1', () => {
    const object: Manifest = { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'api', generation: 1 }, spec: {}, status: { observedGeneration: 1 } };
    assert.deepEqual(assessHealth(object), { status: 'Progressing', message: 'Waiting for rollout to finish: 0 out of 1 new replicas have been updated...' });
  });

  it('never throws on malformed objects', () => {
    const junk: unknown[] = [null, 'x', 7, [], { conditions: 'nope' }, { conditions: [null, 1, { status: 'True' }] }, { phase: 42 }];
    const kinds: [string, string][] = [
      ['apps/v1', 'Deployment'], ['apps/v1', 'StatefulSet'], ['apps/v1', 'DaemonSet'], ['apps/v1', 'ReplicaSet'], ['v1', 'Pod'],
      ['batch/v1', 'Job'], ['batch/v1', 'CronJob'], ['v1', 'Service'], ['networking.k8s.io/v1', 'Ingress'], ['v1', 'PersistentVolumeClaim'],
      ['autoscaling/v2', 'HorizontalPodAutoscaler'], ['apiextensions.k8s.io/v1', 'CustomResourceDefinition'], ['example.com/v1', 'Widget'],
    ];
    for (const [apiVersion, kind] of kinds) {
      for (const value of junk) {
        const object = { apiVersion, kind, metadata: { name: 'x', generation: 'y', annotations: { 'autoscaling.alpha.kubernetes.io/conditions': '{not json' } }, spec: value, status: value } as unknown as Manifest;
        const result = assessHealth(object);
        assert.ok(['Healthy', 'Suspended', 'Progressing', 'Degraded', 'Unknown'].includes(result.status), `${kind}: ${JSON.stringify(result)}`);
      }
    }
  });

  it('omits the message key rather than setting it to undefined or empty', () => {
    const pod: Manifest = { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p' }, status: { phase: 'Succeeded', message: '' } };
    assert.deepEqual(Object.keys(assessHealth(pod)), ['status']);
  });
});
