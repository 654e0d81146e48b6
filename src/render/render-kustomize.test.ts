import assert from 'node:assert/strict';
import { chmod, cp, mkdtemp, readdir, rm, symlink, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import { kustomizeCommand, renderApp, RenderValidationError, walkKustomization, type DecryptSopsFunction } from './index.ts';
import { fixtureRepo, keys, testApp } from './testing.ts';

const temps: string[] = [];
async function tempDir(): Promise<string> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'capstan-render-test-'));
  temps.push(dir);
  return dir;
}
after(async () => {
  for (const dir of temps) await rm(dir, { recursive: true, force: true });
});

describe('renderApp: kustomize', () => {
  it('renders an overlay over a base with a patch and a generator file', async () => {
    const result = await renderApp(fixtureRepo('kustomize'), testApp('apps/guestbook/overlays/dev'), {});
    assert.equal(result.type, 'kustomize');
    assert.deepEqual(keys(result.objects), ['ConfigMap/guestbook-dev/settings', 'Service/guestbook-dev/frontend', 'Deployment/guestbook-dev/frontend']);
    const deployment = result.objects[2];
    assert.equal((deployment.manifest.spec as { replicas: number }).replicas, 3);
    assert.deepEqual(deployment.manifest.metadata.labels, { 'app.kubernetes.io/name': 'guestbook' });
    assert.equal(deployment.source, 'apps/guestbook/overlays/dev: kustomize output#2');
    assert.deepEqual(result.objects[0].manifest.data, { 'app.properties': 'color=blue\n' });
  });

  it('renders another overlay with a component', async () => {
    const result = await renderApp(fixtureRepo('kustomize'), testApp('apps/guestbook/overlays/prod'), {});
    assert.deepEqual(keys(result.objects), ['Service/prod-frontend', 'Deployment/prod-frontend']);
    assert.deepEqual(result.objects[1].manifest.metadata.annotations, { 'monitoring.example.com/scrape': 'true' });
  });

  it('refuses a kustomization that reaches outside the repository, before kustomize runs', async () => {
    // The target exists (a sibling fixture), so only capstan's check can stop it.
    const error = await renderApp(fixtureRepo('kustomize-escape'), testApp('apps/evil'), {}).catch((e: unknown) => e);
    assert.ok(error instanceof RenderValidationError);
    assert.equal(
      error.message,
      'apps/evil/kustomization.yaml: resources[0] "../../../kustomize/apps/guestbook/base" leaves the repository: kustomizations may only refer to files inside the config repo',
    );
  });

  it('collects every bad path of a kustomization: missing, leaving the repo, absolute', async () => {
    const error = await renderApp(fixtureRepo('kustomize-escape'), testApp('apps/patches'), {}).catch((e: unknown) => e);
    assert.ok(error instanceof RenderValidationError);
    assert.equal(
      error.message,
      [
        'apps/patches has 3 problems:',
        '  apps/patches/kustomization.yaml: resources[0] "missing.yaml" does not exist',
        '  apps/patches/kustomization.yaml: patches[0].path "../../../../../../etc/passwd" leaves the repository: kustomizations may only refer to files inside the config repo',
        '  apps/patches/kustomization.yaml: configMapGenerator[0].files[0] "/etc/hostname" is an absolute path: write it relative to the kustomization',
      ].join('\n'),
    );
  });

  it('refuses a symlink that points outside the repository', async () => {
    const repo = await tempDir();
    await cp(fixtureRepo('kustomize'), repo, { recursive: true });
    const outside = await tempDir();
    await writeFile(path.join(outside, 'kustomization.yaml'), 'resources: []\n');
    await symlink(outside, path.join(repo, 'apps/guestbook/overlays/dev/shared'));
    await writeFile(path.join(repo, 'apps/guestbook/overlays/dev/kustomization.yaml'), 'resources:\n  - ../../base\n  - shared\n');
    await assert.rejects(
      renderApp(repo, testApp('apps/guestbook/overlays/dev'), {}),
      { message: `apps/guestbook/overlays/dev/kustomization.yaml: resources[1] "shared" is refused: symlink "apps/guestbook/overlays/dev/shared" points outside the repository (to ${JSON.stringify(outside)})` },
    );
  });

  it('refuses remote bases, and a helmCharts chart from a repository without a version', async () => {
    await assert.rejects(renderApp(fixtureRepo('kustomize-escape'), testApp('apps/remote'), {}), {
      message:
        'apps/remote/kustomization.yaml: resources[0] "github.com/kubernetes-sigs/kustomize//examples/helloWorld?ref=v3.3.1" is remote (a URL, a git repository or another go-getter form): capstan renders only what is in the config repo; vendor it into the repo',
    });
    await assert.rejects(renderApp(fixtureRepo('kustomize-escape'), testApp('apps/helmish'), {}), {
      message: 'apps/helmish/kustomization.yaml: helmCharts[0] (chart redis from https://charts.bitnami.com/bitnami) has no version: set version, so that a commit always renders the same chart',
    });
  });

  it('lists what a kustomization reaches', async () => {
    const walk = await walkKustomization(fixtureRepo('kustomize'), 'apps/guestbook/overlays/dev');
    assert.deepEqual(walk, {
      kustomizations: ['apps/guestbook/base/kustomization.yaml', 'apps/guestbook/overlays/dev/kustomization.yaml'],
      files: ['apps/guestbook/base/deployment.yaml', 'apps/guestbook/base/service.yaml', 'apps/guestbook/overlays/dev/replicas.yaml', 'apps/guestbook/overlays/dev/settings.properties'],
      helmCharts: [],
    });
  });

  it('reports kustomize failures with its stderr and the app path', async () => {
    const repo = await tempDir();
    await cp(fixtureRepo('kustomize'), repo, { recursive: true });
    await writeFile(path.join(repo, 'apps/guestbook/overlays/dev/replicas.yaml'), 'apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: nothing-like-this\nspec:\n  replicas: 3\n');
    const error = await renderApp(repo, testApp('apps/guestbook/overlays/dev'), {}).catch((e: unknown) => e);
    assert.ok(error instanceof Error);
    assert.match(error.message, /^kustomize build of apps\/guestbook\/overlays\/dev failed: no resource matches strategic merge patch "Deployment\.v1\.apps\/nothing-like-this/);
    assert.doesNotMatch(error.message, new RegExp(repo.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')));
  });

  it('decrypts SOPS files in a private copy of the repo, and deletes the copy', async () => {
    const temp = await tempDir();
    const decryptSops: DecryptSopsFunction = async (_text, file) => {
      assert.equal(file, 'apps/secret/db.enc.yaml');
      assert.equal((await readdir(temp)).length, 1, 'the copy exists while decrypting');
      return 'apiVersion: v1\nkind: Secret\nmetadata:\n  name: db\ntype: Opaque\nstringData:\n  password: hunter2\n';
    };
    const result = await renderApp(fixtureRepo('kustomize-sops'), testApp('apps/secret'), { sopsKeys: { identities: ['k'] }, decryptSops, tempDir: temp });
    assert.deepEqual(keys(result.objects), ['ConfigMap/settings', 'Secret/db']);
    assert.deepEqual(result.objects[1].manifest.stringData, { password: 'hunter2' });
    assert.equal(result.objects[1].source, 'apps/secret: kustomize output#1');
    assert.deepEqual(await readdir(temp), []);
  });

  it('deletes the copy when kustomize fails too', async () => {
    const temp = await tempDir();
    const decryptSops: DecryptSopsFunction = async () => 'not: [valid\n';
    await assert.rejects(renderApp(fixtureRepo('kustomize-sops'), testApp('apps/secret'), { sopsKeys: { identities: ['k'] }, decryptSops, tempDir: temp }), /^ValidationError: kustomize build of apps\/secret failed: /);
    assert.deepEqual(await readdir(temp), []);
  });
});

describe('kustomizeCommand', () => {
  it('prefers the option, then CAPSTAN_KUSTOMIZE, then kustomize on PATH, then kubectl', async () => {
    assert.deepEqual(kustomizeCommand({ kustomizeBinary: '/opt/kustomize', env: { CAPSTAN_KUSTOMIZE: '/x' } }), { file: '/opt/kustomize', subcommand: 'build' });
    assert.deepEqual(kustomizeCommand({ env: { CAPSTAN_KUSTOMIZE: '/x', PATH: '' } }), { file: '/x', subcommand: 'build' });
    const bin = await tempDir();
    assert.deepEqual(kustomizeCommand({ env: { PATH: bin } }), { file: 'kubectl', subcommand: 'kustomize' });
    await writeFile(path.join(bin, 'kustomize'), '#!/bin/sh\n');
    await chmod(path.join(bin, 'kustomize'), 0o755);
    assert.deepEqual(kustomizeCommand({ env: { PATH: bin } }), { file: path.join(bin, 'kustomize'), subcommand: 'build' });
  });

  it('runs a kustomize binary as `kustomize build <dir>`', async () => {
    // A stand-in binary that records its arguments and prints one object.
    const bin = await tempDir();
    const script = path.join(bin, 'kustomize');
    await writeFile(script, `#!/bin/sh\necho "$@" > "${bin}/args"\nprintf 'apiVersion: v1\\nkind: ConfigMap\\nmetadata:\\n  name: from-kustomize\\n'\n`);
    await chmod(script, 0o755);
    const result = await renderApp(fixtureRepo('kustomize'), testApp('apps/guestbook/overlays/dev'), { env: { PATH: `${bin}${path.delimiter}${process.env.PATH}` } });
    assert.deepEqual(keys(result.objects), ['ConfigMap/from-kustomize']);
    const { readFile } = await import('node:fs/promises');
    assert.equal((await readFile(path.join(bin, 'args'), 'utf8')).trim(), `build ${path.join(fixtureRepo('kustomize'), 'apps/guestbook/overlays/dev')}`);
  });
});
