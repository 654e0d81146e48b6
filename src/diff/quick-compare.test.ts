import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { parse } from 'yaml';
import type { Manifest } from '../core/index.ts';
import { quickCompare } from './quick-compare.ts';

const live = parse(readFileSync(new URL('./testdata/deployment-live.yaml', import.meta.url), 'utf8')) as Manifest;

/** What capstan applied to get `live`: the fields of its managedFields entry, stamped. */
function desired(): Manifest {
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: {
      name: 'web',
      namespace: 'shop',
      labels: { 'app.kubernetes.io/name': 'web', 'capstan.dev/app': 'web', 'capstan.dev/env': 'prod' },
      annotations: { 'capstan.dev/owner': 'web/prod' },
    },
    spec: {
      replicas: 2,
      selector: { matchLabels: { 'app.kubernetes.io/name': 'web' } },
      template: {
        metadata: { labels: { 'app.kubernetes.io/name': 'web' } },
        spec: { containers: [{ name: 'web', image: 'ghcr.io/acme/web:1.4.2', ports: [{ name: 'http', containerPort: 8080, protocol: 'TCP' }] }] },
      },
    },
  };
}

test('what capstan applied, read back with server defaults and status, is in sync', () => {
  assert.equal(quickCompare(desired(), live), 'in-sync');
});

test('a changed value, an added field or a missing live object differs', () => {
  const image = desired();
  (image.spec as { template: { spec: { containers: { image: string }[] } } }).template.spec.containers[0]!.image = 'ghcr.io/acme/web:1.5.0';
  assert.equal(quickCompare(image, live), 'differs');
  const added = desired();
  added.metadata.labels!.tier = 'frontend';
  assert.equal(quickCompare(added, live), 'differs');
  assert.equal(quickCompare(desired(), undefined), 'differs');
});

test('a field capstan owns but no longer sets differs: applying would remove it', () => {
  const fewer = desired();
  delete (fewer.spec as Record<string, unknown>).replicas;
  assert.equal(quickCompare(fewer, live), 'differs');
  const noPorts = desired();
  delete (noPorts.spec as { template: { spec: { containers: Record<string, unknown>[] } } }).template.spec.containers[0]!.ports;
  assert.equal(quickCompare(noPorts, live), 'differs');
});

test('a list item matched by key fields the manifest leaves to defaults differs (the dry-run decides)', () => {
  const noProtocol = desired();
  delete (noProtocol.spec as { template: { spec: { containers: { ports: Record<string, unknown>[] }[] } } }).template.spec.containers[0]!.ports[0]!.protocol;
  assert.equal(quickCompare(noProtocol, live), 'differs');
});

test('without exactly one Apply entry of the field manager it differs', () => {
  assert.equal(quickCompare(desired(), live, { fieldManager: 'someone-else' }), 'differs');
  const twice = structuredClone(live);
  (twice.metadata.managedFields as unknown[]).push(structuredClone((live.metadata.managedFields as unknown[])[0]));
  assert.equal(quickCompare(desired(), twice), 'differs');
});

/** A Secret as the server keeps what capstan applied with stringData: data base64-encoded, the manager's fields under one of the two. */
function liveSecret(ownedUnder: 'data' | 'stringData'): Manifest {
  return {
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: {
      name: 'token',
      namespace: 'shop',
      annotations: { 'capstan.dev/owner': 'web/prod' },
      managedFields: [{ manager: 'capstan', operation: 'Apply', apiVersion: 'v1', fieldsType: 'FieldsV1', fieldsV1: { 'f:metadata': { 'f:annotations': { 'f:capstan.dev/owner': {} } }, 'f:type': {}, [`f:${ownedUnder}`]: { 'f:token': {} } } }],
    },
    type: 'Opaque',
    data: { token: Buffer.from('s3cret', 'utf8').toString('base64') },
  } as Manifest;
}

test('a Secret written with stringData is in sync when its stored data holds the same values, whichever field the manager owns', () => {
  const secret = (value: string): Manifest => ({ apiVersion: 'v1', kind: 'Secret', metadata: { name: 'token', namespace: 'shop', annotations: { 'capstan.dev/owner': 'web/prod' } }, type: 'Opaque', stringData: { token: value } }) as Manifest;
  assert.equal(quickCompare(secret('s3cret'), liveSecret('data')), 'in-sync');
  assert.equal(quickCompare(secret('s3cret'), liveSecret('stringData')), 'in-sync');
  assert.equal(quickCompare(secret('changed'), liveSecret('data')), 'differs');
  const more = secret('s3cret');
  (more as Manifest & { stringData: Record<string, string> }).stringData.other = 'x';
  assert.equal(quickCompare(more, liveSecret('data')), 'differs');
});
