// The agent image (Dockerfile, .dockerignore), as far as it can be checked without Docker: what it
// copies exists and is in the build context; its build stage, reproduced from its COPY lines, makes
// a bundle that runs the agent with nothing but node and git on PATH and writes nothing outside
// HOME, the cache and the temporary directory (the read-only root filesystem of the Deployment);
// and it runs as the user, with the writable paths, that `capstan install` gives it.
import assert from 'node:assert/strict';
import { execFile, spawn } from 'node:child_process';
import { cpSync, existsSync, lstatSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { after, before, describe, test } from 'node:test';
import type { Manifest } from '../core/index.ts';
import { startSandbox, type Sandbox } from '@capstan/sandbox';
import { git, makeRepo } from '../source/testing.ts';
import { agentPaths, capstanVersion, installManifests } from './install-manifests.ts';

const run = promisify(execFile);
const root = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const bin = path.join(root, 'bin', 'capstan.js');

interface Instruction {
  op: string;
  args: string;
}

interface Stage {
  name: string;
  base: string;
  instructions: Instruction[];
}

/** The Dockerfile's stages and instructions: comments dropped, continued lines joined. */
function parseDockerfile(text: string): Stage[] {
  const logical: string[] = [];
  let pending = '';
  for (const line of text.split('\n')) {
    if (/^\s*#/.test(line) && pending === '') continue;
    if (/^\s*#/.test(line)) continue;
    const continued = /\\\s*$/.test(line);
    pending += (pending ? ' ' : '') + line.replace(/\\\s*$/, '').trim();
    if (!continued) {
      if (pending.trim() !== '') logical.push(pending.trim());
      pending = '';
    }
  }
  const stages: Stage[] = [];
  for (const line of logical) {
    const [, op, args] = /^(\S+)\s*(.*)$/.exec(line)!;
    if (op!.toUpperCase() === 'FROM') {
      const [, base, name] = /^(\S+)(?:\s+AS\s+(\S+))?$/i.exec(args!)!;
      stages.push({ name: name ?? `stage-${stages.length}`, base: base!, instructions: [] });
    } else if (stages.length > 0) {
      stages.at(-1)!.instructions.push({ op: op!.toUpperCase(), args: args! });
    }
  }
  return stages;
}

/** `COPY [--from=x] a b dest`: where from, the sources and the destination. */
function copyOf(args: string): { from?: string; sources: string[]; dest: string } {
  const words = args.split(/\s+/);
  const from = words[0]?.startsWith('--from=') ? words.shift()!.slice('--from='.length) : undefined;
  const dest = words.pop()!;
  return { from, sources: words, dest };
}

/** A .dockerignore pattern as a regular expression over slash-separated paths (`*`, `?`, `**`). */
function patternRegex(pattern: string): RegExp {
  const clean = pattern.replace(/^\/+/, '').replace(/\/+$/, '');
  let source = '';
  for (let i = 0; i < clean.length; i++) {
    const c = clean[i]!;
    if (c === '*' && clean[i + 1] === '*') {
      const slash = clean[i + 2] === '/';
      source += slash ? '(?:.*/)?' : '.*';
      i += slash ? 2 : 1;
    } else if (c === '*') source += '[^/]*';
    else if (c === '?') source += '[^/]';
    else source += c.replace(/[.+^${}()|[\]\\]/g, '\\$&');
  }
  return new RegExp(`^${source}$`);
}

/** Whether the build context keeps `file` (relative, slash-separated): the last pattern matching it or a parent decides. */
function inContext(file: string, ignore: string[]): boolean {
  const parts = file.split('/');
  const prefixes = parts.map((_, i) => parts.slice(0, i + 1).join('/'));
  let kept = true;
  for (const line of ignore) {
    const negated = line.startsWith('!');
    const regex = patternRegex(negated ? line.slice(1) : line);
    if (prefixes.some((p) => regex.test(p))) kept = negated;
  }
  return kept;
}

function filesUnder(dir: string, base = dir): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const full = path.join(dir, e.name);
    return e.isDirectory() ? filesUnder(full, base) : [path.relative(base, full).split(path.sep).join('/')];
  });
}

/** Every file and directory under `dir` with its size and modification time, symlinks not followed. */
function snapshot(dir: string): string[] {
  const out: string[] = [];
  const walk = (d: string): void => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      const full = path.join(d, e.name);
      const s = lstatSync(full);
      out.push(`${path.relative(dir, full)} ${s.size} ${s.mtimeMs}`);
      if (e.isDirectory()) walk(full);
    }
  };
  walk(dir);
  return out.sort();
}

