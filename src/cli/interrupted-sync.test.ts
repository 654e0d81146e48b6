// `capstan apply` killed with SIGKILL in the middle of a sync, then an apply of another revision:
// nothing the killed sync made is left behind, and its lock does not stand in the way. Real
// processes against a sandbox over HTTPS.
import assert from 'node:assert/strict';
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before, describe, test } from 'node:test';
import type { Manifest } from '../core/index.ts';
import { createKubeClient, type KubeClient } from '../kube/index.ts';
import { startSandbox, type Sandbox } from '@capstan/sandbox';
import { commit, makeRepo } from '../source/testing.ts';

const bin = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', '..', 'bin', 'capstan.js');

const range = (prefix: string, from: number, to: number): string[] => Array.from({ length: to - from }, (_, i) => `${prefix}-${String(from + i).padStart(2, '0')}`);
const configMaps = (names: string[]): string => names.map((name) => `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: ${name}\ndata: { name: ${name} }\n`).join('---\n');
/** A Deployment whose pods are never scheduled: its wave waits (Progressing) until the sync's timeout. */
const unschedulable = `apiVersion: apps/v1
kind: Deployment
metadata:
  name: stuck
  annotations: { capstan.dev/sync-wave: "1" }
spec:
  replicas: 1
  selector: { matchLabels: { app: stuck } }
  template:
    metadata: { labels: { app: stuck } }
    spec:
      nodeSelector: { disk: none }
      containers: [{ name: stuck, image: nginx:1.27 }]
`;
const project = (app: string): string => `apiVersion: capstan.dev/v1alpha1\nkind: Project\nenvironments: [{ name: dev }]\napps:\n  - { name: ${app}, source: ${app}, namespace: ${app}, createNamespace: true }\n`;

async function until(check: () => boolean | Promise<boolean>, what: string, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

describe('a sync killed midway, then another revision', () => {
  let sandbox: Sandbox;
  let client: KubeClient;
  let work: string;
  let kubeconfig: string;
  const children: ChildProcess[] = [];

  before(async () => {
    sandbox = await startSandbox({ port: 0, token: 'interrupted', podReadyDelayMs: 30 });
    client = await createKubeClient({ kubeconfig: sandbox.kubeconfig });
    work = mkdtempSync(path.join(os.tmpdir(), 'capstan-interrupted-'));
    kubeconfig = path.join(work, 'kubeconfig');
    writeFileSync(kubeconfig, sandbox.kubeconfig);
  });
  after(async () => {
    for (const child of children) child.kill('SIGKILL');
    client?.close();
    await sandbox?.stop();
    if (work) rmSync(work, { recursive: true, force: true, maxRetries: 5 });
  });

  const env = (): NodeJS.ProcessEnv => ({ ...process.env, CAPSTAN_CACHE_DIR: path.join(work, 'cache'), CAPSTAN_USER: 'ci' });

  function apply(repo: string, args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
    return new Promise((resolve) => {
      execFile(process.execPath, [bin, 'apply', ...args, '--env', 'dev', '--kubeconfig', kubeconfig, '--repo', repo], { env: env() }, (error, stdout, stderr) =>
        resolve({ code: error ? ((error as { code?: number }).code ?? 1) : 0, stdout, stderr }),
      );
    });
  }

  /** `capstan apply` in the background, to be killed. */
  function start(repo: string, app: string): ChildProcess {
    const child = spawn(process.execPath, [bin, 'apply', app, '--env', 'dev', '--timeout', '10m', '--kubeconfig', kubeconfig, '--repo', repo], { env: env(), stdio: 'ignore' });
    children.push(child);
    return child;
  }

  async function kill(child: ChildProcess): Promise<void> {
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGKILL');
    await exited;
  }

  const exists = async (namespace: string, name: string): Promise<boolean> => (await client.get('v1', { group: '', kind: 'ConfigMap', namespace, name })) !== undefined;

  async function names(namespace: string): Promise<string[]> {
    const { items } = await client.list('v1', 'ConfigMap', { namespace, labelSelector: 'capstan.dev/app' });
    return items.map((item: Manifest) => item.metadata.name).sort();
  }

  test('killed while waiting for a wave, after creating: the next apply of the first revision removes what it created', async () => {
    const repo = await makeRepo({ 'capstan.yaml': project('created'), 'created/maps.yaml': configMaps(range('a', 0, 60)) });
    const first = repo.sha;
    await commit(repo.dir, { 'created/maps.yaml': configMaps([...range('a', 0, 30), ...range('b', 0, 30)]), 'created/stuck.yaml': unschedulable }, 'b');
    const a = await apply(repo.dir, ['created', '--revision', first]);
    assert.equal(a.code, 0, a.stderr);

    const child = start(repo.dir, 'created');
    await until(async () => (await exists('created', 'b-29')) && (await client.get('apps/v1', { group: 'apps', kind: 'Deployment', namespace: 'created', name: 'stuck' })) !== undefined, 'b created and wave 1 started');
    await kill(child);

    const again = await apply(repo.dir, ['created', '--revision', first]);
    assert.equal(again.code, 0, again.stderr);
    assert.deepEqual(await names('created'), range('a', 0, 60), 'exactly the first revision, none of the killed sync’s objects');
    assert.equal(await client.get('apps/v1', { group: 'apps', kind: 'Deployment', namespace: 'created', name: 'stuck' }), undefined);
  });

  test('killed while pruning: the next apply of the first revision removes what the killed one created and restores what it pruned', async () => {
    const repo = await makeRepo({ 'capstan.yaml': project('pruned'), 'pruned/maps.yaml': configMaps(range('a', 0, 60)) });
    const first = repo.sha;
    await commit(repo.dir, { 'pruned/maps.yaml': configMaps([...range('a', 0, 30), ...range('b', 0, 30)]) }, 'b');
    const a = await apply(repo.dir, ['pruned', '--revision', first]);
    assert.equal(a.code, 0, a.stderr);

    // the prune goes from a-59 down; it stalls on a-30, the last one
    sandbox.setFaults({ rate: 1, kinds: ['timeout'], timeoutMs: 600_000, pathPrefixes: ['/api/v1/namespaces/pruned/configmaps/a-30'] });
    const child = start(repo.dir, 'pruned');
    await until(async () => (await exists('pruned', 'b-29')) && !(await exists('pruned', 'a-31')), 'the prune to reach a-30');
    await kill(child);
    sandbox.setFaults({ rate: 0 });

    const again = await apply(repo.dir, ['pruned', '--revision', first]);
    assert.equal(again.code, 0, again.stderr);
    assert.deepEqual(await names('pruned'), range('a', 0, 60));
  });
});
