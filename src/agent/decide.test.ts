// What a reconcile decides after comparing an app with git.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { HistoryEntry } from '../inventory/index.ts';
import { decide, type DecisionInput } from './decide.ts';

const auto = { automated: true, selfHeal: false };
const base: DecisionInput = { changed: true, policy: auto, trigger: 'poll', head: 'c2', windowOpen: true };

function entry(change: Partial<HistoryEntry>): HistoryEntry {
  return { id: 3, revision: 'c1', operation: 'rollback', result: 'Succeeded', head: 'c2', who: 'erin', time: '2024-05-01T12:00:00Z', changes: {}, ...change };
}

test('nothing differs: in sync, whatever the policy', () => {
  assert.equal(decide({ ...base, changed: false, policy: { automated: false, selfHeal: false }, windowOpen: false }), 'in-sync');
});

test('an automated app that differs is synced', () => {
  for (const trigger of ['startup', 'poll', 'webhook', 'push', 'manual', 'retry', 'dependency'] as const) assert.equal(decide({ ...base, trigger }), 'sync', trigger);
});

test('a manual app is only reported', () => {
  assert.equal(decide({ ...base, policy: { automated: false, selfHeal: true } }), 'report');
});

test('drift and other capstan processes are undone only with selfHeal', () => {
  for (const trigger of ['drift', 'external'] as const) {
    assert.equal(decide({ ...base, trigger }), 'report', trigger);
    assert.equal(decide({ ...base, trigger, policy: { automated: true, selfHeal: true } }), 'sync', trigger);
  }
});

test('a successful rollback made at the current commit holds the app until a new commit comes', () => {
  assert.equal(decide({ ...base, last: entry({}) }), 'held');
  assert.equal(decide({ ...base, last: entry({ head: 'c1' }) }), 'sync', 'HEAD moved since the rollback');
  assert.equal(decide({ ...base, last: entry({ result: 'Failed' }) }), 'sync', 'a failed rollback holds nothing');
  assert.equal(decide({ ...base, last: entry({ operation: 'sync' }) }), 'sync');
});

test('a closed sync window defers the sync (after the policy and the hold)', () => {
  assert.equal(decide({ ...base, windowOpen: false }), 'deferred');
  assert.equal(decide({ ...base, windowOpen: false, last: entry({}) }), 'held');
  assert.equal(decide({ ...base, windowOpen: false, policy: { automated: false, selfHeal: false } }), 'report');
});

test('an app deleted through the API is not synced back: not by a poll, a retry, a refresh, self-heal, a dependency or its window', () => {
  const healing = { automated: true, selfHeal: true };
  for (const trigger of ['startup', 'poll', 'webhook', 'push', 'manual', 'retry', 'dependency', 'drift', 'external'] as const) {
    assert.equal(decide({ ...base, trigger, policy: healing, deleted: true }), 'deleted', trigger);
  }
  assert.equal(decide({ ...base, deleted: true, windowOpen: false }), 'deleted', 'not even deferred to its window');
  assert.equal(decide({ ...base, deleted: true, policy: { automated: false, selfHeal: false } }), 'report', 'a manual app is reported as ever');
  assert.equal(decide({ ...base, deleted: true, changed: false }), 'in-sync');
  assert.equal(decide({ ...base, deleted: false }), 'sync');
});