/** The packages `npm ci` installs at the top of node_modules (without dev ones with `--omit=dev`), linked from this checkout. */
function linkNodeModules(into: string, omitDev: boolean): void {
  const lock = JSON.parse(readFileSync(path.join(root, 'package-lock.json'), 'utf8')) as { packages: Record<string, { dev?: boolean }> };
  mkdirSync(path.join(into, 'node_modules'), { recursive: true });
  for (const [key, entry] of Object.entries(lock.packages)) {
    const name = key.startsWith('node_modules/') ? key.slice('node_modules/'.length) : undefined;
    if (!name || name.includes('/node_modules/') || (omitDev && entry.dev)) continue;
    const source = path.join(root, 'node_modules', name);
    if (!existsSync(source)) continue; // an optional package for another platform
    mkdirSync(path.dirname(path.join(into, 'node_modules', name)), { recursive: true });
    symlinkSync(source, path.join(into, 'node_modules', name));
  }
}

const dockerfile = readFileSync(path.join(root, 'Dockerfile'), 'utf8');
const ignore = readFileSync(path.join(root, '.dockerignore'), 'utf8').split('\n').map((l) => l.trim()).filter((l) => l !== '' && !l.startsWith('#'));
const stages = parseDockerfile(dockerfile);
const final = stages.at(-1)!;
const instruction = (stage: Stage, op: string): string[] => stage.instructions.filter((i) => i.op === op).map((i) => i.args);

describe('the agent image', () => {
  test('copies only files that exist and that .dockerignore keeps in the build context', () => {
    const fromContext = stages.flatMap((s) => instruction(s, 'COPY').map(copyOf).filter((c) => c.from === undefined).flatMap((c) => c.sources));
    assert.deepEqual([...new Set(fromContext)].sort(), ['package-lock.json', 'package.json', 'scripts/', 'src/', 'tsconfig.json', 'ui/']);
    for (const source of fromContext) {
      assert.ok(existsSync(path.join(root, source)), `${source} exists`);
      const files = statSync(path.join(root, source)).isDirectory() ? filesUnder(path.join(root, source)).map((f) => path.posix.join(source, f)) : [source];
      assert.ok(files.some((f) => inContext(f, ignore)), `.dockerignore keeps ${source}`);
    }
    // what the image does not need stays out of the context
    for (const file of ['node_modules/yaml/package.json', 'dist/cli/capstan.mjs', '.git/HEAD', 'src/cli/cli.test.ts', 'src/render/testdata/x.yaml', 'ui/src/overview/overview.test.tsx', 'examples/capstan.yaml', 'README.md']) {
      assert.equal(inContext(file, ignore), false, `${file} is left out`);
    }
    const named = new Set(stages.map((s) => s.name));
    for (const copy of final.instructions.filter((i) => i.op === 'COPY').map((i) => copyOf(i.args))) assert.ok(copy.from === undefined || named.has(copy.from), `stage ${copy.from} exists`);
  });

  test('runs as the non-root user, with the writable paths and the entrypoint, that `capstan install` gives the agent', () => {
    const deployment = installManifests({ repo: 'https://example.com/config.git' }).find((m) => m.kind === 'Deployment') as Manifest & {
      spec: { template: { spec: { securityContext: { runAsUser: number; runAsGroup: number; runAsNonRoot: boolean }; containers: { securityContext: { readOnlyRootFilesystem: boolean }; volumeMounts: { name: string; mountPath: string }[] }[]; volumes: { name: string; emptyDir?: object }[] } } };
    };
    const pod = deployment.spec.template.spec;
    assert.deepEqual(instruction(final, 'USER'), [`${pod.securityContext.runAsUser}:${pod.securityContext.runAsGroup}`]);
    assert.equal(pod.securityContext.runAsNonRoot, true);
    assert.equal(pod.containers[0]!.securityContext.readOnlyRootFilesystem, true);
    const env = Object.fromEntries(instruction(final, 'ENV').join(' ').split(/\s+/).map((kv) => kv.split('=') as [string, string]));
    assert.deepEqual([env.HOME, env.CAPSTAN_CACHE_DIR], [agentPaths.tmp, agentPaths.cache]);
    const emptyDirs = new Set(pod.volumes.filter((v) => v.emptyDir).map((v) => v.name));
    const writable = pod.containers[0]!.volumeMounts.filter((m) => emptyDirs.has(m.name)).map((m) => m.mountPath).sort();
    assert.deepEqual(writable, [agentPaths.cache, agentPaths.tmp].sort(), 'the image writes only where the Deployment mounts emptyDirs');
    assert.deepEqual(instruction(final, 'ENTRYPOINT'), ['["/usr/bin/tini", "--", "node", "/app/dist/cli/capstan.mjs"]']);
    assert.deepEqual(instruction(final, 'WORKDIR'), ['/app']);
    assert.match(instruction(final, 'HEALTHCHECK')[0] ?? '', /\/readyz/);
    assert.match(instruction(final, 'RUN').join('\n'), /apt-get install -y --no-install-recommends git openssh-client ca-certificates tini/);
    assert.match(instruction(final, 'RUN').join('\n'), /useradd --uid 65532 --gid 65532/);
  });

  test('`capstan install` names the image the README builds, and --image another, with how to build it in its notes', async () => {
    const readme = readFileSync(path.join(root, 'README.md'), 'utf8');
    assert.ok(readme.includes(`docker build -t ghcr.io/capstan-dev/capstan:$(node -p "require('./package.json').version") .`), 'the README builds the default image');
    const image = 'registry.example.com/platform/capstan:0.1.0-rc1';
    const { stdout } = await run(process.execPath, [bin, 'install', '--repo', 'https://github.com/acme/deploy.git', '--image', image]);
    assert.match(stdout, new RegExp(`^ +image: ${image.replace(/[.]/g, '\\.')}$`, 'm'));
    assert.ok(stdout.includes(`# image ${image}: build it from the Dockerfile of capstan ${capstanVersion} and push it where the cluster pulls from: docker build -t ${image} . && docker push ${image}\n`), stdout.split('---')[0]);
    const byDefault = (await run(process.execPath, [bin, 'install', '--repo', 'https://github.com/acme/deploy.git'])).stdout;
    const tag = `ghcr.io/capstan-dev/capstan:${capstanVersion}`;
    assert.ok(byDefault.includes(`# image ${tag}: build it from the Dockerfile of capstan ${capstanVersion} and push it where the cluster pulls from: docker build -t ${tag} . && docker push ${tag} (or name your own with --image)\n`), byDefault.split('---')[0]);
  });
});

