// A SOPS file whose MAC was removed (or emptied) is refused by every app type, never rendered as a
// plain file with its ENC[…] values and `sops` key.
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { generateIdentity, identityToRecipient } from 'age-encryption';
import { encryptSops, isSopsEncrypted, renderApp, type HelmRenderOptions, type SopsKeys } from './index.ts';
import { keys, testApp } from './testing.ts';

const secretYaml = 'apiVersion: v1\nkind: Secret\nmetadata:\n    name: db\nstringData:\n    password: s3cr3t-password\n';
const temps: string[] = [];
let sopsKeys: SopsKeys;
let recipient: string;

before(async () => {
  const identity = await generateIdentity();
  recipient = await identityToRecipient(identity);
  sopsKeys = { identities: [identity] };
});
after(async () => {
  for (const dir of temps) await rm(dir, { recursive: true, force: true });
});

/** A repo holding `file` (repo-relative) with `text`, plus the extra files given. */
async function repoWith(files: Record<string, string>): Promise<string> {
  const repo = await mkdtemp(path.join(os.tmpdir(), 'capstan-sops-mac-'));
  temps.push(repo);
  for (const [file, text] of Object.entries(files)) {
    await mkdir(path.dirname(path.join(repo, file)), { recursive: true });
    await writeFile(path.join(repo, file), text);
  }
  return repo;
}

async function withoutMac(plain: string, file: string): Promise<string> {
  const encrypted = await encryptSops(plain, file, { recipients: [recipient] });
  const stripped = encrypted.replace(/^ {4}mac: .*\n/m, '');
  assert.notEqual(stripped, encrypted);
  return stripped;
}

const noMac = 'has SOPS metadata without a MAC; capstan refuses files whose integrity cannot be checked';

describe('renderApp: a SOPS file without a MAC is refused', () => {
  it('in a directory app, whether the mac line is removed or empty', async () => {
    const encrypted = await encryptSops(secretYaml, 'db.enc.yaml', { recipients: [recipient] });
    const repo = await repoWith({
      'apps/s/db.enc.yaml': encrypted.replace(/^ {4}mac: .*\n/m, ''),
      'apps/t/db.enc.yaml': encrypted.replace(/^ {4}mac: .*$/m, '    mac: ""'),
    });
    await assert.rejects(renderApp(repo, testApp('apps/s'), { sopsKeys }), { message: `apps/s/db.enc.yaml ${noMac}` });
    await assert.rejects(renderApp(repo, testApp('apps/t'), { sopsKeys }), { message: `apps/t/db.enc.yaml ${noMac}` });
    // no key configured: still named as a SOPS file, not rendered as a plain one
    await assert.rejects(renderApp(repo, testApp('apps/s'), { sopsKeys: { identities: [] } }), /^ValidationError: apps\/s\/db\.enc\.yaml is SOPS-encrypted but no age key is configured/);
  });

  it('in a JSON file', async () => {
    const encrypted = await encryptSops(JSON.stringify(JSON.parse('{"apiVersion":"v1","kind":"Secret","metadata":{"name":"db"},"stringData":{"password":"s3cr3t-password"}}'), null, 2), 'db.enc.json', { recipients: [recipient] });
    const stripped = encrypted.replace(/\n\s*"mac": "ENC\[[^"]*",/, '');
    assert.notEqual(stripped, encrypted);
    const repo = await repoWith({ 'apps/s/db.enc.json': stripped });
    await assert.rejects(renderApp(repo, testApp('apps/s'), { sopsKeys }), { message: `apps/s/db.enc.json ${noMac}` });
  });

  it('as a kustomize resource', async () => {
    const repo = await repoWith({
      'apps/k/kustomization.yaml': 'resources:\n  - db.enc.yaml\n',
      'apps/k/db.enc.yaml': await withoutMac(secretYaml, 'db.enc.yaml'),
    });
    await assert.rejects(renderApp(repo, testApp('apps/k'), { sopsKeys }), { message: `apps/k/db.enc.yaml ${noMac}` });
  });

  it('as a Helm values file, while a chart value named sops is no SOPS metadata', async () => {
    const repo = await repoWith({
      'charts/web/Chart.yaml': 'apiVersion: v2\nname: web\nversion: 0.1.0\n',
      'charts/web/secrets.enc.yaml': await withoutMac('password: s3cr3t-password\n', 'secrets.enc.yaml'),
      'charts/web/values.yaml': 'sops:\n  enabled: true\n  mode: strict\n',
    });
    const calls: HelmRenderOptions[] = [];
    const renderHelm = async (options: HelmRenderOptions) => {
      calls.push(options);
      return [{ manifest: { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'web' } }, source: 'charts/web: templates/cm.yaml' }];
    };
    const app = (valuesFiles: string[]) => testApp('charts/web', { helm: { releaseName: 'web', valuesFiles, values: {} } });
    await assert.rejects(renderApp(repo, app(['secrets.enc.yaml']), { sopsKeys, renderHelm }), { message: `charts/web/secrets.enc.yaml ${noMac}` });
    assert.equal(calls.length, 0);
    const result = await renderApp(repo, app(['values.yaml']), { sopsKeys: { identities: [] }, renderHelm });
    assert.deepEqual(keys(result.objects), ['ConfigMap/web']);
    assert.deepEqual(calls[0]!.valuesFiles, [path.join(repo, 'charts/web/values.yaml')]);
    assert.equal(result.decrypted, false);
  });
});

describe('isSopsEncrypted', () => {
  it('takes a sops map of metadata (with or without a MAC) or a sops key beside ENC values for SOPS, and nothing else', async () => {
    assert.equal(isSopsEncrypted(await withoutMac(secretYaml, 's.yaml')), true);
    assert.equal(isSopsEncrypted('a: ENC[AES256_GCM,data:abc,iv:def,tag:ghi,type:str]\nsops: {}\n'), true);
    assert.equal(isSopsEncrypted('a: 1\n"sops": {"lastmodified": "2024-01-01T00:00:00Z"}\n'), true);
    assert.equal(isSopsEncrypted('a: 1\n---\nb: 2\nsops:\n  version: 3.9.0\n'), true);
    assert.equal(isSopsEncrypted('sops:\n  enabled: true\n'), false);
    assert.equal(isSopsEncrypted('config:\n  sops:\n    mac: x\n'), false);
    assert.equal(isSopsEncrypted('a: 1\n'), false);
  });
});
