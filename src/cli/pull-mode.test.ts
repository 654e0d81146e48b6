// Pull mode end to end: a sandbox, the example repo as a bare repository the agent serves and
// follows, and the agent with its HTTP API — in process (startAgent), and as a `capstan agent`
// process that is killed mid-sync and restarted.
import assert from 'node:assert/strict';
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { createHmac } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { after, before, describe, test } from 'node:test';
import type { AppState } from '../agent/index.ts';
import { exampleAgeKeyFile, exampleRepo } from '../engine/testing.ts';
import { createKubeClient, type KubeClient } from '../kube/index.ts';
import { loadSopsKeys } from '../render/index.ts';
import { startSandbox, type Sandbox } from '@capstan/sandbox';
import { TokenStore } from '../server/index.ts';
import { git } from '../source/testing.ts';
import { startAgent, type RunningAgent } from './start-agent.ts';
import { until } from './cli-testing.ts';

const run = promisify(execFile);
const bin = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', '..', 'bin', 'capstan.js');
const tokens = { admin: 'admin-token-0123456789abcdef', deploy: 'deploy-token-0123456789abcdef', read: 'read-token-0123456789abcdef' };
const webhookSecret = 'pull-mode-webhook-secret';

interface Fixture {
  sandbox: Sandbox;
  client: KubeClient;
  work: string;
  bare: string;
  gitDir: string;
  kubeconfigPath: string;
  tokensFile: string;
}

async function fixture(podReadyDelayMs = 30): Promise<Fixture> {
  const sandbox = await startSandbox({ port: 0, token: 'pull-mode', podReadyDelayMs });
  const dir = mkdtempSync(path.join(os.tmpdir(), 'capstan-pull-'));
  const kubeconfigPath = path.join(dir, 'kubeconfig');
  writeFileSync(kubeconfigPath, sandbox.kubeconfig);
  const tokensFile = path.join(dir, 'tokens');
  writeFileSync(tokensFile, `admin ops ${tokens.admin}\ndeploy ci ${tokens.deploy}\nread viewer ${tokens.read}\n`);
  const repo = await exampleRepo();
  const gitDir = path.join(dir, 'git');
  const bare = path.join(gitDir, 'config.git');
  await git(dir, 'clone', '--quiet', '--bare', repo.dir, bare);
  return { sandbox, client: await createKubeClient({ kubeconfig: sandbox.kubeconfig }), work: repo.dir, bare, gitDir, kubeconfigPath, tokensFile };
}

function store(): TokenStore {
  return new TokenStore([
    { name: 'ops', role: 'admin', token: tokens.admin },
    { name: 'ci', role: 'deploy', token: tokens.deploy },
    { name: 'viewer', role: 'read', token: tokens.read },
  ]);
}

async function get(url: string, token = tokens.read): Promise<Response> {
  return fetch(url, { headers: { authorization: `Bearer ${token}` } });
}

async function states(url: string): Promise<AppState[]> {
  return (await (await get(`${url}/api/v1/apps`)).json()) as AppState[];
}

/**
 * Stops a capstan process and waits until it has exited. Stopped with SIGTERM it exits only once its
 * git processes have (they keep its event loop alive); killed, the git processes it started may
 * still be writing in their folders for a moment, so a folder is removed with retries after either.
 */
async function stopProcess(child: ChildProcess, signal: NodeJS.Signals = 'SIGTERM'): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill(signal);
  await exited;
}

function removeDir(dir: string): void {
  rmSync(dir, { recursive: true, force: true, maxRetries: 10, retryDelay: 100 });
}

async function replicas(client: KubeClient, namespace: string, name: string): Promise<number | undefined> {
  return ((await client.get('apps/v1', { group: 'apps', kind: 'Deployment', namespace, name }))?.spec as { replicas?: number } | undefined)?.replicas;
}

