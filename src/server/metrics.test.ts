import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { appState, FakeAgent } from './fake-agent.ts';
import { startTestServer } from './testing.ts';

describe('GET /metrics', () => {
  it('exposes process metrics, what the agent reported and the apps by health and sync status', async () => {
    const agent = new FakeAgent([
      appState('web', 'dev', { health: 'Healthy', sync: 'Synced' }),
      appState('api', 'dev', { health: 'Healthy', sync: 'Synced' }),
      appState('db', 'dev', { health: 'Degraded', sync: 'OutOfSync' }),
    ]);
    const t = await startTestServer({}, agent);
    const other = await startTestServer();
    try {
      const ref = { app: 'web', env: 'dev' };
      t.server.metrics.reconcileDuration(0.3, ref, 'Succeeded');
      t.server.metrics.syncResult(ref, 'Failed');
      t.server.metrics.syncResult(ref, 'Failed');
      t.server.metrics.drift(ref);
      t.server.metrics.gitFetchDuration(1.5, false);
      t.server.metrics.queueDepth(4);
      const res = await t.call('/metrics');
      assert.equal(res.status, 200);
      assert.match(res.headers.get('content-type') ?? '', /^text\/plain; version=0\.0\.4/);
      const text = await res.text();
      for (const name of ['process_cpu_user_seconds_total', 'nodejs_heap_size_used_bytes', 'capstan_reconcile_duration_seconds', 'capstan_sync_total', 'capstan_drift_total', 'capstan_git_fetch_duration_seconds', 'capstan_queue_depth', 'capstan_apps']) {
        assert.match(text, new RegExp(`^# TYPE ${name} `, 'm'), name);
      }
      assert.match(text, /^capstan_reconcile_duration_seconds_count\{app="web",env="dev",result="Succeeded"\} 1$/m);
      assert.match(text, /^capstan_reconcile_duration_seconds_bucket\{le="0.5",app="web",env="dev",result="Succeeded"\} 1$/m);
      assert.match(text, /^capstan_sync_total\{app="web",env="dev",result="Failed"\} 2$/m);
      assert.match(text, /^capstan_drift_total\{app="web",env="dev"\} 1$/m);
      assert.match(text, /^capstan_git_fetch_duration_seconds_sum\{result="Failed"\} 1.5$/m);
      assert.match(text, /^capstan_queue_depth 4$/m);
      assert.match(text, /^capstan_apps\{health="Healthy",sync="Synced"\} 2$/m);
      assert.match(text, /^capstan_apps\{health="Degraded",sync="OutOfSync"\} 1$/m);
      assert.match(text, /^capstan_apps\{health="Progressing",sync="Synced"\} 0$/m);
      assert.match(text, /^capstan_build_info\{version="0.0.0-test"\} 1$/m);

      // Computed when scraped: a change of the agent shows at the next scrape.
      agent.put(appState('db', 'dev', { health: 'Healthy', sync: 'Synced' }));
      const again = await (await t.call('/metrics')).text();
      assert.match(again, /^capstan_apps\{health="Healthy",sync="Synced"\} 3$/m);
      assert.match(again, /^capstan_apps\{health="Degraded",sync="OutOfSync"\} 0$/m);

      // Each server has its own registry.
      const otherText = await (await other.call('/metrics')).text();
      assert.doesNotMatch(otherText, /^capstan_sync_total\{/m);
      assert.match(otherText, /^capstan_apps\{health="Degraded",sync="OutOfSync"\} 1$/m);
    } finally {
      await t.close();
      await other.close();
    }
  });

  it('needs a read token with metricsAuth', async () => {
    const t = await startTestServer({ metricsAuth: true });
    try {
      assert.equal((await t.call('/metrics')).status, 401);
      assert.equal((await t.call('/metrics', { token: 'read' })).status, 200);
    } finally {
      await t.close();
    }
  });
});
