import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { AppState } from '../agent/index.ts';
import { formatUpReport, verdictOf } from './up-report.ts';

const state = (app: string, fields: Partial<AppState> = {}): AppState => ({
  app,
  env: 'prod',
  revision: 'abc',
  targetRevision: 'abc',
  sync: 'Synced',
  health: 'Healthy',
  automated: true,
  selfHeal: false,
  prune: true,
  failures: 0,
  syncWindowOpen: true,
  ...fields,
});

test('an app waiting for a manual sync, or left behind by capstan.yaml, is no success either, and says what to run', () => {
  const states = [
    state('web'),
    state('guestbook', { sync: 'OutOfSync', health: 'Missing', automated: false, revision: '' }),
    state('old', { orphaned: true, sync: 'OutOfSync' }),
  ];
  assert.deepEqual(formatUpReport(states, 'prod', 4.25, 'npx capstan'), [
    '  web        Synced     Healthy',
    '  guestbook  OutOfSync  Missing',
    '      sync: manual in capstan.yaml, so the agent waits for npx capstan sync guestbook --env prod',
    '  old        Orphaned   Healthy',
    '      removed from capstan.yaml while its objects are still in the cluster: npx capstan delete old --env prod removes them',
    'capstan is up, but 1 of the 2 apps of environment "prod" is not Synced and Healthy (guestbook: why is under each); the agent keeps reconciling, and a fix pushed to the config repo is applied at once',
  ]);
  assert.deepEqual(formatUpReport([state('web')], 'prod', 4.25), ['  web        Synced     Healthy', 'capstan is up: the 1 app of environment "prod" is Synced and Healthy (4.3 s)']);
});

test('up waits while a sync runs, or an app is Synced but not Healthy yet', () => {
  assert.equal(verdictOf(state('web', { operation: { phase: 'running', trigger: 'startup', since: '' } })), 'pending');
  assert.equal(verdictOf(state('web', { health: 'Progressing' })), 'pending');
  assert.equal(verdictOf(state('web', { health: 'Progressing', lastSync: { revision: 'abc', result: 'Failed', startedAt: '', finishedAt: '', trigger: 'startup', who: 'agent', counts: {}, message: 'timed out' } })), 'failed');
});

test('an app synced but Degraded is an outcome, not something to wait for, and says why', () => {
  const crashing = state('web', { health: 'Degraded', healthMessage: 'Deployment/web/web: 0 of 2 replicas ready: pod web-1 CrashLoopBackOff' });
  assert.equal(verdictOf(crashing), 'failed');
  assert.deepEqual(formatUpReport([crashing], 'dev', 1).slice(0, 2), ['  web        Synced     Degraded', '      Deployment/web/web: 0 of 2 replicas ready: pod web-1 CrashLoopBackOff']);
});
