import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import type { Manifest, NotificationTarget } from '../core/index.ts';
import { createNotifier, type CrashEvent, type NotificationEvent, type NotifierOptions, type ReleaseEvent } from './index.ts';
import { assertSlackShape, recordingLogger, startWebhook } from './notify-testing.ts';

const time = '2024-05-01T12:00:00.000Z';

const crash: CrashEvent = {
  type: 'crash',
  app: 'web',
  env: 'prod',
  namespace: 'web',
  pod: 'web-5d9c7-abcde',
  container: 'web',
  reason: 'CrashLoopBackOff',
  restartCount: 4,
  exitCode: 1,
  message: 'back-off 40s restarting failed container',
  logLines: ['starting <web> & friends', 'panic: ``` oops', 'exit 1'],
  release: { service: 'web', artifact: '20240501-abc123', author: 'dev@example.com', commit: 'abc123def4567890', releasedBy: 'ci' },
};

const release: ReleaseEvent = { type: 'promote', service: 'web', env: 'prod', fromEnv: 'staging', artifact: '20240501-abc123', branch: 'master', commit: 'abc123def4567890', author: 'dev@example.com', releasedBy: 'alice', reason: 'promote web to prod', forced: true };

function tempFile(content: string): { file: string; dir: string } {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'capstan-notify-'));
  const file = path.join(dir, 'url');
  writeFileSync(file, content);
  return { file, dir };
}

/** A client that serves one Secret holding `url` under key `url`. */
function secretClient(namespace: string, name: string, url: () => string): NotifierOptions['client'] {
  return {
    async get(_apiVersion, key) {
      if (key.kind !== 'Secret' || key.namespace !== namespace || key.name !== name) return undefined;
      return { apiVersion: 'v1', kind: 'Secret', metadata: { name, namespace }, data: { url: Buffer.from(`${url()}\n`).toString('base64') } } as Manifest;
    },
  };
}

/** Retries wait through this: each wait is recorded and passes at once. */
function instantSleep(): { waits: number[]; sleep: NonNullable<NotifierOptions['sleep']> } {
  const waits: number[] = [];
  return { waits, sleep: async (ms) => void waits.push(ms) };
}

test('a generic webhook gets the documented JSON body; a Slack target Slack\'s documented message shape', async (t) => {
  const hook = await startWebhook();
  const { file, dir } = tempFile(`${hook.url}\n`);
  t.after(async () => {
    await hook.close();
    rmSync(dir, { recursive: true, force: true });
  });
  const targets: NotificationTarget[] = [
    { name: 'audit', type: 'webhook', url: { file }, events: [] },
    { name: 'team-slack', type: 'slack', url: { secret: { namespace: 'capstan-system', name: 'slack-hook', key: 'url' } }, events: ['crash', 'promote'] },
  ];
  const notifier = createNotifier({ targets, client: secretClient('capstan-system', 'slack-hook', () => hook.url) });
  notifier.notify({ ...crash, time });
  notifier.notify({ ...release, time });
  await notifier.idle();
  assert.equal(hook.received.length, 4);
  const json = hook.received.filter((r) => !('blocks' in (r.body as object))).map((r) => r.body);
  assert.deepEqual(json[0], {
    type: 'crash',
    time,
    summary: 'web/prod: container web of pod web/web-5d9c7-abcde is crash-looping (CrashLoopBackOff) (artifact 20240501-abc123 by dev@example.com)',
    app: 'web',
    env: 'prod',
    namespace: 'web',
    pod: 'web-5d9c7-abcde',
    container: 'web',
    reason: 'CrashLoopBackOff',
    restartCount: 4,
    exitCode: 1,
    message: 'back-off 40s restarting failed container',
    logLines: ['starting <web> & friends', 'panic: ``` oops', 'exit 1'],
    release: { service: 'web', artifact: '20240501-abc123', author: 'dev@example.com', commit: 'abc123def4567890', releasedBy: 'ci' },
  });
  assert.equal((json[1] as { type: string }).type, 'promote');
  for (const r of hook.received) assert.equal(r.headers['content-type'], 'application/json');

  const slack = hook.received.filter((r) => 'blocks' in (r.body as object)).map((r) => r.body as { text: string; blocks: Array<Record<string, unknown>> });
  assert.equal(slack.length, 2);
  for (const message of slack) assertSlackShape(message);
  const crashMessage = slack.find((m) => m.text.includes('crash-looping'))!;
  assert.equal(crashMessage.text, 'web/prod: container web of pod web/web-5d9c7-abcde is crash-looping (CrashLoopBackOff) (artifact 20240501-abc123 by dev@example.com)');
  const texts = JSON.stringify(crashMessage.blocks);
  const code = crashMessage.blocks.map((b) => (b.text as { text?: string } | undefined)?.text ?? '').find((t) => t.includes('```'))!;
  assert.equal(code, 'Last 3 log lines:\n```\nstarting &lt;web&gt; &amp; friends\npanic: `\u200b`` oops\nexit 1\n```', 'log lines in a code block, escaped, and unable to close it early');
  for (const fact of ['*Artifact*\\n20240501-abc123', '*Author*\\ndev@example.com', '*Commit*\\nabc123def456', '*Restarts*\\n4']) assert.ok(texts.includes(fact), `the message shows ${fact}`);
});

