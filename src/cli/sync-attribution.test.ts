// Who caused a sync, end to end: a `git push` to the agent and a signed webhook, through the HTTP
// server and the agent into the inventory's history, as the API, `capstan history` and a restarted
// agent show it.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { createHmac } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { after, before, describe, test } from 'node:test';
import type { AppState } from '../agent/index.ts';
import { startSandbox, type Sandbox } from '@capstan/sandbox';
import { TokenStore } from '../server/index.ts';
import { commit, git, makeRepo } from '../source/testing.ts';
import { startAgent, type RunningAgent, type StartAgentOptions } from './start-agent.ts';
import { until } from './cli-testing.ts';

const run = promisify(execFile);
const bin = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', '..', 'bin', 'capstan.js');
const deployToken = 'deploy-token-0123456789abcdef';
const readToken = 'read-token-0123456789abcdef';
const webhookSecret = 'attribution-webhook-secret';

function configMap(version: string): string {
  return `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: config\n  namespace: web\ndata:\n  version: "${version}"\n`;
}

const project = 'apiVersion: capstan.dev/v1alpha1\nkind: Project\nenvironments:\n  - name: dev\napps:\n  - name: web\n    source: apps/web\n    namespace: web\n    createNamespace: true\n';

describe('who caused a sync, from the push or webhook to `capstan history`', () => {
  let sandbox: Sandbox;
  let dir: string;
  let work: string;
  let bare: string;
  let kubeconfig: string;
  let options: StartAgentOptions;
  let agent: RunningAgent | undefined;

  const webState = async (url: string): Promise<AppState | undefined> => {
    const res = await fetch(`${url}/api/v1/apps/dev/web`, { headers: { authorization: `Bearer ${readToken}` } });
    return res.ok ? ((await res.json()) as AppState) : undefined;
  };
  /** The app's state once its last sync is of `revision` and nothing runs. */
  const syncedTo = (url: string, revision: string) => until(`web synced to ${revision.slice(0, 12)}`, async () => {
    const state = await webState(url);
    return state?.lastSync?.revision === revision && state.operation === undefined ? state : undefined;
  });
  const history = async (...args: string[]) =>
    run(process.execPath, [bin, 'history', 'web', '--env', 'dev', '--kubeconfig', kubeconfig, ...args], { cwd: work, env: { ...process.env, CAPSTAN_CACHE_DIR: path.join(dir, 'cli-cache') } });

  before(async () => {
    sandbox = await startSandbox({ port: 0, token: 'attribution', podReadyDelayMs: 30 });
    dir = mkdtempSync(path.join(os.tmpdir(), 'capstan-attribution-'));
    kubeconfig = path.join(dir, 'kubeconfig');
    writeFileSync(kubeconfig, sandbox.kubeconfig);
    work = (await makeRepo({ 'capstan.yaml': project, 'apps/web/config.yaml': configMap('1') })).dir;
    bare = path.join(dir, 'git', 'config.git');
    await git(dir, 'clone', '--quiet', '--bare', work, bare);
    options = {
      repo: { url: bare },
      branch: 'main',
      envs: ['dev'],
      host: '127.0.0.1',
      port: 0,
      kubeconfig: sandbox.kubeconfig,
      tokens: new TokenStore([
        { name: 'ci', role: 'deploy', token: deployToken },
        { name: 'viewer', role: 'read', token: readToken },
      ]),
      webhookSecrets: { github: webhookSecret },
      gitReposDir: path.join(dir, 'git'),
      pollIntervalMs: 0,
      cacheDir: path.join(dir, 'agent-cache'),
      version: 'test',
    };
    agent = await startAgent(options);
    await until('the first pass', async () => (agent!.agent.ready() ? true : undefined));
  });
  after(async () => {
    await agent?.stop();
    await sandbox?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true, maxRetries: 10 });
  });

  test("a push to the agent is the pushing token's, a webhook its sender's; a restarted agent says so too", async () => {
    const first = agent!;
    assert.equal((await webState(first.url))?.lastSync?.who, 'agent', 'the first pass is the agent’s own');

    // git push to the agent, with the deploy token named "ci" as the password
    const pushed = await commit(work, { 'apps/web/config.yaml': configMap('2') }, 'web: version 2');
    await git(work, 'push', '--quiet', `http://anyone:${deployToken}@${first.url.replace(/^http:\/\//, '')}/git/config`, 'HEAD:main');
    const afterPush = await syncedTo(first.url, pushed);
    assert.deepEqual([afterPush.lastSync?.trigger, afterPush.lastSync?.who, afterPush.lastSync?.result], ['push', 'ci', 'Succeeded']);

    // pushed to the forge (here: the bare repository), announced by a GitHub webhook from octocat
    const announced = await commit(work, { 'apps/web/config.yaml': configMap('3') }, 'web: version 3');
    await git(work, 'push', '--quiet', bare, 'HEAD:main');
    const body = JSON.stringify({ ref: 'refs/heads/main', after: announced, repository: { full_name: 'acme/config' }, pusher: { name: 'octocat' }, sender: { login: 'octocat' } });
    const res = await fetch(`${first.url}/api/v1/webhooks/github`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-github-event': 'push', 'x-hub-signature-256': `sha256=${createHmac('sha256', webhookSecret).update(body).digest('hex')}` },
      body,
    });
    assert.equal(res.status, 202);
    assert.deepEqual(await res.json(), { status: 'accepted', provider: 'github', ref: 'refs/heads/main', after: announced, sender: 'octocat' });
    const afterWebhook = await syncedTo(first.url, announced);
    assert.deepEqual([afterWebhook.lastSync?.trigger, afterWebhook.lastSync?.who], ['webhook', 'octocat']);

    // `capstan history`: who, and in JSON the trigger too
    const entries = JSON.parse((await history('-o', 'json')).stdout) as { id: number; revision: string; who: string; trigger?: string }[];
    assert.deepEqual(
      entries.map((e) => [e.id, e.revision, e.who, e.trigger]),
      [
        [1, entries[0]!.revision, 'agent', 'startup'],
        [2, pushed, 'ci', 'push'],
        [3, announced, 'octocat', 'webhook'],
      ],
    );
    const rows = (await history()).stdout.split('\n');
    assert.match(rows.find((r) => r.startsWith('3 ')) ?? '', new RegExp(`^3\\s+sync\\s+${announced.slice(0, 12)}\\s+Succeeded\\s+\\S+\\s+octocat\\s+1 configured, 1 unchanged\\s*$`));
    assert.match(rows.find((r) => r.startsWith('2 ')) ?? '', new RegExp(`^2\\s+sync\\s+${pushed.slice(0, 12)}\\s+Succeeded\\s+\\S+\\s+ci\\s+1 configured, 1 unchanged\\s*$`));

    // a restarted agent reads the last sync back as it was, not as `startup` by `agent`
    await first.stop();
    agent = undefined;
    agent = await startAgent(options);
    const restarted = agent;
    await until('the restarted agent’s first pass', async () => (restarted.agent.ready() ? true : undefined));
    const state = await webState(restarted.url);
    assert.deepEqual([state?.lastSync?.id, state?.lastSync?.revision, state?.lastSync?.trigger, state?.lastSync?.who], [3, announced, 'webhook', 'octocat']);
  });
});
