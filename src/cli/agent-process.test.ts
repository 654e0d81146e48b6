// `capstan agent` as a real process: its git limits come from its flags, a stalled push holds up
// neither other pushes nor the agent's shutdown, no git it ran outlives it, even after `kill -9`,
// and SIGTERM stops it while a sync waits for a rollout that never ends.
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, readdirSync, readlinkSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before, describe, test } from 'node:test';
import { createKubeClient } from '../kube/index.ts';
import { startSandbox, type Sandbox } from '@capstan/sandbox';
import { gitProcesses, stalledPush, unreadFetch, waitFor } from '../server/git-testing.ts';
import { commit, git } from '../source/testing.ts';
import { byteSize, positiveDuration } from './agent-command.ts';

const bin = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', '..', 'bin', 'capstan.js');
const deployToken = 'deploy-token-0123456789abcdef';
const basic = { authorization: `Basic ${Buffer.from(`ci:${deployToken}`).toString('base64')}` };

test('byteSize reads decimal and binary units', () => {
  assert.deepEqual(['100MB', '100mb', '1.5 GB', '512KiB', '1GiB', '2Mi', '250000', '10k'].map(byteSize), [100e6, 100e6, 1.5e9, 512 * 1024, 1024 ** 3, 2 * 1024 ** 2, 250000, 10000]);
  for (const bad of ['', 'MB', '-1MB', '10 parsecs', '0', '1constructor']) assert.throws(() => byteSize(bad), /is not a size like 100MB, 512KiB or 1GiB/, bad);
});

test('positiveDuration refuses zero', () => {
  assert.equal(positiveDuration('10m'), 600_000);
  assert.throws(() => positiveDuration('0'), /^InvalidArgumentError: "0" is not a duration above zero, like 90s or 10m$/);
});

