import assert from 'node:assert/strict';
import { test } from 'node:test';
import { appState } from '../server/fake-agent.ts';
import { formatApp } from './get-command.ts';

const now = Date.parse('2025-06-01T12:00:00Z');
const ago = (seconds: number): string => new Date(now - seconds * 1000).toISOString();

test('get lists what needs attention as conditions: a failed sync, drift, an operation, a closed window, an orphan', () => {
  const state = appState('web', 'prod', {
    sync: 'OutOfSync',
    health: 'Degraded',
    healthMessage: 'Deployment/web/web: 1 of 2 replicas available\nmore',
    automated: true,
    selfHeal: true,
    revision: 'a'.repeat(40),
    targetRevision: 'b'.repeat(40),
    lastSync: { id: 7, revision: 'b'.repeat(40), result: 'Failed', startedAt: ago(95), finishedAt: ago(90), trigger: 'push', who: 'ci', counts: { created: 0, configured: 1, unchanged: 3, deleted: 0, skipped: 0, failed: 1 }, message: 'Deployment/web/web apply failed: spec.replicas: Invalid value\nsecond line' },
    error: 'Deployment/web/web apply failed: spec.replicas: Invalid value\nsecond line',
    failures: 2,
    nextRetryAt: new Date(now + 20_000).toISOString(),
    drift: { detectedAt: ago(30), objects: ['Deployment/web/web'] },
    operation: { phase: 'running', trigger: 'retry', since: ago(5) },
    syncWindowOpen: false,
    orphaned: true,
  });
  const resources = [
    { apiVersion: 'apps/v1', key: { group: 'apps', kind: 'Deployment', namespace: 'web', name: 'web' }, health: 'Degraded' as const, healthMessage: '1 of 2 replicas available', sync: 'OutOfSync' as const, children: [
      { apiVersion: 'apps/v1', key: { group: 'apps', kind: 'ReplicaSet', namespace: 'web', name: 'web-1' }, health: 'Healthy' as const },
      { apiVersion: 'apps/v1', key: { group: 'apps', kind: 'ReplicaSet', namespace: 'web', name: 'web-2' }, health: 'Progressing' as const, children: [
        { apiVersion: 'v1', key: { group: '', kind: 'Pod', namespace: 'web', name: 'web-2-a' }, health: 'Degraded' as const, healthMessage: 'CrashLoopBackOff' },
      ] },
    ] },
  ];
  assert.equal(
    formatApp(state, resources, now),
    `Name:               web
Environment:        prod
Sync Policy:        automated (prune, self-heal); sync window closed
Sync Status:        OutOfSync (orphaned)
Health Status:      Degraded: Deployment/web/web: 1 of 2 replicas available
Applied Revision:   aaaaaaaaaaaa
Target Revision:    bbbbbbbbbbbb
Last Sync:          Failed 90s ago by ci (push) at bbbbbbbbbbbb: 1 configured, 3 unchanged, 1 failed
Last Sync Message:  Deployment/web/web apply failed: spec.replicas: Invalid value

CONDITION             MESSAGE
Orphaned              not in capstan.yaml for environment "prod", yet its objects are still in the cluster: capstan delete web --env prod removes them
SyncError             Deployment/web/web apply failed: spec.replicas: Invalid value (2 failed in a row; next retry in 20s)
Drift                 Deployment/web/web changed in the cluster 30s ago, not by capstan
OperationInProgress   sync running since 5s ago (retry)
SyncWindowClosed      automatic syncs wait for a sync window of environment "prod" (a manual sync still runs)

KIND/NAME                SYNC        HEALTH        MESSAGE
Deployment/web/web       OutOfSync   Degraded      1 of 2 replicas available
├─ReplicaSet/web/web-1               Healthy
└─ReplicaSet/web/web-2               Progressing
  └─Pod/web/web-2-a                  Degraded      CrashLoopBackOff
`,
  );
});

test('get of an app never synced, with nothing to show', () => {
  const state = appState('web', 'dev', { revision: '', automated: false, sync: 'OutOfSync', health: 'Missing' });
  assert.equal(
    formatApp(state, [], now),
    `Name:               web
Environment:        dev
Sync Policy:        manual
Sync Status:        OutOfSync
Health Status:      Missing
Applied Revision:   - (never synced)
Target Revision:    bbbbbbbbbbbb
Last Sync:          -

no objects: the app renders nothing, or has not been synced
`,
  );
});
