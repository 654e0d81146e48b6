// `capstan status` when no app's status can be read: one line and exit 1, not a row per app with
// the same error and exit 0.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before, describe, test } from 'node:test';
import { exampleRepo, type ExampleRepo } from '../engine/testing.ts';

const bin = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', '..', 'bin', 'capstan.js');

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

describe('capstan status', () => {
  let repo: ExampleRepo;
  let work: string;
  let home: string;

  function capstan(args: string[]): Promise<Run> {
    // no kubeconfig of the machine running the tests, and not in a pod
    const env: NodeJS.ProcessEnv = { ...process.env, HOME: home, CAPSTAN_CACHE_DIR: path.join(work, 'cache') };
    delete env.KUBECONFIG;
    delete env.KUBERNETES_SERVICE_HOST;
    return new Promise((resolve) => {
      execFile(process.execPath, [bin, ...args], { cwd: repo.dir, env }, (error, stdout, stderr) =>
        resolve({ code: error ? ((error as { code?: number }).code ?? 1) : 0, stdout, stderr }),
      );
    });
  }

  before(async () => {
    work = mkdtempSync(path.join(os.tmpdir(), 'capstan-status-'));
    home = path.join(work, 'home');
    mkdirSync(home);
    repo = await exampleRepo();
  });
  after(() => {
    rmSync(work, { recursive: true, force: true });
    rmSync(repo.dir, { recursive: true, force: true });
  });

  test('without a kubeconfig, it says so once and exits 1', async () => {
    const result = await capstan(['status']);
    assert.deepEqual(result, {
      code: 1,
      stdout: '',
      stderr: 'error: no kubeconfig found: pass --kubeconfig, set KUBECONFIG, create ~/.kube/config, or run in a pod with a service account\n',
    });
  });

  test('with a kubeconfig that is not YAML, it names the file and the line once, and exits 1', async () => {
    const kubeconfig = path.join(work, 'broken-kubeconfig');
    writeFileSync(kubeconfig, 'apiVersion: v1\nclusters: [\n');
    const result = await capstan(['status', '--kubeconfig', kubeconfig]);
    assert.deepEqual(result, {
      code: 1,
      stdout: '',
      stderr: `error: kubeconfig ${kubeconfig} cannot be read: unexpected end of the stream within a flow collection (3:1)\n`,
    });
  });

  test('with a kubeconfig whose server does not answer, it says so once and exits 1', async () => {
    const kubeconfig = path.join(work, 'unreachable-kubeconfig');
    // port 1 (tcpmux) has no listener on any machine that runs these tests
    writeFileSync(
      kubeconfig,
      [
        'apiVersion: v1',
        'kind: Config',
        'clusters: [{ name: c, cluster: { server: "https://127.0.0.1:1", insecure-skip-tls-verify: true } }]',
        'users: [{ name: u, user: { token: t } }]',
        'contexts: [{ name: unreachable, context: { cluster: c, user: u } }]',
        'current-context: unreachable',
        '',
      ].join('\n'),
    );
    const result = await capstan(['status', '--kubeconfig', kubeconfig]);
    assert.deepEqual(result, { code: 1, stdout: '', stderr: 'error: server version failed after 7 attempts: connect ECONNREFUSED 127.0.0.1:1\n' });
  });

  test('with an environment the project does not declare, it names those it does, and exits 1', async () => {
    const result = await capstan(['status', '--env', 'dev', '--env', 'nope']);
    assert.deepEqual(result, { code: 1, stdout: '', stderr: 'error: unknown environment "nope": the project declares dev, staging, prod\n' });
  });
});