test('log lines are cut to fit a Slack section, keeping the newest', async () => {
  const { slackMessage } = await import('./index.ts');
  const lines = Array.from({ length: 20 }, (_, i) => `line ${i} ${'x'.repeat(400)}`);
  const message = slackMessage({ ...crash, logLines: lines }, time);
  assertSlackShape(message);
  const code = message.blocks.map((b) => (b.type === 'section' && b.text ? b.text.text : '')).find((t) => t.includes('```'))!;
  assert.ok(code.length <= 3000);
  assert.match(code, /^Last 20 log lines: \(\d+ earlier lines left out\)\n```\n/);
  assert.ok(code.includes('line 19 ') && !code.includes('line 0 '), 'the newest lines are kept');
  assert.ok(code.endsWith('\n```'));
});

test('500s and a 429 are retried with exponential backoff, honouring Retry-After; the delivery lands', async (t) => {
  const hook = await startWebhook([{ status: 500 }, { status: 503 }, { status: 429, headers: { 'retry-after': '7' } }, { status: 500 }]);
  t.after(() => hook.close());
  const { waits, sleep } = instantSleep();
  const log = recordingLogger();
  const notifier = createNotifier({ targets: [{ name: 'audit', type: 'webhook', url: { file: '/hook' }, events: [] }], readFile: async () => hook.url, sleep, logger: log, retry: { backoffMs: 1000, maxBackoffMs: 3000, limit: 6 } });
  notifier.notify({ type: 'drift', app: 'web', env: 'prod', objects: ['Deployment/web/web'] });
  await notifier.idle();
  assert.equal(hook.received.length, 5, 'four failures, then delivered');
  assert.deepEqual(waits, [1000, 2000, 7000, 3000], 'doubling from 1s, Retry-After 7s honoured, capped at 3s');
  assert.ok(log.lines.some((l) => l.includes('notification to audit delivered at attempt 5')));
});

test('retries stop at the limit and the notification is dropped with a log line naming the target', async (t) => {
  const hook = await startWebhook(Array.from({ length: 10 }, () => ({ status: 502 })));
  t.after(() => hook.close());
  const { waits, sleep } = instantSleep();
  const log = recordingLogger();
  const notifier = createNotifier({ targets: [{ name: 'audit', type: 'webhook', url: { file: '/hook' }, events: [] }], readFile: async () => hook.url, sleep, logger: log, retry: { limit: 2 } });
  notifier.notify({ type: 'drift', app: 'web', env: 'prod', objects: ['Deployment/web/web'] });
  await notifier.idle();
  assert.equal(hook.received.length, 3);
  assert.deepEqual(waits, [1000, 2000]);
  const dropped = log.lines.filter((l) => l.includes('dropped'));
  assert.equal(dropped.length, 1);
  assert.match(JSON.parse(dropped[0]).msg, /^notification to audit dropped: answered 502, and 3 attempts failed \(web\/prod: drift in Deployment\/web\/web\)$/);
});

test('a 4xx other than 429 is not retried', async (t) => {
  const hook = await startWebhook([{ status: 404 }]);
  t.after(() => hook.close());
  const { waits, sleep } = instantSleep();
  const log = recordingLogger();
  const notifier = createNotifier({ targets: [{ name: 'audit', type: 'webhook', url: { file: '/hook' }, events: [] }], readFile: async () => hook.url, sleep, logger: log });
  notifier.notify({ type: 'drift', app: 'web', env: 'prod', objects: ['Deployment/web/web'] });
  await notifier.idle();
  assert.equal(hook.received.length, 1);
  assert.deepEqual(waits, []);
  assert.ok(log.lines.some((l) => JSON.parse(l).msg === 'notification to audit dropped: answered 404 (is the webhook deleted?) (web/prod: drift in Deployment/web/web)'));
});

test('the URL is read again after a failure: a rotated Secret is used for the retry', async (t) => {
  const old = await startWebhook([{ status: 410 }]);
  const rotated = await startWebhook();
  t.after(async () => {
    await old.close();
    await rotated.close();
  });
  let current = old.url;
  const notifier = createNotifier({
    targets: [{ name: 'team-slack', type: 'slack', url: { secret: { namespace: 'ops', name: 'hook', key: 'url' } }, events: [] }],
    client: secretClient('ops', 'hook', () => current),
    sleep: instantSleep().sleep,
  });
  notifier.notify({ type: 'drift', app: 'web', env: 'prod', objects: ['Deployment/web/web'] });
  await notifier.idle();
  assert.equal(old.received.length, 1, 'the old webhook is gone (410): not retried');
  current = rotated.url;
  notifier.notify({ type: 'drift', app: 'web', env: 'prod', objects: ['Deployment/web/web'] });
  await notifier.idle();
  assert.equal(rotated.received.length, 1, 'the next notification reads the Secret again and goes to the new URL');
});

test('events and services filter what a target gets', async (t) => {
  const hook = await startWebhook();
  t.after(() => hook.close());
  const notifier = createNotifier({ targets: [{ name: 'web-crashes', type: 'webhook', url: { file: '/hook' }, events: ['crash', 'sync-failed'], services: ['web'] }], readFile: async () => hook.url });
  const events: NotificationEvent[] = [
    crash,
    { ...crash, app: 'api', release: undefined },
    { ...crash, app: 'web-canary', release: { service: 'web', artifact: 'a1' } },
    { type: 'sync-failed', app: 'web', env: 'prod', revision: 'abc', message: 'boom' },
    { type: 'drift', app: 'web', env: 'prod', objects: [] },
    release,
  ];
  for (const e of events) notifier.notify(e);
  await notifier.idle();
  assert.deepEqual(
    hook.received.map((r) => [(r.body as { type: string }).type, (r.body as { app: string }).app]),
    [
      ['crash', 'web'],
      ['crash', 'web-canary'],
      ['sync-failed', 'web'],
    ],
  );
});

test('notify returns at once and close is bounded while a target hangs; a hung attempt times out and is retried', async (t) => {
  const hook = await startWebhook(['hang', 'hang', 'hang']);
  t.after(() => hook.close());
  const log = recordingLogger();
  const notifier = createNotifier({ targets: [{ name: 'slow', type: 'webhook', url: { file: '/hook' }, events: [] }], readFile: async () => hook.url, logger: log, timeoutMs: 200, retry: { backoffMs: 1, limit: 1 }, closeTimeoutMs: 100 });
  const started = performance.now();
  for (let i = 0; i < 3; i++) notifier.notify({ type: 'drift', app: 'web', env: 'prod', objects: [`ConfigMap/web/c${i}`] });
  assert.ok(performance.now() - started < 50, 'notify does not wait for the deliveries');
  await hook.waitFor(3);
  await notifier.idle();
  assert.ok(log.lines.some((l) => l.includes('failed (no answer within 200ms): retrying')), 'a hung attempt is cut by the deadline and retried');
});

test('close abandons what is still being delivered after its bound, and says so', async (t) => {
  const hook = await startWebhook(['hang']);
  t.after(() => hook.close());
  const log = recordingLogger();
  const notifier = createNotifier({ targets: [{ name: 'slow', type: 'webhook', url: { file: '/hook' }, events: [] }], readFile: async () => hook.url, logger: log, timeoutMs: 60_000, closeTimeoutMs: 50 });
  notifier.notify({ type: 'drift', app: 'web', env: 'prod', objects: [] });
  await hook.waitFor(1);
  await notifier.close();
  assert.ok(log.lines.some((l) => JSON.parse(l).msg === 'notifier closed after 50ms: 1 notification(s) still being delivered were abandoned'));
  notifier.notify({ type: 'drift', app: 'web', env: 'prod', objects: [] });
  await notifier.idle();
  assert.equal(hook.received.length, 1, 'a closed notifier sends nothing');
});

test('the URL never appears in a log line or an error, whatever fails', async (t) => {
  const refused = await startWebhook();
  const refusedUrl = refused.url;
  await refused.close(); // nothing listens there any more: connection refused
  const failing = await startWebhook([{ status: 500 }, { status: 500 }, { status: 403 }, 'hang', 'hang']);
  t.after(() => failing.close());
  const { file, dir } = tempFile('not a url https://hooks.example.com/services/T0KENnotaurlSECRET extra');
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const log = recordingLogger();
  const urls: Record<string, string> = { '/refused': refusedUrl, '/failing': failing.url, '/hanging': failing.url };
  const notifier = createNotifier({
    targets: [
      { name: 'refused', type: 'webhook', url: { file: '/refused' }, events: [] },
      { name: 'failing', type: 'slack', url: { file: '/failing' }, events: [] },
      { name: 'bad-file', type: 'webhook', url: { file }, events: [] },
      { name: 'no-secret', type: 'webhook', url: { secret: { namespace: 'ops', name: 'missing', key: 'url' } }, events: [] },
    ],
    readFile: async (f) => urls[f] ?? (await import('node:fs/promises')).readFile(f, 'utf8'),
    client: secretClient('ops', 'hook', () => failing.url),
    logger: log,
    timeoutMs: 100,
    sleep: instantSleep().sleep,
    retry: { limit: 3 },
  });
  notifier.notify(crash);
  await notifier.idle();
  await notifier.close();
  const all = log.lines.join('\n');
  for (const name of ['refused', 'failing', 'bad-file', 'no-secret']) assert.ok(all.includes(`notification to ${name} dropped`), `${name} was dropped and logged by name`);
  assert.ok(all.includes('connection failed (ECONNREFUSED)'));
  assert.ok(all.includes('file ' + file + ' does not hold an http(s) URL'));
  assert.ok(all.includes('Secret ops/missing key url cannot be read: the Secret does not exist'));
  for (const secret of [refused.token, failing.token, 'T0KENnotaurlSECRET', '127.0.0.1:', 'hooks.example.com']) assert.ok(!all.includes(secret), `the logs never hold ${secret}`);
});
