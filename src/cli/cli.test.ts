// The capstan CLI as users and scripts run it: a child process, its stdout, stderr and exit code,
// against a sandbox over HTTPS and the example config repo in a real git repository.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before, describe, test } from 'node:test';
import { startSandbox, type Sandbox } from '../sandbox/index.ts';
import { exampleAgeKeyFile, exampleRepo, type ExampleRepo } from '../engine/testing.ts';

const bin = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', '..', 'bin', 'capstan.js');

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

describe('capstan CLI', () => {
  let sandbox: Sandbox;
  let repo: ExampleRepo;
  let work: string;
  let kubeconfig: string;

  function capstan(args: string[], options: { cwd?: string; env?: Record<string, string> } = {}): Promise<Run> {
    return new Promise((resolve) => {
      execFile(
        process.execPath,
        [bin, ...args],
        { cwd: options.cwd ?? repo.dir, env: { ...process.env, CAPSTAN_CACHE_DIR: path.join(work, 'cache'), SOPS_AGE_KEY_FILE: exampleAgeKeyFile, CAPSTAN_USER: 'cli-test', ...options.env } },
        (error, stdout, stderr) => resolve({ code: error ? ((error as { code?: number }).code ?? 1) : 0, stdout, stderr }),
      );
    });
  }
  const cluster = (): string[] => ['--kubeconfig', kubeconfig];

  before(async () => {
    sandbox = await startSandbox({ port: 0, token: 'cli-test', podReadyDelayMs: 30 });
    work = mkdtempSync(path.join(os.tmpdir(), 'capstan-cli-'));
    kubeconfig = path.join(work, 'kubeconfig');
    writeFileSync(kubeconfig, sandbox.kubeconfig);
    repo = await exampleRepo();
  });
  after(async () => {
    await sandbox?.stop();
    if (work) rmSync(work, { recursive: true, force: true });
  });

  test('init writes a starter capstan.yaml that validates, and refuses to overwrite one', async () => {
    const dir = path.join(work, 'new-repo');
    const first = await capstan(['init', dir]);
    assert.equal(first.code, 0, first.stderr);
    assert.match(readFileSync(path.join(dir, 'capstan.yaml'), 'utf8'), /^apiVersion: capstan\.dev\/v1alpha1/m);
    const again = await capstan(['init', dir]);
    assert.equal(again.code, 1);
    assert.equal(again.stderr, `error: ${path.join(dir, 'capstan.yaml')} already exists: edit it, or pass --force to replace it with the starter\n`);
  });

  test('validate checks every app in every environment without a cluster', async () => {
    const ok = await capstan(['validate']);
    assert.equal(ok.code, 0, ok.stderr);
    assert.match(ok.stdout, /^capstan\.yaml is valid: 5 apps, 3 environments; 15 renders, \d+ objects$/m);
  });

  test('validate names the file, line and field of a mistake in capstan.yaml, and exits 1', async () => {
    const dir = path.join(work, 'broken-config');
    await capstan(['init', dir]);
    writeFileSync(path.join(dir, 'capstan.yaml'), 'apiVersion: capstan.dev/v1alpha1\nkind: Project\nenvironments:\n  - name: dev\napps:\n  - name: web\n    source: apps/web\n    namespace: web\n    syncPolicy: { prune: maybe }\n');
    const result = await capstan(['validate', '--repo', dir]);
    assert.equal(result.code, 1);
    assert.match(result.stderr, /capstan\.yaml:9:\d+/);
    assert.match(result.stderr, /prune/);
  });

  test('render prints the manifests with Secret values masked, and --output-dir <dir> writes a snapshot', async () => {
    const result = await capstan(['render', 'web', '--env', 'dev']);
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stdout, /kind: Secret/);
    assert.ok(!result.stdout.includes('example-password-not-real'));
    assert.match(result.stdout, /password: \+{8}/);
    const out = path.join(work, 'snapshot');
    const snapshot = await capstan(['render', 'web', '--env', 'dev', '--output-dir', out]);
    assert.equal(snapshot.code, 0, snapshot.stderr);
    assert.deepEqual(readdirSync(path.join(out, 'web')).sort(), ['configmap-web-config.yaml', 'deployment.apps-web.yaml', 'secret-web-credentials.yaml', 'service-web.yaml']);
    assert.deepEqual(readdirSync(path.join(out, '_cluster')), ['namespace-web.yaml']);
  });

  test('apply creates, a second apply changes nothing, and -o json reports the counts', async () => {
    const first = await capstan(['apply', 'web', '--env', 'dev', ...cluster()]);
    assert.equal(first.code, 0, first.stderr);
    assert.doesNotMatch(first.stderr, /uncommitted/);
    assert.match(first.stdout, /^web \(dev\) at [0-9a-f]{12}: 5 created; Healthy$/m);
    assert.match(first.stderr, /created +Deployment\/web\/web/);
    const second = await capstan(['apply', 'web', '--env', 'dev', '-o', 'json', ...cluster()]);
    assert.equal(second.code, 0, second.stderr);
    const [result] = JSON.parse(second.stdout) as { result: string; counts: Record<string, number>; historyId?: number }[];
    assert.equal(result!.result, 'Succeeded');
    assert.deepEqual(result!.counts, { created: 0, configured: 0, unchanged: 5, deleted: 0, skipped: 0, failed: 0 });
    assert.equal(result!.historyId, undefined);
  });

  test('diff exits 0 without differences, 2 with, and 1 on an error', async () => {
    const same = await capstan(['diff', 'web', '--env', 'dev', ...cluster()]);
    assert.equal(same.code, 0, same.stderr);
    writeFileSync(path.join(repo.dir, 'apps/web/web.yaml'), repo.read('apps/web/web.yaml').replace('replicas: 2', 'replicas: 3'));
    const changed = await capstan(['diff', 'web', '--env', 'dev', ...cluster()]);
    assert.equal(changed.code, 2, changed.stderr);
    assert.match(changed.stdout, /^- {2}replicas: 2$/m);
    assert.match(changed.stdout, /^\+ {2}replicas: 3$/m);
    const uncommitted = await capstan(['apply', 'web', '--env', 'dev', ...cluster()]);
    assert.match(uncommitted.stderr, /^note: \. has uncommitted changes; capstan applies its last commit, [0-9a-f]{12}, without them$/m);
    assert.match(uncommitted.stdout, /5 unchanged/);
    const unknown = await capstan(['diff', 'nope', '--env', 'dev', ...cluster()]);
    assert.equal(unknown.code, 1);
    assert.match(unknown.stderr, /^error: .*"nope"/m);
    await repo.commit({}, 'web: 3 replicas');
  });

  test('an apply that fails exits 1 with the object and the file named', async () => {
    await repo.commit({ 'apps/web/broken.yaml': 'apiVersion: v1\nkind: ConfigMap\nmetadata: {}\n' }, 'broken');
    const result = await capstan(['apply', 'web', '--env', 'dev', ...cluster()]);
    assert.equal(result.code, 1);
    assert.match(result.stdout, /^web \(dev\) at [0-9a-f]{12}: FAILED/m);
    assert.match(result.stderr, /^error: .*apps\/web\/broken\.yaml/m);
    await repo.commit({ 'apps/web/broken.yaml': null }, 'fixed');
  });

  test('status, history, rollback and delete', async () => {
    const applied = await capstan(['apply', 'web', '--env', 'dev', ...cluster()]);
    assert.equal(applied.code, 0, applied.stderr);
    assert.match(applied.stdout, /1 configured, 4 unchanged/);

    const status = await capstan(['status', '--env', 'dev', '-o', 'json', ...cluster()]);
    assert.equal(status.code, 0, status.stderr);
    const web = (JSON.parse(status.stdout) as { app: string; sync: string; health: string }[]).find((s) => s.app === 'web');
    assert.deepEqual([web?.sync, web?.health], ['Synced', 'Healthy']);

    const history = await capstan(['history', 'web', '--env', 'dev', ...cluster()]);
    assert.equal(history.code, 0, history.stderr);
    const lines = history.stdout.trim().split('\n');
    assert.match(lines[0]!, /^ID +OPERATION +REVISION +RESULT +AGE +WHO +CHANGES$/);
    assert.match(lines[1]!, /^3 +sync +[0-9a-f]{12} +Succeeded .* cli-test +1 configured, 4 unchanged$/);
    assert.match(lines[2]!, /^2 +sync +[0-9a-f]{12} +Failed /);

    const rollback = await capstan(['rollback', 'web', '--env', 'dev', '--to', '1', ...cluster()]);
    assert.equal(rollback.code, 0, rollback.stderr);
    assert.match(rollback.stdout, /1 configured, 4 unchanged/);
    const after = await capstan(['history', 'web', '--env', 'dev', '-o', 'json', ...cluster()]);
    const entries = JSON.parse(after.stdout) as { id: number; operation: string; rollbackOf?: number }[];
    assert.deepEqual(entries.at(-1), { ...entries.at(-1), operation: 'rollback', rollbackOf: 1 });

    const deleted = await capstan(['delete', 'web', '--env', 'dev', ...cluster()]);
    assert.equal(deleted.code, 0, deleted.stderr);
    assert.match(deleted.stdout, /5 deleted/);
    const again = await capstan(['delete', 'web', '--env', 'dev', ...cluster()]);
    assert.equal(again.code, 1);
    assert.equal(again.stderr, 'error: app "web" has nothing applied in environment "dev": nothing to delete\n');
  });

  test('--help everywhere, and a missing --env is a usage error', async () => {
    for (const command of ['apply', 'diff', 'render', 'status', 'history', 'rollback', 'delete', 'validate', 'init']) {
      const help = await capstan([command, '--help']);
      assert.equal(help.code, 0, command);
      assert.match(help.stdout, new RegExp(`^Usage: capstan ${command}`, 'm'));
    }
    const missing = await capstan(['apply', 'web']);
    assert.equal(missing.code, 1);
    assert.match(missing.stderr, /required option '--env <name>' not specified/);
    assert.ok(existsSync(bin));
  });
});
