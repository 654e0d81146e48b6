import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { parse } from 'yaml';
import type { Manifest } from '../core/index.ts';
import { maskSecrets } from './mask-secrets.ts';

function fixture(name: string): Manifest {
  return parse(readFileSync(new URL(`testdata/${name}`, import.meta.url), 'utf8')) as Manifest;
}

/** The values in the Secret fixtures, in clear and in base64: none may survive masking. */
const secretValues = ['shop_app', 'hunter2-prod-7Qx', 'correct-horse-battery-9'].flatMap((v) => [v, Buffer.from(v).toString('base64')]);

function assertNoSecretValues(output: unknown): void {
  const text = JSON.stringify(output);
  for (const value of secretValues) assert.equal(text.includes(value), false, 'a secret value leaked into the output');
}

describe('maskSecrets', () => {
  it('gives equal values the same mask on both sides and keeps the keys', () => {
    const live = fixture('secret-live.yaml');
    const { desired, live: maskedLive } = maskSecrets(fixture('secret-rendered.yaml'), live);
    assert.deepEqual(desired?.data, { username: '++++++++', password: '++++++++' });
    assert.deepEqual(maskedLive?.data, { password: '++++++++', username: '++++++++' });
    assert.equal(desired?.stringData, undefined);
    assertNoSecretValues({ desired, maskedLive });
  });

  it('gives a changed value a longer mask on the desired side', () => {
    const { desired, live } = maskSecrets(fixture('secret-dry-run-rotated.yaml'), fixture('secret-live.yaml'));
    assert.deepEqual(live?.data, { password: '++++++++', username: '++++++++' });
    assert.deepEqual(desired?.data, { password: '++++++++++++', username: '++++++++' });
    assertNoSecretValues({ desired, live });
  });

  it('removes the last-applied annotation, which holds the values in clear', () => {
    const { desired, live } = maskSecrets(fixture('secret-dry-run-rotated.yaml'), fixture('secret-live.yaml'));
    assert.equal(live?.metadata.annotations, undefined);
    assert.equal(desired?.metadata.annotations, undefined);
  });

  it('folds stringData into data as the API server does, stringData winning', () => {
    const desired: Manifest = {
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: { name: 'token', namespace: 'shop' },
      data: { token: Buffer.from('old-token-1').toString('base64'), ca: Buffer.from('-----CA-----').toString('base64') },
      stringData: { token: 'new-token-2' },
    };
    const live: Manifest = { ...desired, data: { token: Buffer.from('new-token-2').toString('base64'), ca: Buffer.from('-----CA-----').toString('base64') } };
    delete live.stringData;
    const masked = maskSecrets(desired, live);
    assert.deepEqual(masked.desired?.data, { token: '++++++++', ca: '++++++++' });
    assert.deepEqual(masked.live?.data, { token: '++++++++', ca: '++++++++' });
    assert.equal(JSON.stringify(masked).includes('token-'), false);
  });

  it('masks values that are not strings, and a data field that is not a map', () => {
    const secret = (data: unknown): Manifest => ({ apiVersion: 'v1', kind: 'Secret', metadata: { name: 'odd' }, data });
    const masked = maskSecrets(secret({ port: 5432, tls: null }), secret('c2VjcmV0LWJsb2I='));
    assert.deepEqual(masked.desired?.data, { port: '++++++++', tls: '++++++++' });
    assert.equal(masked.live?.data, '++++++++');
  });

  it('leaves its inputs, other kinds and Secrets of other groups alone', () => {
    const live = fixture('secret-live.yaml');
    maskSecrets(fixture('secret-rendered.yaml'), live);
    assert.deepEqual(live, fixture('secret-live.yaml'));
    const configMap = fixture('configmap-dry-run-create.yaml');
    assert.equal(maskSecrets(configMap, undefined).desired, configMap);
    const sealed: Manifest = { apiVersion: 'vault.example.com/v1', kind: 'Secret', metadata: { name: 'x' }, data: { path: 'kv/shop' } };
    assert.equal(maskSecrets(sealed, sealed).live, sealed);
  });

  it('masks a Secret that exists on one side only', () => {
    const { desired, live } = maskSecrets(undefined, fixture('secret-live.yaml'));
    assert.equal(desired, undefined);
    assert.deepEqual(live?.data, { password: '++++++++', username: '++++++++' });
  });
});