describe('capstan agent: the git push receiver', () => {
  let sandbox: Sandbox;
  let dir: string;
  let work: string;
  let gitDir: string;
  let kubeconfigPath: string;
  let tokensFile: string;
  const running = new Set<ChildProcess>();

  before(async () => {
    sandbox = await startSandbox({ port: 0, token: 'agent-git' });
    dir = mkdtempSync(path.join(os.tmpdir(), 'capstan-agent-git-'));
    kubeconfigPath = path.join(dir, 'kubeconfig');
    writeFileSync(kubeconfigPath, sandbox.kubeconfig);
    tokensFile = path.join(dir, 'tokens');
    writeFileSync(tokensFile, `deploy ci ${deployToken}\n`);
    work = path.join(dir, 'work');
    await git(dir, 'init', '--quiet', work);
    await commit(work, { 'capstan.yaml': 'apiVersion: capstan.dev/v1alpha1\nkind: Project\nenvironments:\n  - name: dev\napps: []\n' }, 'first');
    gitDir = path.join(dir, 'git');
    await git(dir, 'clone', '--quiet', '--bare', work, path.join(gitDir, 'config.git'));
  });
  after(async () => {
    for (const child of running) await stop(child, 'SIGKILL');
    await sandbox?.stop();
    rmSync(dir, { recursive: true, force: true, maxRetries: 10, retryDelay: 100 });
  });

  async function startAgent(...flags: string[]): Promise<{ child: ChildProcess; url: string; remote: string }> {
    const child = spawn(
      process.execPath,
      [bin, 'agent', '--repo', path.join(gitDir, 'config.git'), '--branch', 'main', '--kubeconfig', kubeconfigPath, '--listen', '127.0.0.1:0', '--tokens-file', tokensFile, '--git-dir', gitDir, '--poll-interval', '0', '--log-level', 'error', ...flags],
      { stdio: ['ignore', 'pipe', 'inherit'], env: { ...process.env, CAPSTAN_CACHE_DIR: mkdtempSync(path.join(dir, 'cache-')) } },
    );
    running.add(child);
    child.once('exit', () => running.delete(child));
    const url = await new Promise<string>((resolve, reject) => {
      let out = '';
      child.stdout!.on('data', (chunk: Buffer) => {
        out += chunk.toString();
        const match = /serving (http:\/\/\S+)/.exec(out);
        if (match) resolve(match[1]!);
      });
      child.once('exit', (code) => reject(new Error(`agent exited with ${code}`)));
    });
    const remote = new URL(`${url}/git/config`);
    remote.username = 'ci';
    remote.password = deployToken;
    return { child, url, remote: remote.href };
  }

  function stop(child: ChildProcess, signal: NodeJS.Signals): Promise<void> {
    if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    child.kill(signal);
    return exited;
  }

  /** Whether the agent is receiving a push: it holds a request body's file, or (before) git runs receive-pack for it. */
  function receivingPush(child: ChildProcess): boolean {
    let fds: string[] = [];
    try {
      fds = readdirSync(`/proc/${child.pid}/fd`);
    } catch {
      return false;
    }
    const spooling = fds.some((fd) => {
      try {
        return readlinkSync(`/proc/${child.pid}/fd/${fd}`).startsWith(path.join(gitDir, '.capstan-request-'));
      } catch {
        return false;
      }
    });
    return spooling || gitProcesses(gitDir).length > 0;
  }

  test('--git-timeout ends a stalled push with 408 and the limit', async () => {
    const agent = await startAgent('--git-timeout', '1s');
    const stalled = stalledPush(`${agent.url}/git/config/git-receive-pack`, await git(work, 'rev-parse', 'HEAD'), { headers: basic });
    assert.deepEqual(await stalled.answer, {
      status: 408,
      body: 'the git request to "config" took longer than 1s, the agent\'s --git-timeout (while its body was still arriving): it was ended; retry, or raise the limit\n',
    });
    await stop(agent.child, 'SIGTERM');
  });

  test('a stalled push holds up neither the next push nor SIGTERM; --git-max-push-size refuses a larger push', async (t) => {
    const agent = await startAgent('--git-max-push-size', '1MB');
    const stalled = stalledPush(`${agent.url}/git/config/git-receive-pack`, await git(work, 'rev-parse', 'HEAD'), { contentLength: 100_000, headers: basic });
    await waitFor('the agent to receive the stalled push', () => receivingPush(agent.child));

    const next = await commit(work, { 'apps/a.yaml': 'a: 1\n' });
    await git(work, 'push', '--quiet', agent.remote, 'main');
    assert.equal(await git(gitDir, '--git-dir', 'config.git', 'rev-parse', 'main'), next);

    mkdirSync(path.join(work, 'charts'), { recursive: true });
    writeFileSync(path.join(work, 'charts', 'random.bin'), randomBytes(3_000_000));
    await commit(work, {}, 'big file');
    const refused = await git(work, 'push', agent.remote, 'main').then(() => '', (error: Error) => error.message);
    assert.match(refused, /remote: push refused: the git request to "config" is larger than 1 MB, the agent's --git-max-push-size: push fewer or smaller files at a time, or raise the limit/);
    assert.equal(await git(gitDir, '--git-dir', 'config.git', 'rev-parse', 'main'), next);
    await git(work, 'reset', '--quiet', '--hard', next);
    assert.equal(stalled.answered(), false, 'the stalled push still waits');

    const started = Date.now();
    await stop(agent.child, 'SIGTERM');
    t.diagnostic(`SIGTERM to exit with a push in flight: ${Date.now() - started} ms`);
    assert.equal(agent.child.exitCode, 0);
    assert.deepEqual(await stalled.answer, { status: 503, body: 'the agent is shutting down: try the git request again in a moment\n' });
    assert.deepEqual(gitProcesses(gitDir), []);
  });

  test('after kill -9 of the agent, no git it ran is left: not for a stalled push, not for a fetch in progress', async () => {
    const agent = await startAgent();
    // Larger than the pipe and socket buffers: git blocks writing the fetch's answer nobody reads.
    mkdirSync(path.join(work, 'charts'), { recursive: true });
    writeFileSync(path.join(work, 'charts', 'random.bin'), randomBytes(24 * 1024 * 1024));
    await commit(work, {}, 'big file');
    await git(work, 'push', '--quiet', path.join(gitDir, 'config.git'), 'main');
    const stalled = stalledPush(`${agent.url}/git/config/git-receive-pack`, await git(work, 'rev-parse', 'HEAD'), { contentLength: 100_000, headers: basic });
    await waitFor('the agent to receive the stalled push', () => receivingPush(agent.child));
    const fetch = unreadFetch(`${agent.url}/git/config/git-upload-pack`, await git(work, 'rev-parse', 'HEAD'), basic);
    await waitFor('git to answer the fetch', () => gitProcesses(gitDir).length > 0);

    await stop(agent.child, 'SIGKILL');
    await waitFor('every git the agent ran to exit', () => gitProcesses(gitDir).length === 0);
    stalled.abort();
    fetch.abort();
  });
});

describe('capstan agent: SIGTERM while a sync waits for a rollout', () => {
  let sandbox: Sandbox;
  let dir: string;

  before(async () => {
    // Pods never become ready: a sync waits for its wave until the 5 minute wave timeout.
    sandbox = await startSandbox({ port: 0, token: 'agent-stop', podReadyDelayMs: 3_600_000 });
    dir = mkdtempSync(path.join(os.tmpdir(), 'capstan-agent-stop-'));
  });
  after(async () => {
    await sandbox?.stop();
    rmSync(dir, { recursive: true, force: true, maxRetries: 10, retryDelay: 100 });
  });

  test('the agent stops at once: the waiting sync stops waiting, is recorded as stopped and lets go of its lock', async (t) => {
    writeFileSync(path.join(dir, 'kubeconfig'), sandbox.kubeconfig);
    writeFileSync(path.join(dir, 'tokens'), `read viewer ${deployToken}\n`);
    const work = path.join(dir, 'work');
    await git(dir, 'init', '--quiet', work);
    await commit(work, {
      'capstan.yaml': 'apiVersion: capstan.dev/v1alpha1\nkind: Project\nenvironments:\n  - name: dev\napps:\n  - name: slow\n    source: apps/slow\n    namespace: slow\n    createNamespace: true\n    environments:\n      dev: { sync: auto }\n',
      'apps/slow/deployment.yaml': 'apiVersion: apps/v1\nkind: Deployment\nmetadata: { name: slow }\nspec:\n  replicas: 1\n  selector: { matchLabels: { app: slow } }\n  template:\n    metadata: { labels: { app: slow } }\n    spec: { containers: [{ name: web, image: nginx }] }\n',
    });
    const child = spawn(
      process.execPath,
      [bin, 'agent', '--repo', work, '--branch', 'main', '--kubeconfig', path.join(dir, 'kubeconfig'), '--listen', '127.0.0.1:0', '--tokens-file', path.join(dir, 'tokens'), '--poll-interval', '0', '--log-level', 'warn'],
      { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, CAPSTAN_CACHE_DIR: path.join(dir, 'cache') } },
    );
    let stderr = '';
    child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    try {
      const url = await new Promise<string>((resolve, reject) => {
        let out = '';
        child.stdout!.on('data', (chunk: Buffer) => {
          out += chunk.toString();
          const match = /serving (http:\/\/\S+)/.exec(out);
          if (match) resolve(match[1]!);
        });
        child.once('exit', (code) => reject(new Error(`agent exited with ${code}: ${stderr}`)));
      });
      const waiting = async (): Promise<boolean> => {
        const answer = await fetch(`${url}/api/v1/apps`, { headers: { authorization: `Bearer ${deployToken}` } }).catch(() => undefined);
        const apps = answer?.ok ? ((await answer.json()) as { operation?: { phase?: string } }[]) : [];
        return apps.some((app) => app.operation?.phase === 'running');
      };
      await waitFor('the sync to wait for its rollout', waiting);
      const started = Date.now();
      child.kill('SIGTERM');
      await exited;
      t.diagnostic(`SIGTERM to exit with a sync waiting: ${Date.now() - started} ms`);
      assert.equal(child.exitCode, 0, stderr);
      assert.doesNotMatch(stderr, /did not stop within/);
      const client = await createKubeClient({ kubeconfig: sandbox.kubeconfig });
      try {
        assert.equal(await client.get('coordination.k8s.io/v1', { group: 'coordination.k8s.io', kind: 'Lease', namespace: 'capstan-system', name: 'capstan.slow.dev' }), undefined, 'the lock is released');
        const inventory = await client.get('v1', { group: '', kind: 'ConfigMap', namespace: 'capstan-system', name: 'capstan.slow.dev' });
        const last = (JSON.parse((inventory?.data as Record<string, string>)['inventory.json']!) as { history: { result: string; message?: string }[] }).history.at(-1);
        assert.equal(last?.result, 'Failed');
        assert.match(last?.message ?? '', /was still \w+ when the wait was stopped \(the agent is stopping\)/);
      } finally {
        client.close();
      }
    } finally {
      child.kill('SIGKILL');
      await exited;
    }
  });
});
