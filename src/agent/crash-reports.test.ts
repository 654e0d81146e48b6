// The agent's notifications and Events end to end: an agent, a sandbox over HTTPS, capstan.yaml's
// notifications: (URL from a Secret in the cluster), and a local webhook receiving them.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, test, type TestContext } from 'node:test';
import { startSandbox } from '@capstan/sandbox';
import type { Manifest } from '../core/index.ts';
import { Engine } from '../engine/index.ts';
import { createKubeClient, type HttpKubeClient, type KubeClient } from '../kube/index.ts';
import { createNotifier, KubeEventRecorder, type CrashEvent, type ReleaseInfo } from '../notify/index.ts';
import { assertSlackShape, startWebhook, type TestWebhook } from '../notify/notify-testing.ts';
import { GitCache } from '../source/index.ts';
import { commit, makeRepo } from '../source/testing.ts';
import { createAgent, type Agent, type AgentOptions } from './agent.ts';

/** Polls `condition` until it holds; the bound only ends a test that fails, so it is generous for a loaded machine. */
async function waitFor(condition: () => boolean | Promise<boolean>, what: string, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

const b64 = (text: string): string => Buffer.from(text).toString('base64');

/** `syncTimeout`: how long a sync waits for health (a crash-looping app never gets there; the default is 5 minutes). */
function project(notifications: string, apps: string[], syncTimeout?: string): string {
  const lines = ['apiVersion: capstan.dev/v1alpha1', 'kind: Project', 'environments:', '  - name: prod', 'notifications:', notifications, 'apps:'];
  for (const app of apps) {
    lines.push(`  - name: ${app}`, `    source: apps/${app}`, `    namespace: ${app}`, '    createNamespace: true');
    if (syncTimeout) lines.push(`    syncOptions: { timeout: ${syncTimeout} }`);
  }
  return `${lines.join('\n')}\n`;
}

const hooks = `  - name: audit
    type: webhook
    url: { secret: capstan-system/hooks, key: audit }
  - name: team-slack
    type: slack
    url: { secret: capstan-system/hooks, key: slack }
    events: [crash]`;

function crashingApp(): string {
  return `apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
  namespace: web
spec:
  replicas: 2
  selector: { matchLabels: { app: web } }
  template:
    metadata: { labels: { app: web } }
    spec:
      containers:
        - name: web
          image: busybox:crashloop
          envFrom: [{ secretRef: { name: web-config } }]
---
apiVersion: v1
kind: Secret
metadata:
  name: web-config
  namespace: web
stringData:
  # a value the container's log happens to print: it must be masked
  IMAGE: busybox:crashloop
`;
}

interface Fixture {
  client: HttpKubeClient;
  /** The agent's client: records the restart counts its pod watches delivered. */
  agentClient: KubeClient;
  seenRestarts: () => number;
  engine: Engine;
  repo: string;
  hook: TestWebhook;
  slack: TestWebhook;
  start(options?: Partial<AgentOptions>): Promise<Agent>;
}

async function fixture(t: TestContext, files: Record<string, string>): Promise<Fixture> {
  const sandbox = await startSandbox({ port: 0, token: 'crash-test', podReadyDelayMs: 30, crashLoopRestartIntervalMs: 150 });
  const client = await createKubeClient({ kubeconfig: sandbox.kubeconfig });
  const cache = mkdtempSync(path.join(os.tmpdir(), 'capstan-crash-'));
  const [hook, slack] = await Promise.all([startWebhook(), startWebhook()]);
  // the webhook URLs live in a Secret in the cluster, as capstan.yaml says
  await client.apply({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'capstan-system' } });
  await client.apply({ apiVersion: 'v1', kind: 'Secret', metadata: { name: 'hooks', namespace: 'capstan-system' }, data: { audit: b64(hook.url), slack: b64(slack.url) } });
  let restarts = 0;
  const agentClient: KubeClient = Object.create(client);
  agentClient.watch = (apiVersion, kind, options, onEvent) =>
    client.watch(apiVersion, kind, options, (event) => {
      onEvent(event);
      if (kind !== 'Pod') return;
      const statuses = ((event.object.status as { containerStatuses?: Array<{ restartCount?: number }> } | undefined)?.containerStatuses ?? []).map((s) => s.restartCount ?? 0);
      restarts = Math.max(restarts, ...statuses);
    });
  const engine = new Engine({ git: new GitCache({ dir: cache }), clientFor: async () => agentClient, who: 'test-user' });
  const { dir } = await makeRepo(files);
  const agents: Agent[] = [];
  t.after(async () => {
    for (const agent of agents) {
      await agent.stop();
      await agent.notifier.close();
    }
    client.close();
    await Promise.all([hook.close(), slack.close(), sandbox.stop()]);
    rmSync(cache, { recursive: true, force: true, maxRetries: 10 });
    rmSync(dir, { recursive: true, force: true, maxRetries: 10 });
  });
  return {
    client,
    agentClient,
    seenRestarts: () => restarts,
    engine,
    repo: dir,
    hook,
    slack,
    async start(options = {}) {
      const agent = createAgent({
        engine,
        repo: { url: dir },
        clientFor: async () => agentClient,
        pollIntervalMs: 0,
        backoff: { backoffMs: 20, maxBackoffMs: 50, limit: 3 },
        notifier: createNotifier({ client: agentClient, sleep: async () => undefined }),
        events: new KubeEventRecorder({ clientFor: async () => agentClient, instance: 'agent-test' }),
        ...options,
      });
      agents.push(agent);
      await agent.start();
      return agent;
    },
  };
}