describe('pull mode: the agent and its HTTP API on the example repo', () => {
  let fx: Fixture;
  let agent: RunningAgent;

  before(async () => {
    fx = await fixture();
    agent = await startAgent({
      repo: { url: fx.bare },
      branch: 'main',
      envs: ['dev'],
      host: '127.0.0.1',
      port: 0,
      kubeconfig: fx.sandbox.kubeconfig,
      tokens: store(),
      webhookSecrets: { github: webhookSecret },
      gitReposDir: fx.gitDir,
      pollIntervalMs: 0,
      cacheDir: mkdtempSync(path.join(os.tmpdir(), 'capstan-pull-cache-')),
      sopsKeys: await loadSopsKeys({}, { keyFiles: [exampleAgeKeyFile] }),
      version: 'test',
    });
    await until('the first pass', async () => (agent.agent.ready() ? true : undefined));
  });
  after(async () => {
    await agent?.stop();
    fx?.client.close();
    await fx?.sandbox.stop();
  });

  test('the first pass syncs every automated app of dev; the API needs a token', async () => {
    const all = await states(agent.url);
    assert.deepEqual(all.map((s) => `${s.app} ${s.sync} ${s.health}`), ['web Synced Healthy', 'guestbook Synced Healthy', 'redis Synced Healthy', 'api Synced Healthy', 'shop Synced Healthy', 'orders Synced Healthy']);
    assert.equal((await fetch(`${agent.url}/api/v1/apps`)).status, 401);
    assert.equal((await get(`${agent.url}/api/v1/apps`, 'not-a-token-at-all-000000')).status, 401);
    assert.equal((await fetch(`${agent.url}/readyz`)).status, 200);
  });

  test('a commit pushed to the agent over git smart HTTP is applied', async () => {
    const remote = `http://ci:${tokens.deploy}@${agent.url.replace(/^http:\/\//, '')}/git/config`;
    writeFileSync(path.join(fx.work, 'apps/web/web.yaml'), readFileSync(path.join(fx.work, 'apps/web/web.yaml'), 'utf8').replace('replicas: 2', 'replicas: 3'));
    await git(fx.work, 'commit', '--quiet', '-am', 'web: 3 replicas');
    await git(fx.work, 'push', '--quiet', remote, 'HEAD:main');
    await until('the pushed commit applied', async () => ((await replicas(fx.client, 'web', 'web')) === 3 ? true : undefined));
    const head = await git(fx.work, 'rev-parse', 'HEAD');
    const web = await until('the sync recorded', async () => (await states(agent.url)).find((s) => s.app === 'web' && s.revision === head && s.operation === undefined));
    assert.equal(web.lastSync?.trigger, 'push');
    assert.equal(web.sync, 'Synced');
  });

  test('a read token cannot push', async () => {
    const remote = `http://viewer:${tokens.read}@${agent.url.replace(/^http:\/\//, '')}/git/config`;
    await git(fx.work, 'commit', '--quiet', '--allow-empty', '-m', 'nothing');
    await assert.rejects(git(fx.work, 'push', '--quiet', remote, 'HEAD:main'), /403|denied|forbidden/i);
  });

  test('a signed webhook makes the agent fetch and apply; a bad signature is refused and changes nothing', async () => {
    writeFileSync(path.join(fx.work, 'apps/web/web.yaml'), readFileSync(path.join(fx.work, 'apps/web/web.yaml'), 'utf8').replace('replicas: 3', 'replicas: 4'));
    await git(fx.work, 'commit', '--quiet', '-am', 'web: 4 replicas');
    await git(fx.work, 'push', '--quiet', fx.bare, 'HEAD:main'); // as if pushed to GitHub: the agent is not told
    const after = await git(fx.work, 'rev-parse', 'HEAD');
    const body = JSON.stringify({ ref: 'refs/heads/main', after, repository: { full_name: 'acme/config' } });
    const send = (signature: string) =>
      fetch(`${agent.url}/api/v1/webhooks/github`, { method: 'POST', headers: { 'content-type': 'application/json', 'x-github-event': 'push', 'x-hub-signature-256': signature }, body });

    const forged = await send(`sha256=${createHmac('sha256', 'wrong-secret').update(body).digest('hex')}`);
    assert.equal(forged.status, 401);
    await new Promise((r) => setTimeout(r, 1000));
    assert.equal(await replicas(fx.client, 'web', 'web'), 3, 'a refused webhook changed nothing');
    assert.notEqual((await states(agent.url)).find((s) => s.app === 'web')!.targetRevision, after);

    const signed = await send(`sha256=${createHmac('sha256', webhookSecret).update(body).digest('hex')}`);
    assert.equal(signed.status, 202);
    await until('the webhook commit applied', async () => ((await replicas(fx.client, 'web', 'web')) === 4 ? true : undefined));
  });

  test('manual apps wait for a sync; `capstan sync` with a deploy token runs it, a read token may not', async () => {
    // guestbook is manual in prod only: make it manual in dev too
    const config = readFileSync(path.join(fx.work, 'capstan.yaml'), 'utf8').replace('      dev:\n        source: apps/guestbook/overlays/dev', '      dev:\n        source: apps/guestbook/overlays/dev\n        sync: manual');
    const overlay = path.join(fx.work, 'apps/guestbook/overlays/dev/kustomization.yaml');
    writeFileSync(path.join(fx.work, 'capstan.yaml'), config);
    writeFileSync(overlay, readFileSync(overlay, 'utf8').replace('newTag: v1.5.0', 'newTag: v1.6.0'));
    await git(fx.work, 'commit', '--quiet', '-am', 'guestbook: manual, v1.6.0');
    await git(fx.work, 'push', '--quiet', `http://ci:${tokens.deploy}@${agent.url.replace(/^http:\/\//, '')}/git/config`, 'HEAD:main');
    const waiting = await until('guestbook OutOfSync', async () => (await states(agent.url)).find((s) => s.app === 'guestbook' && s.sync === 'OutOfSync' && !s.automated));
    assert.equal(waiting.revision === waiting.targetRevision, false);

    const env = { ...process.env, CAPSTAN_SERVER: agent.url };
    const refused = await run(process.execPath, [bin, 'sync', 'guestbook', '--env', 'dev'], { env: { ...env, CAPSTAN_TOKEN: tokens.read } }).catch((e: { code: number; stderr: string }) => e);
    assert.equal((refused as { code: number }).code, 1);
    assert.match((refused as { stderr: string }).stderr, /403/);
    const { stdout } = await run(process.execPath, [bin, 'sync', 'guestbook', '--env', 'dev'], { env: { ...env, CAPSTAN_TOKEN: tokens.deploy } });
    assert.match(stdout, /^guestbook \(dev\) at [0-9a-f]{12}: 1 configured/m);
    const history = (await (await get(`${agent.url}/api/v1/apps/dev/guestbook/history`)).json()) as { who: string }[];
    assert.equal(history.at(-1)?.who, 'ci');
  });

  test('drift is reported and, with selfHeal, reverted', async () => {
    await fx.client.apply({ apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'api', namespace: 'api' }, spec: { replicas: 5 } }, { fieldManager: 'kubectl-scale', force: true });
    await until('api healed', async () => ((await replicas(fx.client, 'api', 'api')) === 2 ? true : undefined));
    const api = await until('drift recorded', async () => (await states(agent.url)).find((s) => s.app === 'api' && s.drift));
    assert.deepEqual(api.drift?.objects, ['Deployment/api/api']);
    const metrics = await (await fetch(`${agent.url}/metrics`)).text();
    assert.match(metrics, /^capstan_drift_total\{app="api",env="dev"\} [1-9]/m);
  });
});

