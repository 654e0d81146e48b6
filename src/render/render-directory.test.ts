import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, it } from 'node:test';
import { defaultSyncPolicy } from '../config/index.ts';
import { ValidationError } from '../core/index.ts';
import { renderApp, RenderValidationError, type DecryptSopsFunction } from './index.ts';
import { fixtureRepo, keys, testApp } from './testing.ts';

describe('renderApp: directory', () => {
  it('reads .yaml, .yml and .json recursively, skips empty documents, hidden files and other extensions, expands List', async () => {
    const result = await renderApp(fixtureRepo('directory'), testApp('apps/web'), {});
    assert.equal(result.type, 'directory');
    assert.equal(result.decrypted, false);
    assert.deepEqual(keys(result.objects), [
      'ConfigMap/web-config',
      'ResourceQuota/web-quota',
      'Service/web',
      'ServiceAccount/web',
      'Deployment/web',
      'ClusterRole/web-reader',
    ]);
    assert.deepEqual(
      result.objects.map((o) => o.source),
      ['apps/web/list.yaml items[0]', 'apps/web/nested/quota.yml', 'apps/web/deploy.yaml#2', 'apps/web/list.yaml items[1]', 'apps/web/deploy.yaml#0', 'apps/web/role.json'],
    );
  });

  it('reads YAML as Kubernetes does: 0644 is octal, quoted strings stay strings, dates stay strings', async () => {
    const { objects } = await renderApp(fixtureRepo('directory'), testApp('apps/web'), {});
    const deployment = objects.find((o) => o.manifest.kind === 'Deployment')!.manifest as never as {
      spec: { template: { spec: { volumes: { configMap: { defaultMode: number } }[]; containers: { env: { value: unknown }[] }[] } } };
    };
    assert.equal(deployment.spec.template.spec.volumes[0].configMap.defaultMode, 0o644);
    assert.equal(deployment.spec.template.spec.containers[0].env[0].value, 'on');
    const config = objects.find((o) => o.manifest.kind === 'ConfigMap')!.manifest;
    assert.deepEqual(config.data, { mode: 'production', since: '2024-01-02' });
  });

  it('reports every file that does not parse, with its line, in one error', async () => {
    const error = await renderApp(fixtureRepo('parse-error'), testApp('apps/bad'), {}).catch((e: unknown) => e);
    assert.ok(error instanceof RenderValidationError);
    assert.ok(error instanceof ValidationError);
    assert.deepEqual(
      error.problems.map((p) => p.source),
      ['apps/bad/broken.yaml:6:1', 'apps/bad/scalar.yaml:5:1'],
    );
    assert.match(error.message, /^apps\/bad has 2 problems:\n/);
    assert.match(error.message, /apps\/bad\/broken\.yaml:6:1: YAML syntax error: tabs are not allowed as indentation \(fix the syntax at this line\)/);
    assert.match(error.message, /apps\/bad\/scalar\.yaml:5:1: a manifest must be a mapping \(apiVersion, kind, metadata …\), got a string/);
  });

  it('decrypts SOPS files with the configured keys before parsing', async () => {
    const calls: { file: string; identities: string[] }[] = [];
    const decryptSops: DecryptSopsFunction = async (text, file, keys) => {
      calls.push({ file, identities: keys.identities });
      assert.match(text, /ENC\[AES256_GCM/);
      return 'apiVersion: v1\nkind: Secret\nmetadata:\n  name: db\nstringData:\n  password: hunter2\n';
    };
    const { objects, decrypted } = await renderApp(fixtureRepo('sops-dir'), testApp('apps/s'), { sopsKeys: { identities: ['AGE-SECRET-KEY-1TEST'] }, decryptSops });
    assert.deepEqual(calls, [{ file: 'apps/s/db.enc.yaml', identities: ['AGE-SECRET-KEY-1TEST'] }]);
    assert.equal(decrypted, true, 'the render says it holds decrypted material (so it is never cached)');
    assert.deepEqual(keys(objects), ['ConfigMap/settings', 'Secret/db']);
    assert.deepEqual(objects[1].manifest.stringData, { password: 'hunter2' });
  });

  it('refuses a SOPS file when no key is configured, naming the file and the variables to set', async () => {
    const error = await renderApp(fixtureRepo('sops-dir'), testApp('apps/s'), { sopsKeys: { identities: [] } }).catch((e: unknown) => e);
    assert.ok(error instanceof ValidationError);
    assert.equal(
      error.message,
      'apps/s/db.enc.yaml is SOPS-encrypted but no age key is configured: set SOPS_AGE_KEY_FILE (a file of AGE-SECRET-KEY-1… lines) or SOPS_AGE_KEY (the keys themselves)',
    );
  });

  it('never quotes decrypted text in a parse error', async () => {
    const decryptSops: DecryptSopsFunction = async () => 'stringData:\n  password: "hunter2\n';
    const error = await renderApp(fixtureRepo('sops-dir'), testApp('apps/s'), { sopsKeys: { identities: ['k'] }, decryptSops }).catch((e: unknown) => e);
    assert.ok(error instanceof RenderValidationError);
    assert.match(error.message, /apps\/s\/db\.enc\.yaml:3:1: the decrypted document is not valid YAML/);
    assert.doesNotMatch(error.message, /hunter2/);
  });

  it('refuses a manifest reached through a symlink chain that leaves the repository and comes back', async () => {
    const base = mkdtempSync(path.join(tmpdir(), 'capstan-directory-chain-'));
    const repo = path.join(base, 'repo');
    mkdirSync(path.join(repo, 'apps/web'), { recursive: true });
    mkdirSync(path.join(repo, 'shared'));
    writeFileSync(path.join(repo, 'shared/cm.yaml'), 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: shared\n');
    // apps/web/cm.yaml -> <base>/hop (outside, anyone may repoint it) -> <repo>/shared/cm.yaml
    symlinkSync(path.join(repo, 'shared/cm.yaml'), path.join(base, 'hop'));
    symlinkSync('../../../hop', path.join(repo, 'apps/web/cm.yaml'));
    try {
      await assert.rejects(renderApp(repo, testApp('apps/web'), {}), {
        message: 'symlink "apps/web/cm.yaml" points outside the repository (to "../../../hop")',
      });
    } finally {
      rmSync(base, { recursive: true, force: true });
    }
  });

  it('refuses a source that is missing or leaves the repository', async () => {
    await assert.rejects(renderApp(fixtureRepo('directory'), testApp('apps/nope'), {}), {
      message: 'app web (environment dev): source "apps/nope" is not a directory in the config repo: check the app\'s source in capstan.yaml',
    });
    await assert.rejects(renderApp(fixtureRepo('directory'), testApp('../parse-error'), {}), /app web \(environment dev\): source "\.\.\/parse-error" is refused: .*leaves the repository/);
  });

  it('fails on a directory that renders nothing because none of its files is a manifest, naming them and what capstan renders', async () => {
    const repo = mkdtempSync(path.join(tmpdir(), 'capstan-jsonnet-'));
    mkdirSync(path.join(repo, 'apps/web/lib'), { recursive: true });
    writeFileSync(path.join(repo, 'apps/web/main.jsonnet'), '{ kind: "ConfigMap" }');
    writeFileSync(path.join(repo, 'apps/web/lib/util.libsonnet'), '{}');
    writeFileSync(path.join(repo, 'apps/web/.hidden.yaml'), 'apiVersion: v1\nkind: ConfigMap\nmetadata: { name: hidden }\n');
    await assert.rejects(renderApp(repo, testApp('apps/web'), {}), {
      name: 'RenderValidationError',
      message:
        'apps/web: renders no objects: none of its files is of a type capstan renders (lib/util.libsonnet, main.jsonnet); capstan renders .yaml, .yml, .json files, a kustomization, a Helm chart (Chart.yaml) or the pins layout (images_path): render other formats (such as Jsonnet) to YAML first; if the app is meant to render nothing, set syncPolicy.allowEmpty',
    });
    const allowed = testApp('apps/web', { syncPolicy: { ...defaultSyncPolicy, allowEmpty: true } });
    assert.deepEqual((await renderApp(repo, allowed, {})).objects, [], 'an app meant to be empty (allowEmpty) may keep a README or anything else');
  });

  it('fails on a directory with no files at all unless the app allows an empty render; a manifest of comments alone is empty on purpose', async () => {
    const repo = mkdtempSync(path.join(tmpdir(), 'capstan-empty-'));
    mkdirSync(path.join(repo, 'apps/web'), { recursive: true });
    await assert.rejects(renderApp(repo, testApp('apps/web'), {}), {
      message:
        'apps/web: renders no objects: the directory holds no files (capstan renders .yaml, .yml, .json files, a kustomization, a Helm chart (Chart.yaml) or the pins layout (images_path)); if the app is meant to render nothing, set syncPolicy.allowEmpty',
    });
    assert.deepEqual((await renderApp(repo, testApp('apps/web', { syncPolicy: { ...defaultSyncPolicy, allowEmpty: true } }), {})).objects, []);
    writeFileSync(path.join(repo, 'apps/web/empty.yaml'), '# everything moved to apps/api\n');
    assert.deepEqual((await renderApp(repo, testApp('apps/web'), {})).objects, []);
  });
});