const crashes = (hook: TestWebhook): CrashEvent[] => hook.received.map((r) => r.body as CrashEvent & { type: string }).filter((b) => b.type === 'crash');

describe('crash reports and notifications from the agent', () => {
  test('a crash-looping Deployment makes exactly one crash notification, with its last log lines, the app and its release, and a Crashed Event', async (t) => {
    const fx = await fixture(t, { 'capstan.yaml': project(hooks, ['web'], '10s'), 'apps/web/app.yaml': crashingApp() });
    const release: ReleaseInfo = { service: 'web', artifact: '20240501-abc123', author: 'dev@example.com', commit: 'abc123def4567890', releasedBy: 'alice' };
    const asked: string[] = [];
    const agent = await fx.start({ watchCrashes: { episodeQuietMs: 10 * 60_000 }, releaseInfo: async (ref) => (asked.push(`${ref.app}/${ref.env}`), release) });
    await agent.idle();
    assert.deepEqual(agent.notifier.targets(), ['audit', 'team-slack'], 'the targets come from capstan.yaml');

    await fx.hook.waitFor(1);
    const first = fx.seenRestarts();
    // both replicas keep crashing and restarting: the watcher sees several more restarts
    await waitFor(() => fx.seenRestarts() >= first + 3, 'three more restarts seen by the pod watch');
    await agent.stop(); // waits for the crash reports under way
    await agent.notifier.idle();

    const reports = crashes(fx.hook);
    assert.equal(reports.length, 1, `one notification for two crash-looping replicas and many restarts, got ${reports.length}`);
    const [report] = reports;
    assert.deepEqual([report.app, report.env, report.namespace, report.container, report.reason], ['web', 'prod', 'web', 'web', 'CrashLoopBackOff']);
    assert.match(report.pod, /^web-[a-z0-9]+-[a-z0-9]+$/);
    assert.ok(report.restartCount >= 1);
    assert.deepEqual(report.release, release, 'the release running: artifact and its author');
    assert.deepEqual(asked, ['web/prod']);
    assert.equal(report.logLines.at(-1), 'panic: sandbox: container "web" was asked to crash (exit code 1)', 'the last log line is the crash');
    assert.ok(report.logLines.length >= 3 && report.logLines.length <= 20);
    assert.ok(report.logLines.some((l) => l.includes('(image ******)')), `the Secret's value is masked where the log prints it: ${JSON.stringify(report.logLines)}`);
    assert.ok(!JSON.stringify(fx.hook.received).includes('busybox:crashloop'), 'no Secret value reaches the webhook');

    // the agent keeps the report for the API (GET /api/v1/crashes): what the notification said, with its time
    const kept = agent.crashes();
    assert.equal(kept.length, 1);
    const { time, ...fields } = kept[0];
    const { type: _type, time: _sent, summary: _summary, ...notified } = report as CrashEvent & { time?: string; summary?: string };
    assert.deepEqual(fields, notified);
    assert.ok(!Number.isNaN(Date.parse(time)));
    assert.ok(!JSON.stringify(kept).includes('busybox:crashloop'), 'no Secret value is kept');

    const slack = fx.slack.received.map((r) => r.body);
    assert.equal(slack.length, 1, 'the Slack target (events: [crash]) gets the crash only');
    assertSlackShape(slack[0]);
    assert.ok(JSON.stringify(slack[0]).includes('was asked to crash'), 'the Slack message holds the log lines');

    const events = (await fx.client.list('v1', 'Event', { namespace: 'web' })).items.filter((e) => e.reason === 'Crashed');
    assert.equal(events.length, 1, 'one Crashed Event');
    const event = events[0] as Manifest & { involvedObject: { kind: string; name: string; namespace: string }; message: string };
    assert.deepEqual([event.type, event.involvedObject.kind, event.involvedObject.namespace, event.involvedObject.name], ['Warning', 'Pod', 'web', report.pod]);
    assert.match(event.message, /^container web of app web is crash-looping \(CrashLoopBackOff\), \d+ restarts? \(artifact 20240501-abc123 by dev@example\.com\)$/);
    // a Deployment that crash-loops never becomes healthy: its sync fails, once notified, and is an Event on the inventory
    const syncs = (await fx.client.list('v1', 'Event', { namespace: 'capstan-system' })).items;
    assert.ok(syncs.length >= 1);
    for (const e of syncs) {
      assert.deepEqual([e.type, e.reason, (e.involvedObject as { name: string }).name], ['Warning', 'SyncFailed', 'capstan.web.prod']);
      assert.match(String(e.message), /^sync of web to [0-9a-f]{12} failed: Sync wave 0 did not become healthy/);
    }
    assert.equal(fx.hook.received.filter((r) => (r.body as { type: string }).type === 'sync-failed').length, 1);
  });

  test('an agent that does not watch for crashes keeps no crash reports', async (t) => {
    const fx = await fixture(t, { 'capstan.yaml': project(hooks, ['web'], '10s'), 'apps/web/app.yaml': crashingApp() });
    const agent = await fx.start();
    await agent.idle();
    assert.deepEqual(agent.crashes(), []);
  });

  test('a failing sync is notified once per streak of failures, not per retry; each result is an Event', async (t) => {
    const broken = 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: bad_name\n  namespace: api\ndata: { a: "1" }\n';
    const good = 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: good\n  namespace: api\ndata: { a: "1" }\n';
    const fx = await fixture(t, { 'capstan.yaml': project(hooks, ['api']), 'apps/api/app.yaml': broken });
    const agent = await fx.start();
    // the sync fails, and is retried until the retries run out
    await waitFor(async () => {
      await agent.idle();
      const state = agent.app({ app: 'api', env: 'prod' })!;
      return state.failures >= 4 && !state.nextRetryAt;
    }, 'the retries to run out');
    await agent.notifier.idle();
    const failed = (): Array<{ type: string; app: string; revision: string; message: string }> => fx.hook.received.map((r) => r.body as { type: string; app: string; revision: string; message: string }).filter((b) => b.type === 'sync-failed');
    assert.equal(failed().length, 1, 'four failed syncs, one notification');
    assert.equal(failed()[0].app, 'api');
    assert.match(failed()[0].message, /bad_name/);
    assert.equal(fx.slack.received.length, 0, 'the Slack target asked for crashes only');

    await commit(fx.repo, { 'apps/api/app.yaml': good }, 'fix');
    await agent.refresh('manual');
    await agent.idle();
    assert.equal(agent.app({ app: 'api', env: 'prod' })!.sync, 'Synced');
    await commit(fx.repo, { 'apps/api/app.yaml': broken }, 'break again');
    await agent.refresh('manual');
    await waitFor(async () => {
      await agent.notifier.idle();
      return failed().length === 2;
    }, 'a second streak to be notified');

    const recorder = (await fx.client.list('v1', 'Event', { namespace: 'capstan-system' })).items;
    const byReason = (reason: string): Manifest[] => recorder.filter((e) => e.reason === reason);
    assert.equal(byReason('SyncSucceeded').length, 1);
    assert.ok(byReason('SyncFailed').length >= 1);
    assert.ok(byReason('SyncFailed').every((e) => e.type === 'Warning' && String(e.message).startsWith('sync of api to ') && (e.involvedObject as { name: string }).name === 'capstan.api.prod'));
  });

  test('a webhook that never answers never delays a sync', { timeout: 120_000 }, async (t) => {
    const fx = await fixture(t, { 'capstan.yaml': project(hooks, ['api']), 'apps/api/app.yaml': 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: bad_name\n  namespace: api\n' });
    fx.hook.answers.push('hang', 'hang', 'hang');
    // a deadline far beyond the test's: were a sync to wait for the delivery, it would not finish
    const agent = await fx.start({ notifier: createNotifier({ client: fx.agentClient, timeoutMs: 10 * 60_000, closeTimeoutMs: 10 }), backoff: { limit: 0 } });
    await agent.idle();
    await fx.hook.waitFor(1);
    assert.equal(agent.app({ app: 'api', env: 'prod' })!.lastSync?.result, 'Failed', 'the sync finished');
    assert.equal(fx.hook.hanging, 1, 'while its notification is still unanswered');
  });
});