describe('the agent image, its build reproduced without Docker', () => {
  let work: string;
  let sandbox: Sandbox;
  before(async () => {
    work = mkdtempSync(path.join(os.tmpdir(), 'capstan-image-'));
    sandbox = await startSandbox({ port: 0, token: 'image-test', podReadyDelayMs: 30 });
  });
  after(async () => {
    await sandbox?.stop();
    if (work) rmSync(work, { recursive: true, force: true, maxRetries: 10 });
  });

  test('the bundle its build stage makes runs the agent with only node and git on PATH, and writes nothing under /app', async () => {
    // the build stage: its COPY lines from the build context (what .dockerignore keeps), `npm ci`, the build
    const build = stages.find((s) => s.name === 'build')!;
    const buildDir = path.join(work, 'build');
    for (const copy of instruction(build, 'COPY').map(copyOf)) {
      for (const source of copy.sources) {
        const files = statSync(path.join(root, source)).isDirectory() ? filesUnder(path.join(root, source)).map((f) => path.posix.join(source, f)) : [source];
        for (const file of files.filter((f) => inContext(f, ignore))) cpSync(path.join(root, file), path.join(buildDir, file));
      }
    }
    assert.deepEqual(instruction(build, 'RUN'), ['npm ci --ignore-scripts --no-audit --no-fund', 'node scripts/build.mjs']);
    linkNodeModules(buildDir, false);
    await run(process.execPath, ['scripts/build.mjs'], { cwd: buildDir });

    // the final stage: what it copies from the build and deps stages, into /app
    const app = path.join(work, 'app');
    const copies = instruction(final, 'COPY').map(copyOf).filter((c) => c.from !== 'tools');
    assert.deepEqual(copies.map((c) => `${c.from} ${c.sources.join(' ')} ${c.dest}`), ['deps /app/node_modules ./node_modules', 'build /src/package.json ./package.json', 'build /src/dist ./dist']);
    assert.match(instruction(stages.find((s) => s.name === 'deps')!, 'RUN').join('\n'), /^npm ci --omit=dev --ignore-scripts/);
    linkNodeModules(app, true);
    cpSync(path.join(buildDir, 'package.json'), path.join(app, 'package.json'));
    cpSync(path.join(buildDir, 'dist'), path.join(app, 'dist'), { recursive: true });

    // only node and git, as in the image; HOME, the cache and TMPDIR are the writable mounts
    const pathDir = path.join(work, 'path');
    mkdirSync(pathDir);
    symlinkSync(process.execPath, path.join(pathDir, 'node'));
    symlinkSync((await run('sh', ['-c', 'command -v git'])).stdout.trim(), path.join(pathDir, 'git'));
    const home = path.join(work, 'home');
    const cache = path.join(work, 'cache');
    const tmp = path.join(work, 'tmp');
    for (const dir of [home, cache, tmp]) mkdirSync(dir);
    const env = { PATH: pathDir, HOME: home, CAPSTAN_CACHE_DIR: cache, TMPDIR: tmp, NODE_ENV: 'production' };
    const entrypoint = path.join(app, 'dist', 'cli', 'capstan.mjs');
    const before = snapshot(app);

    assert.equal((await run(process.execPath, [entrypoint, '--version'], { env })).stdout, `${capstanVersion}\n`);
    // objects are checked against the schemas of the kubernetes-models package: node_modules holds it
    const invalid = await makeRepo({ 'capstan.yaml': 'apiVersion: capstan.dev/v1alpha1\nkind: Project\nenvironments:\n  - name: dev\napps:\n  - name: web\n    source: apps/web\n    namespace: web\n', 'apps/web/config.yaml': 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: config\ndata:\n  version: 1\n' });
    const refused = await run(process.execPath, [entrypoint, 'validate', '--repo', invalid.dir], { env }).then(() => undefined, (error: { code: number; stderr: string }) => error);
    assert.equal(refused?.code, 1);
    assert.ok((refused?.stderr ?? '').includes('apps/web/config.yaml: ConfigMap/web/config: data.version: must be a string, got number 1\n'), refused?.stderr);

    const project = 'apiVersion: capstan.dev/v1alpha1\nkind: Project\nenvironments:\n  - name: dev\napps:\n  - name: web\n    source: apps/web\n    namespace: web\n    createNamespace: true\n';
    const repo = await makeRepo({ 'capstan.yaml': project, 'apps/web/config.yaml': 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: config\ndata:\n  version: "1"\n' });
    const bare = path.join(work, 'config.git');
    await git(work, 'clone', '--quiet', '--bare', repo.dir, bare);
    const kubeconfig = path.join(work, 'kubeconfig');
    writeFileSync(kubeconfig, sandbox.kubeconfig);
    const token = 'image-read-token-0123456789';
    writeFileSync(path.join(work, 'tokens'), `read viewer ${token}\n`);

    const agent = spawn(process.execPath, [entrypoint, 'agent', '--repo', bare, '--branch', 'main', '--kubeconfig', kubeconfig, '--listen', '127.0.0.1:0', '--tokens-file', path.join(work, 'tokens'), '--log-level', 'error'], {
      env,
      cwd: app,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stderr = '';
    agent.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const exited = new Promise<number | null>((resolve) => agent.once('exit', (code) => resolve(code)));
    try {
      const url = await new Promise<string>((resolve, reject) => {
        let out = '';
        agent.stdout.on('data', (chunk: Buffer) => {
          out += chunk.toString();
          const match = /serving (http:\/\/\S+)/.exec(out);
          if (match) resolve(match[1]!);
        });
        void exited.then((code) => reject(new Error(`the agent exited with ${code}: ${stderr}`)));
      });
      const deadline = Date.now() + 60_000;
      let apps: { app: string; sync: string; health: string }[] = [];
      while (!((await fetch(`${url}/readyz`)).ok && apps.length === 1 && apps[0]!.sync === 'Synced' && apps[0]!.health === 'Healthy')) {
        assert.ok(Date.now() < deadline, `the agent did not sync web: ${JSON.stringify(apps)} ${stderr}`);
        await new Promise((resolve) => setTimeout(resolve, 50));
        apps = (await (await fetch(`${url}/api/v1/apps`, { headers: { authorization: `Bearer ${token}` } })).json()) as typeof apps;
      }
      // the web UI the build stage made is served at /, its script with it
      const page = await fetch(`${url}/`);
      const html = await page.text();
      assert.equal(page.status, 200, html);
      const script = /<script[^>]+src="(\/assets\/[^"]+\.js)"/.exec(html)?.[1];
      assert.ok(script, html);
      assert.equal((await fetch(`${url}${script}`)).headers.get('cache-control'), 'public, max-age=31536000, immutable');
    } finally {
      agent.kill('SIGTERM');
    }
    assert.equal(await exited, 0, stderr);
    assert.deepEqual(snapshot(app), before, 'nothing was written under /app (a read-only root filesystem)');
    assert.ok(readdirSync(cache).length > 0, 'the git cache is in CAPSTAN_CACHE_DIR');
  });
});
