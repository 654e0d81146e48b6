// The capstan CLI as users and scripts run it: a child process, its stdout, stderr and exit code,
// against a sandbox over HTTPS and the example config repo in a real git repository.
import assert from 'node:assert/strict';
import { execFile, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before, describe, test } from 'node:test';
import { startSandbox, type Sandbox } from '@capstan/sandbox';
import { exampleAgeKeyFile, exampleRepo, type ExampleRepo } from '../engine/testing.ts';
import { runWithClosedStdout } from './cli-testing.ts';

const bin = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', '..', 'bin', 'capstan.js');
/** script(1) (util-linux, BSD) runs a command on a pseudo-terminal: the confirmation prompt is tested with it where it exists. */
const hasScript = spawnSync('script', ['-qec', 'true', '/dev/null']).status === 0;

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
  /** capstan on a terminal (a pseudo-terminal of script(1)), typing `input`; stdout and stderr come back together. */
  function onTerminal(args: string[], input: string): Promise<{ code: number; output: string }> {
    const quote = (arg: string): string => `'${arg.replaceAll("'", "'\\''")}'`;
    const command = [process.execPath, bin, ...args].map(quote).join(' ');
    return new Promise((resolve) => {
      const child = execFile('script', ['-qec', command, '/dev/null'], { cwd: repo.dir, env: { ...process.env, CAPSTAN_CACHE_DIR: path.join(work, 'cache'), SOPS_AGE_KEY_FILE: exampleAgeKeyFile } }, (error, stdout) =>
        resolve({ code: error ? ((error as { code?: number }).code ?? 1) : 0, output: stdout }),
      );
      child.stdin!.end(input);
    });
  }

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
    assert.match(ok.stdout, /^capstan\.yaml is valid: 6 apps, 3 environments; 18 renders, \d+ objects$/m);
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
    // one app: one sync report (the shape `sync -o json` prints too); --all: a list of them
    const result = JSON.parse(second.stdout) as { result: string; counts: Record<string, number>; historyId?: number };
    assert.deepEqual(Object.keys(result).sort(), ['app', 'changes', 'counts', 'env', 'health', 'result', 'revision']);
    assert.equal(result.result, 'Succeeded');
    assert.deepEqual(result.counts, { created: 0, configured: 0, unchanged: 5, deleted: 0, skipped: 0, failed: 0 });
    assert.equal(result.historyId, undefined);
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

    const unasked = await capstan(['delete', 'web', '--env', 'dev', ...cluster()]);
    assert.equal(unasked.code, 1);
    assert.equal(unasked.stderr, 'error: not deleting app "web" in environment "dev" without a confirmation, and stdin is not a terminal to ask on: pass --yes (or --dry-run to see what it would delete)\n');
    const preview = await capstan(['delete', 'web', '--env', 'dev', '--dry-run', ...cluster()]);
    assert.equal(preview.code, 0, preview.stderr);
    assert.equal(
      preview.stdout,
      'delete   Deployment/web/web\ndelete   Service/web/web\ndelete   Secret/web/web-credentials\ndelete   ConfigMap/web/web-config\ndelete   Namespace/web\napp "web" in environment "dev": 5 objects would be deleted (dry run: nothing was deleted)\n',
    );
    const previewJson = await capstan(['delete', 'web', '--env', 'dev', '--dry-run', '-o', 'json', ...cluster()]);
    const report = JSON.parse(previewJson.stdout) as { dryRun: boolean; counts: Record<string, number>; historyId?: number };
    assert.deepEqual([report.dryRun, report.counts.deleted, report.historyId], [true, 5, undefined]);
    const still = await capstan(['history', 'web', '--env', 'dev', '-o', 'json', ...cluster()]);
    assert.equal((JSON.parse(still.stdout) as { operation: string }[]).at(-1)?.operation, 'rollback', 'a dry run records nothing');

    if (hasScript) {
      // on a terminal (script(1) gives it one) delete asks, and anything but yes keeps everything
      const asked = await onTerminal(['delete', 'web', '--env', 'dev', ...cluster()], 'n\n');
      assert.equal(asked.code, 1, asked.output);
      assert.match(asked.output, /^delete +Deployment\/web\/web\r?$/m);
      assert.match(asked.output, /^Delete 5 objects of app "web" in environment "dev"\? \[y\/N\] /m);
      // script(1) feeding a pipe does not echo the answer, so the error follows the question on its line
      assert.match(asked.output, /\[y\/N\] (n\r?\n)?error: nothing deleted: app "web" in environment "dev" is left as it is\r?$/m);
      const kept = await capstan(['status', '--env', 'dev', '-o', 'json', ...cluster()]);
      assert.equal((JSON.parse(kept.stdout) as { app: string; health: string }[]).find((s) => s.app === 'web')?.health, 'Healthy');
    }

    const deleted = await capstan(['delete', 'web', '--env', 'dev', '--yes', ...cluster()]);
    assert.equal(deleted.code, 0, deleted.stderr);
    assert.match(deleted.stdout, /5 deleted/);
    const again = await capstan(['delete', 'web', '--env', 'dev', '--yes', ...cluster()]);
    assert.equal(again.code, 1);
    assert.equal(again.stderr, 'error: app "web" has nothing applied in environment "dev": nothing to delete\n');
  });

  test('--help everywhere, and a missing --env is a one-line usage error naming the flag', async () => {
    for (const command of ['apply', 'diff', 'render', 'status', 'history', 'rollback', 'delete', 'validate', 'init', 'login', 'sync', 'get', 'wait', 'logs']) {
      const help = await capstan([command, '--help']);
      assert.equal(help.code, 0, command);
      assert.match(help.stdout, new RegExp(`^Usage: capstan ${command}`, 'm'));
    }
    const missing = await capstan(['apply', 'web']);
    assert.equal(missing.code, 1);
    assert.equal(missing.stderr, "error: required option '--env <name>' not specified (capstan apply --help lists the options)\n");
    const typo = await capstan(['aply', 'web']);
    assert.equal(typo.code, 1);
    assert.equal(typo.stderr, "error: unknown command 'aply' (did you mean apply?)\n");
    assert.ok(existsSync(bin));
  });

  test('every -o value is checked, in one line naming those accepted', async () => {
    const diff = await capstan(['diff', 'web', '--env', 'dev', '-o', 'table', ...cluster()]);
    assert.equal(diff.code, 1);
    assert.equal(diff.stderr, "error: option '-o, --output <format>' argument 'table' is invalid. Allowed choices are diff, json, yaml (capstan diff --help lists the options)\n");
    const status = await capstan(['status', '-o', 'wide', ...cluster()]);
    assert.equal(status.code, 1);
    assert.equal(status.stderr, "error: option '-o, --output <format>' argument 'wide' is invalid. Allowed choices are table, json, yaml (capstan status --help lists the options)\n");
  });

  test('a --repo that does not exist, or is no git repository, is one line without git\'s words', async () => {
    for (const command of [['validate'], ['render', 'web', '--env', 'dev'], ['apply', 'web', '--env', 'dev', ...cluster()]]) {
      const missing = await capstan([...command, '--repo', './no-such-dir']);
      assert.equal(missing.code, 1, command[0]);
      assert.equal(missing.stderr, 'error: the config repo ./no-such-dir does not exist: pass --repo <path|url> of the config repo (default: the current directory)\n', command[0]);
    }
    const plain = path.join(work, 'not-a-repository');
    mkdirSync(plain, { recursive: true });
    writeFileSync(path.join(plain, 'capstan.yaml'), repo.read('capstan.yaml'));
    const notGit = await capstan(['apply', 'web', '--env', 'dev', '--repo', plain, ...cluster()]);
    assert.equal(notGit.code, 1);
    assert.equal(notGit.stderr, `error: the config repo ${plain} is not the top directory of a git repository, and capstan applies commits: pass --repo <the repository's top directory or URL> (or git init and commit there)\n`);
  });

  test('validate names the app and environment of a render failure once', async () => {
    const dir = path.join(work, 'missing-source');
    await capstan(['init', dir]);
    writeFileSync(path.join(dir, 'capstan.yaml'), 'apiVersion: capstan.dev/v1alpha1\nkind: Project\nenvironments:\n  - name: dev\napps:\n  - name: guestbook\n    source: apps/nope\n    namespace: guestbook\n');
    const result = await capstan(['validate', '--repo', dir]);
    assert.equal(result.code, 1);
    assert.equal(result.stderr, 'error: 1 problem in the config repo:\n  - app guestbook (environment dev): source "apps/nope" is not a directory in the config repo: check the app\'s source in capstan.yaml\n');
  });

  test('piping into head: a closed stdout ends the output quietly, with the exit code of the command', async () => {
    const env = { ...process.env, CAPSTAN_CACHE_DIR: path.join(work, 'cache'), SOPS_AGE_KEY_FILE: exampleAgeKeyFile };
    assert.deepEqual(await runWithClosedStdout(['render', 'web', '--env', 'dev'], { cwd: repo.dir, env }), { code: 0, stderr: '' });
    assert.deepEqual(await runWithClosedStdout(['status', '--env', 'dev', ...cluster()], { cwd: repo.dir, env }), { code: 0, stderr: '' });
  });
});