describe('pull mode: an agent process killed mid-sync', () => {
  let fx: Fixture;
  let child: ChildProcess | undefined;
  let cache: string | undefined;

  before(async () => {
    fx = await fixture(1500); // rollouts take long enough to kill the agent while it waits
  });
  after(async () => {
    // the agent polls git every second into its cache: the folder goes only once the agent has exited
    if (child) await stopProcess(child);
    if (cache) removeDir(cache);
    fx?.client.close();
    await fx?.sandbox.stop();
  });

  async function startProcess(cache: string): Promise<{ child: ChildProcess; url: string }> {
    const proc = spawn(
      process.execPath,
      [bin, 'agent', '--repo', fx.bare, '--branch', 'main', '--env', 'dev', '--kubeconfig', fx.kubeconfigPath, '--listen', '127.0.0.1:0', '--tokens-file', fx.tokensFile, '--git-dir', fx.gitDir, '--poll-interval', '1s', '--log-level', 'error'],
      { stdio: ['ignore', 'pipe', 'inherit'], env: { ...process.env, CAPSTAN_CACHE_DIR: cache, SOPS_AGE_KEY_FILE: exampleAgeKeyFile } },
    );
    const url = await new Promise<string>((resolve, reject) => {
      let out = '';
      proc.stdout!.on('data', (chunk: Buffer) => {
        out += chunk.toString();
        const match = /serving (http:\/\/\S+)/.exec(out);
        if (match) resolve(match[1]!);
      });
      proc.once('exit', (code) => reject(new Error(`agent exited with ${code}`)));
    });
    return { child: proc, url };
  }

  test('a restarted agent converges: nothing lost, duplicated or wrongly pruned', async () => {
    cache = mkdtempSync(path.join(os.tmpdir(), 'capstan-pull-kill-'));
    let started = await startProcess(cache);
    child = started.child;
    // kill it while the first pass is busy with rollouts
    await until('a sync running', async () => ((await states(started.url)).some((s) => s.operation?.phase === 'running') ? true : undefined));
    await stopProcess(child, 'SIGKILL');

    started = await startProcess(cache);
    child = started.child;
    const all = await until(
      'every app Synced and Healthy after the restart',
      async () => {
        const list = await states(started.url);
        return list.length === 6 && list.every((s) => s.sync === 'Synced' && s.health === 'Healthy') ? list : undefined;
      },
      90_000,
    );
    assert.deepEqual(all.map((s) => s.app), ['web', 'guestbook', 'redis', 'api', 'shop', 'orders']);
    for (const name of ['cart', 'checkout', 'catalog']) assert.ok(await fx.client.get('apps/v1', { group: 'apps', kind: 'Deployment', namespace: 'shop', name }), `Deployment/shop/${name} exists`);
    const pods = await fx.client.list('v1', 'Pod', { namespace: 'web' });
    assert.equal(pods.items.filter((p) => !p.metadata.deletionTimestamp && String(p.metadata.name).startsWith('web-')).length, 2, 'no duplicate workloads');
    for (const s of all) assert.notEqual(s.lastSync?.result, 'Failed', `${s.app} last sync did not fail`);
  });
});

