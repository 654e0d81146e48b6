import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { NotificationTarget } from '../core/index.ts';
import type { RepoRevision } from '../engine/index.ts';
import type { NotificationEvent, Notifier } from '../notify/index.ts';
import { AgentNotifications } from './notifications.ts';
import type { AppState, SyncActionResult } from './types.ts';

function recordingNotifier(): Notifier & { sent: NotificationEvent[]; configured: NotificationTarget[][] } {
  const sent: NotificationEvent[] = [];
  const configured: NotificationTarget[][] = [];
  return { sent, configured, notify: (e) => void sent.push(e), configure: (t) => void configured.push([...t]), targets: () => [], idle: async () => undefined, close: async () => undefined };
}

const state = (change: Partial<AppState> = {}): AppState => ({ app: 'web', env: 'prod', revision: 'r1', targetRevision: 'r2', sync: 'OutOfSync', health: 'Healthy', automated: true, selfHeal: true, prune: true, failures: 0, syncWindowOpen: true, ...change });
const result = (outcome: 'Succeeded' | 'Failed', message?: string): SyncActionResult => ({ app: 'web', env: 'prod', revision: 'r2', result: outcome, changeSet: [], counts: {}, ...(message ? { message } : {}) }) as unknown as SyncActionResult;

test('the agent configures the notifier from capstan.yaml at each revision that changes it', () => {
  const notifier = recordingNotifier();
  const targets: NotificationTarget[] = [{ name: 'audit', type: 'webhook', url: { file: '/etc/url' }, events: [] }];
  let project = { notifications: targets };
  const n = new AgentNotifications({ notifier, head: () => ({ project }) as unknown as RepoRevision, clusterOf: () => undefined });
  n.handle({ type: 'revision', revision: 'r1', trigger: 'startup', changedApps: [] });
  n.handle({ type: 'revision', revision: 'r2', trigger: 'poll', changedApps: [] });
  project = { notifications: [] };
  n.handle({ type: 'revision', revision: 'r3', trigger: 'poll', changedApps: [] });
  assert.deepEqual(notifier.configured, [targets, []]);
});

test('sync failures are notified once per streak (sync or compare failures alike), drift each time it is found', () => {
  const notifier = recordingNotifier();
  const n = new AgentNotifications({ notifier, head: () => undefined, clusterOf: () => undefined });
  n.handle({ type: 'sync', state: state(), result: result('Failed', 'Deployment/web/web apply failed: boom') });
  n.handle({ type: 'sync', state: state(), result: result('Failed', 'Deployment/web/web apply failed: boom') });
  n.handle({ type: 'app', state: state({ sync: 'Unknown', error: 'render failed' }) });
  n.handle({ type: 'sync', state: state(), result: result('Succeeded') });
  n.handle({ type: 'app', state: state({ sync: 'Unknown', error: 'render failed: kustomize build' }) });
  n.handle({ type: 'app', state: state({ sync: 'Unknown', error: 'render failed: kustomize build' }) });
  n.handle({ type: 'app', state: state({ sync: 'Synced' }) });
  n.handle({ type: 'drift', state: state({ selfHeal: false }), objects: ['ConfigMap/web/a'] });
  assert.deepEqual(notifier.sent, [
    { type: 'sync-failed', app: 'web', env: 'prod', revision: 'r2', message: 'Deployment/web/web apply failed: boom' },
    { type: 'sync-failed', app: 'web', env: 'prod', revision: 'r2', message: 'render failed: kustomize build' },
    { type: 'drift', app: 'web', env: 'prod', objects: ['ConfigMap/web/a'], selfHeal: false },
  ]);
});
