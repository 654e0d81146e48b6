// Tests of core/change-set.ts, the result shape applyPlan produces (kept here: this change may
// only add change-set.ts itself to core/).
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { changesWith, countChanges, formatChange, hasChanges, summarizeChangeSet, type Change, type ChangeSet } from '../core/index.ts';

const api: Change = { key: { group: 'apps', kind: 'Deployment', namespace: 'web', name: 'api' }, apiVersion: 'apps/v1', action: 'configured', wave: 0 };
const ns: Change = { key: { group: '', kind: 'Namespace', namespace: '', name: 'web' }, apiVersion: 'v1', action: 'unchanged' };
const cm: Change = { key: { group: '', kind: 'ConfigMap', namespace: 'web', name: 'old' }, apiVersion: 'v1', action: 'skipped', message: 'not pruned: annotated capstan.dev/prune: disabled' };

describe('ChangeSet helpers', () => {
  test('formatChange names the object as Kind/namespace/name (Kind/name when cluster-scoped), then the action and message', () => {
    assert.equal(formatChange(api), 'Deployment/web/api configured');
    assert.equal(formatChange(ns), 'Namespace/web unchanged');
    assert.equal(formatChange(cm), 'ConfigMap/web/old skipped: not pruned: annotated capstan.dev/prune: disabled');
  });

  test('countChanges counts every action, zero when absent', () => {
    assert.deepEqual(countChanges({ changes: [api, ns, cm, { ...api, action: 'configured' }] }), { created: 0, configured: 2, unchanged: 1, deleted: 0, skipped: 1, failed: 0 });
  });

  test('summarizeChangeSet lists the actions that occur in a fixed order', () => {
    assert.equal(summarizeChangeSet({ changes: [cm, ns, api] }), '1 configured, 1 unchanged, 1 skipped');
    assert.equal(summarizeChangeSet({ changes: [] }), 'no changes');
  });

  test('hasChanges is true only for created, configured or deleted', () => {
    const set = (changes: Change[]): ChangeSet => ({ changes });
    assert.equal(hasChanges(set([ns, cm])), false);
    assert.equal(hasChanges(set([ns, { ...cm, action: 'failed' }])), false);
    assert.equal(hasChanges(set([ns, { ...cm, action: 'deleted' }])), true);
    assert.equal(hasChanges(set([api])), true);
  });

  test('changesWith filters by action', () => {
    assert.deepEqual(changesWith({ changes: [api, ns, cm] }, 'skipped', 'unchanged'), [ns, cm]);
  });
});