describe('capstan up', () => {
  test('starts the sandbox, the example repo and an agent in one command, and stops cleanly on Ctrl-C', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'capstan-up-'));
    const env = { ...process.env, CAPSTAN_CONFIG: path.join(dir, 'capstan-config.json') };
    const child = spawn(process.execPath, [bin, 'up', '--dir', path.join(dir, '.capstan'), '--port', '0', '--sandbox-port', '0'], { cwd: dir, env, stdio: ['ignore', 'pipe', 'inherit'] });
    try {
      let out = '';
      child.stdout!.on('data', (chunk: Buffer) => (out += chunk.toString()));
      await until('capstan up ready', async () => (out.includes('Ctrl-C stops everything') ? true : undefined), 120_000);
      assert.match(out, /^capstan is up: the 6 apps of environment "dev" are Synced and Healthy \([\d.]+ s\)$/m);
      for (const app of ['web', 'guestbook', 'redis', 'api', 'shop', 'orders']) assert.match(out, new RegExp(`^  ${app} +Synced +Healthy$`, 'm'));
      const url = /API +(http:\/\/\S+)\/api\/v1\/apps/.exec(out)![1]!;
      const token = readFileSync(path.join(dir, '.capstan', 'token'), 'utf8').trim();
      assert.equal((await get(`${url}/api/v1/apps`, token)).status, 200);
      // the web UI at the agent's address: the built page, or how to build it
      assert.match(out, new RegExp(`^  UI +${url}/ \\(sign in with the token in \\.capstan/token\\)$`, 'm'));
      const page = await fetch(`${url}/`);
      assert.match(`${page.status} ${await page.text()}`, /^(200 <!doctype html>|503 capstan's web UI is not built)/i);
      assert.match(out, /^Four things to try, in another terminal/m);
      assert.match(out, /^ {5}kubectl -n api scale deployment api --replicas 5$/m);
      assert.match(out, /^ {5}capstan promote orders --env staging\n {5}git log -1\n {5}capstan status orders$/m);
      child.kill('SIGINT');
      const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
      assert.equal(code, 0);
    } finally {
      await stopProcess(child, 'SIGKILL');
      removeDir(dir);
    }
  });
});
