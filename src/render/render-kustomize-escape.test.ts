// A committer's kustomization must not reach outside the config repo: no remote form of any kind,
// in any field, and kustomize itself runs without the agent's environment (and without a network
// where the system allows it).
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { chmod, mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { promisify } from 'node:util';
import { networkIsolation } from './isolate-tool.ts';
import { isRemote, renderApp, RenderValidationError } from './index.ts';
import { keys, testApp } from './testing.ts';

const run = promisify(execFile);
const temps: string[] = [];
after(async () => {
  for (const dir of temps) await rm(dir, { recursive: true, force: true });
});

async function tempDir(): Promise<string> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'capstan-kustomize-escape-'));
  temps.push(dir);
  return dir;
}

async function write(file: string, text: string): Promise<void> {
  await mkdir(path.dirname(file), { recursive: true });
  await writeFile(file, text);
}

/** An HTTP server on the loopback that records every request and answers 404. */
let server: Server;
let origin: string;
const requests: string[] = [];
before(async () => {
  server = createServer((request, response) => {
    requests.push(`${request.method} ${request.url}`);
    response.statusCode = 404;
    response.end();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  origin = `127.0.0.1:${(server.address() as AddressInfo).port}`;
});
after(() => new Promise<void>((resolve) => server.close(() => resolve())));

const remote = 'is remote (a URL, a git repository or another go-getter form): capstan renders only what is in the config repo; vendor it into the repo';

async function failure(repo: string, source: string): Promise<RenderValidationError> {
  const error = await renderApp(repo, testApp(source), {}).then(
    (result) => assert.fail(`rendered ${JSON.stringify(keys(result.objects))}`),
    (e: unknown) => e,
  );
  assert.ok(error instanceof RenderValidationError, String(error));
  return error;
}

describe('renderApp: kustomize reaches nothing outside the repository', () => {
  it('refuses a git:: base to another repository on the machine, even with a decoy folder of that name in the repo', async () => {
    const base = await tempDir();
    const elsewhere = path.join(base, 'elsewhere');
    await write(path.join(elsewhere, 'kustomization.yaml'), 'resources:\n  - cm.yaml\n');
    await write(path.join(elsewhere, 'cm.yaml'), 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: from-elsewhere\n');
    const git = (...args: string[]) => run('git', ['-c', 'user.name=t', '-c', 'user.email=t@example.com', ...args], { cwd: elsewhere, env: { ...process.env, GIT_CONFIG_NOSYSTEM: '1', GIT_CONFIG_GLOBAL: '/dev/null' } });
    await git('init', '-q', '-b', 'main');
    await git('add', '.');
    await git('commit', '-q', '-m', 'elsewhere');
    const repo = path.join(base, 'repo');
    const entry = `git::file://${elsewhere}`;
    await write(path.join(repo, 'apps/evil/kustomization.yaml'), `resources:\n  - ${entry}\n`);
    // the decoy: what the entry names as a local path exists and is a harmless kustomization
    await write(path.join(repo, path.posix.join('apps/evil', entry), 'kustomization.yaml'), 'resources: []\n');
    const error = await failure(repo, 'apps/evil');
    assert.equal(error.message, `apps/evil/kustomization.yaml: resources[0] ${JSON.stringify(entry)} ${remote}`);
  });

  it('refuses a git:: base over HTTP without a single request reaching the server', async () => {
    const repo = await tempDir();
    const entry = `git::http://${origin}/org/repo.git`;
    await write(path.join(repo, 'apps/evil/kustomization.yaml'), `resources:\n  - ${entry}\n`);
    await write(path.join(repo, path.posix.join('apps/evil', entry), 'kustomization.yaml'), 'resources: []\n');
    requests.length = 0;
    const error = await failure(repo, 'apps/evil');
    assert.equal(error.message, `apps/evil/kustomization.yaml: resources[0] ${JSON.stringify(entry)} ${remote}`);
    assert.deepEqual(requests, []);
  });

  it('refuses every remote form in every field kustomize reads a path or URL from, naming the file, the field and the entry', async () => {
    const repo = await tempDir();
    const url = `http://${origin}`;
    await write(
      path.join(repo, 'apps/evil/kustomization.yaml'),
      [
        'resources:',
        `  - ${url}/deploy.yaml`,
        `  - https://${origin}/org/repo//overlays/prod?ref=v1`,
        '  - github.com/org/repo/base?ref=main',
        '  - git@github.com:org/repo.git',
        `  - ssh://git@${origin}/org/repo`,
        '  - gh:org/repo',
        '  - s3::https://s3.amazonaws.com/bucket/base',
        '  - org/_git/repo',
        '  - local.yaml',
        'bases:',
        '  - gitlab.com/org/repo',
        'components:',
        `  - git::${url}/org/components.git//monitoring`,
        'crds:',
        `  - ${url}/crd.yaml`,
        'patches:',
        `  - path: ${url}/patch.yaml`,
        'patchesStrategicMerge:',
        `  - ${url}/smp.yaml`,
        'patchesJson6902:',
        `  - path: file:///etc/passwd`,
        '    target: {kind: Deployment, name: x}',
        'replacements:',
        `  - path: ${url}/replacements.yaml`,
        'configMapGenerator:',
        '  - name: cm',
        `    files: [key=${url}/file.txt]`,
        `    envs: [${url}/cm.env]`,
        'secretGenerator:',
        '  - name: s',
        `    env: ${url}/s.env`,
        'openapi:',
        `  path: ${url}/openapi.json`,
        'configurations:',
        `  - ${url}/config.yaml`,
        'transformers:',
        '  - transformer.yaml',
        'generators:',
        '  - |',
        '    apiVersion: builtin',
        '    kind: ConfigMapGenerator',
        '    metadata: {name: inline}',
        `    files: [${url}/inline.txt]`,
        'helmCharts:',
        `  - {name: redis, repo: ${url}/charts}`,
        '',
      ].join('\n'),
    );
    await write(path.join(repo, 'apps/evil/local.yaml'), 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: local\n');
    await write(path.join(repo, 'apps/evil/transformer.yaml'), `apiVersion: builtin\nkind: PatchTransformer\nmetadata:\n  name: p\npath: ${url}/t.yaml\n---\napiVersion: builtin\nkind: HelmChartInflationGenerator\nmetadata:\n  name: h\n`);
    requests.length = 0;
    const error = await failure(repo, 'apps/evil');
    const k = 'apps/evil/kustomization.yaml';
    assert.equal(
      error.message,
      [
        'apps/evil has 24 problems:',
        `  ${k}: resources[0] "${url}/deploy.yaml" ${remote}`,
        `  ${k}: resources[1] "https://${origin}/org/repo//overlays/prod?ref=v1" ${remote}`,
        `  ${k}: resources[2] "github.com/org/repo/base?ref=main" ${remote}`,
        `  ${k}: resources[3] "git@github.com:org/repo.git" ${remote}`,
        `  ${k}: resources[4] "ssh://git@${origin}/org/repo" ${remote}`,
        `  ${k}: resources[5] "gh:org/repo" ${remote}`,
        `  ${k}: resources[6] "s3::https://s3.amazonaws.com/bucket/base" ${remote}`,
        `  ${k}: resources[7] "org/_git/repo" ${remote}`,
        `  ${k}: bases[0] "gitlab.com/org/repo" ${remote}`,
        `  ${k}: components[0] "git::${url}/org/components.git//monitoring" ${remote}`,
        `  ${k}: crds[0] "${url}/crd.yaml" ${remote}`,
        `  ${k}: configurations[0] "${url}/config.yaml" ${remote}`,
        `  ${k}: patchesStrategicMerge[0] "${url}/smp.yaml" ${remote}`,
        `  ${k}: generators[0] ConfigMapGenerator/inline files[0] "${url}/inline.txt" ${remote}`,
        `  ${k}: patches[0].path "${url}/patch.yaml" ${remote}`,
        `  ${k}: patchesJson6902[0].path "file:///etc/passwd" ${remote}`,
        `  ${k}: replacements[0].path "${url}/replacements.yaml" ${remote}`,
        `  ${k}: configMapGenerator[0].files[0] "${url}/file.txt" ${remote}`,
        `  ${k}: configMapGenerator[0].envs[0] "${url}/cm.env" ${remote}`,
        `  ${k}: secretGenerator[0].env "${url}/s.env" ${remote}`,
        `  ${k}: openapi.path "${url}/openapi.json" ${remote}`,
        `  ${k}: helmCharts[0] (chart redis from ${url}/charts) has no version: set version, so that a commit always renders the same chart`,
        `  apps/evil/transformer.yaml: PatchTransformer/p path "${url}/t.yaml" ${remote}`,
        `  apps/evil/transformer.yaml: HelmChartInflationGenerator/h is not supported: list the chart under helmCharts in the kustomization, or render it as a helm app (a directory with Chart.yaml)`,
      ].join('\n'),
    );
    assert.deepEqual(requests, []);
  });

  it('checks the paths in plugin configs like the kustomization’s own, and the kustomization file itself', async () => {
    const repo = await tempDir();
    const outside = await tempDir();
    await write(path.join(outside, 'kustomization.yaml'), 'resources: []\n');
    await write(path.join(repo, 'apps/evil/kustomization.yaml'), 'transformers:\n  - patch.yaml\nresources:\n  - linked\n');
    await write(path.join(repo, 'apps/evil/patch.yaml'), 'apiVersion: builtin\nkind: PatchStrategicMergeTransformer\nmetadata:\n  name: p\npaths:\n  - ../../../../etc/passwd\n');
    await mkdir(path.join(repo, 'apps/evil/linked'));
    await symlink(path.join(outside, 'kustomization.yaml'), path.join(repo, 'apps/evil/linked/kustomization.yaml'));
    const error = await failure(repo, 'apps/evil');
    assert.equal(
      error.message,
      [
        'apps/evil has 2 problems:',
        '  apps/evil/patch.yaml: PatchStrategicMergeTransformer/p paths[0] "../../../../etc/passwd" leaves the repository: kustomizations may only refer to files inside the config repo',
        `  apps/evil/linked/kustomization.yaml: is refused: symlink "apps/evil/linked/kustomization.yaml" points outside the repository (to ${JSON.stringify(path.join(outside, 'kustomization.yaml'))})`,
      ].join('\n'),
    );
  });

  it('still renders plugin configs, generator files and bases that stay inside', async () => {
    const repo = await tempDir();
    await write(path.join(repo, 'apps/ok/kustomization.yaml'), 'resources:\n  - ../../base\ntransformers:\n  - labels.yaml\nconfigMapGenerator:\n  - name: settings\n    files: [app.properties=props/app.properties]\n');
    await write(path.join(repo, 'apps/ok/labels.yaml'), 'apiVersion: builtin\nkind: LabelTransformer\nmetadata:\n  name: l\nlabels:\n  team: a\nfieldSpecs:\n  - path: metadata/labels\n    create: true\n');
    await write(path.join(repo, 'apps/ok/props/app.properties'), 'color=blue\n');
    await write(path.join(repo, 'base/kustomization.yaml'), 'resources:\n  - cm.yaml\n');
    await write(path.join(repo, 'base/cm.yaml'), 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: base\n');
    const result = await renderApp(repo, testApp('apps/ok'), {});
    assert.deepEqual(keys(result.objects), ['ConfigMap/base', 'ConfigMap/settings-t8cm49h4dk']);
    assert.deepEqual(result.objects.map((o) => o.manifest.metadata.labels), [{ team: 'a' }, { team: 'a' }]);
  });
});

describe('isRemote', () => {
  it('takes every form kustomize or go-getter reads as remote for remote, and paths for paths', () => {
    const remotes = [
      'https://github.com/org/repo', 'http://127.0.0.1:8080/x.yaml', 'HTTPS://example.com/x', 'ssh://git@host/org/repo', 'file:///tmp/repo', 'git://host/repo',
      'git::https://host/repo.git', 'git::file:///elsewhere', 'git::../local', 's3::https://s3.amazonaws.com/b', 'gcs::https://storage.googleapis.com/b', 'hg::http://host/r',
      'gh:org/repo', 'github.com/org/repo', 'GitHub.com/org/repo', 'gitlab.com/org/repo', 'bitbucket.org/org/repo', 'dev.azure.com/org/project/_git/repo',
      'org.visualstudio.com/project/_git/repo', 'git-codecommit.us-east-1.amazonaws.com/v1/repos/r', 'git@github.com:org/repo.git', 'git@host.example/org/repo',
      'user@host:org/repo', 'host.example:org/repo', 'org/repo?ref=v1', 'base?version=2', 'org/repo//sub', 'a/_git/repo', ' https://host/x',
    ];
    const paths = ['base', '../base', './overlays/prod', 'deploy.yaml', 'a.b/c', 'config.d/x.yaml', 'dir/file:colon.yaml', 'my-github.com-notes/x'];
    assert.deepEqual(remotes.filter((v) => !isRemote(v)), []);
    assert.deepEqual(paths.filter((v) => isRemote(v)), []);
  });
});

describe('kustomize runs without the agent’s environment', () => {
  it('sees an empty PATH, a throw-away HOME, proxies to a closed port and, where the system allows, no network at all', async () => {
    // a stand-in kustomize that reports what it sees and tries to reach the recording server
    const bin = await tempDir();
    const script = path.join(bin, 'kustomize');
    await writeFile(
      script,
      `#!${process.execPath}
const http = require('node:http');
const seen = { PATH: process.env.PATH, HOME: process.env.HOME, proxy: process.env.HTTP_PROXY, git: process.env.GIT_ALLOW_PROTOCOL, token: process.env.SECRET_TOKEN ?? 'unset' };
const req = http.get('http://${origin}/from-kustomize', () => done('reached'));
req.on('error', (e) => done(e.code));
function done(net) {
  process.stdout.write('apiVersion: v1\\nkind: ConfigMap\\nmetadata:\\n  name: seen\\ndata:\\n  seen: ' + JSON.stringify(JSON.stringify({ ...seen, net })) + '\\n');
  process.exit(0);
}
`,
    );
    await chmod(script, 0o755);
    const repo = await tempDir();
    await write(path.join(repo, 'apps/a/kustomization.yaml'), 'resources: []\n');
    requests.length = 0;
    const result = await renderApp(repo, testApp('apps/a'), { kustomizeBinary: script, env: { ...process.env, HOME: '/root-of-the-agent', SECRET_TOKEN: 'x' } });
    const seen = JSON.parse((result.objects[0]!.manifest.data as { seen: string }).seen) as Record<string, string>;
    assert.equal(seen.PATH, '');
    assert.notEqual(seen.HOME, '/root-of-the-agent');
    assert.equal(seen.proxy, 'http://127.0.0.1:9');
    assert.equal(seen.git, 'none');
    assert.equal(seen.token, 'unset', 'none of the caller’s variables reach kustomize');
    if (await networkIsolation()) {
      assert.equal(seen.net, 'ENETUNREACH');
      assert.deepEqual(requests, []);
    } else {
      // without network namespaces the loopback stays reachable; the walk is what refuses URLs
      assert.equal(seen.net, 'reached');
    }
  });
});
