import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { formatKey, keyOf, type Manifest } from '../core/index.ts';
import { computePrune, type PruneTarget } from './index.ts';

function target(apiVersion: string, kind: string, namespace: string, name: string): PruneTarget {
  const slash = apiVersion.indexOf('/');
  return { apiVersion, key: { group: slash < 0 ? '' : apiVersion.slice(0, slash), kind, namespace, name } };
}

const previous: PruneTarget[] = [
  target('v1', 'Namespace', '', 'old'),
  target('apiextensions.k8s.io/v1', 'CustomResourceDefinition', '', 'widgets.example.com'),
  target('apps/v1', 'Deployment', 'old', 'api'),
  target('v1', 'Service', 'old', 'api'),
  target('v1', 'ConfigMap', 'old', 'settings'),
  target('example.com/v1', 'Widget', 'old', 'blue'),
  target('networking.k8s.io/v1', 'Ingress', 'old', 'api'),
  target('rbac.authorization.k8s.io/v1', 'ClusterRole', '', 'reader'),
  target('v1', 'ServiceAccount', 'old', 'api'),
  target('v1', 'ConfigMap', 'kept', 'settings'),
];

const desired: Manifest[] = [{ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'settings', namespace: 'kept' } }];

describe('computePrune', () => {
  test('deletes what is no longer rendered in reverse plan order: custom resources first, namespaces and CRDs last', () => {
    assert.deepEqual(
      computePrune(previous, desired).map((t) => formatKey(t.key)),
      [
        'Widget/old/blue',
        'Ingress/old/api',
        'Deployment/old/api',
        'Service/old/api',
        'ConfigMap/old/settings',
        'ServiceAccount/old/api',
        'ClusterRole/reader',
        'CustomResourceDefinition/widgets.example.com',
        'Namespace/old',
      ],
    );
  });

  test('keeps the apiVersion of the inventory, and ignores versions when matching desired objects', () => {
    const pruned = computePrune([target('autoscaling/v1', 'HorizontalPodAutoscaler', 'a', 'web')], [{ apiVersion: 'autoscaling/v2', kind: 'HorizontalPodAutoscaler', metadata: { name: 'web', namespace: 'a' } }]);
    assert.deepEqual(pruned, []);
    assert.deepEqual(computePrune([target('autoscaling/v1', 'HorizontalPodAutoscaler', 'a', 'web')], []), [target('autoscaling/v1', 'HorizontalPodAutoscaler', 'a', 'web')]);
  });

  test('is the same for any order of the inventory, and lists each object once', () => {
    const reference = computePrune(previous, desired);
    assert.deepEqual(computePrune([...previous].reverse(), desired), reference);
    assert.deepEqual(computePrune([...previous, ...previous], desired), reference);
  });

  test('nothing to prune when everything is still rendered', () => {
    const all = previous.map((t) => ({ apiVersion: t.apiVersion, kind: t.key.kind, metadata: { name: t.key.name, namespace: t.key.namespace || undefined } }));
    assert.deepEqual(computePrune(previous, all), []);
    assert.equal(keyOf(all[0]).namespace, '');
  });
});
