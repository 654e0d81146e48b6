import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { test } from 'node:test';
import { armor, Decrypter } from 'age-encryption';
import { parse as parseYaml } from 'yaml';
import { decryptValue, encryptValue, formatGoFloat, ValueCipherError, valueBytes } from './cipher.ts';
import { additionalData, checkRules, lastModifiedAdditionalData, shouldBeEncrypted } from './metadata.ts';

const KEY = Buffer.alloc(32, 7);

async function fluxDataKey(): Promise<{ key: Uint8Array; doc: { stringData: { secret: string } } }> {
  const doc = parseYaml(await readFile(new URL('./testdata/flux-secret.enc.yaml', import.meta.url), 'utf8'));
  const identity = (await readFile(new URL('./testdata/flux-age.txt', import.meta.url), 'utf8')).split('\n').find((l) => l.startsWith('AGE-'));
  const d = new Decrypter();
  d.addIdentity(identity as string);
  return { key: await d.decrypt(armor.decode(doc.sops.age[0].enc)), doc };
}

test('the additional data of a real sops value is its key path joined with ":" plus a trailing ":"', async () => {
  const { key, doc } = await fluxDataKey();
  assert.equal(key.length, 32);
  assert.equal(additionalData(['stringData', 'secret']), 'stringData:secret:');
  assert.deepEqual(decryptValue(doc.stringData.secret, key, 'stringData:secret:'), { type: 'str', value: 'my-sops-age-secret' });
  for (const wrong of ['stringData:secret', 'secret:', ':stringData:secret:']) {
    assert.throws(() => decryptValue(doc.stringData.secret, key, wrong), (err: unknown) => err instanceof ValueCipherError && err.reason === 'authentication');
  }
});

test('values round-trip with their sops types; IVs are 32 bytes; empty strings stay empty', () => {
  const cases = [
    { type: 'str', value: 'héllo' },
    { type: 'int', value: -42 },
    { type: 'float', value: 0.25 },
    { type: 'bool', value: true },
    { type: 'bool', value: false },
    { type: 'comment', value: ' a comment' },
  ] as const;
  for (const plain of cases) {
    const enc = encryptValue(plain, KEY, 'a:b:');
    assert.match(enc, new RegExp(`^ENC\\[AES256_GCM,data:[^,]+,iv:[A-Za-z0-9+/]{43}=,tag:[A-Za-z0-9+/]{22}==,type:${plain.type}\\]$`));
    assert.deepEqual(decryptValue(enc, KEY, 'a:b:'), plain);
  }
  assert.equal(encryptValue({ type: 'str', value: '' }, KEY, 'a:'), '');
  assert.deepEqual(decryptValue('', KEY, 'a:'), { type: 'str', value: '' });
  assert.throws(() => decryptValue('ENC[AES256_GCM,data:AAAA,iv:AAAA,tag:AAAA,type:str]', KEY, 'a:'), /16/);
  assert.throws(() => decryptValue('plain text', KEY, 'a:'), (err: unknown) => err instanceof ValueCipherError && err.reason === 'malformed');
});

test('the bytes sops hashes: Go formatting of ints, floats (never an exponent) and title-case booleans', () => {
  const s = (v: Parameters<typeof valueBytes>[0]): string => valueBytes(v).toString('utf8');
  assert.equal(s({ type: 'bool', value: true }), 'True');
  assert.equal(s({ type: 'bool', value: false }), 'False');
  assert.equal(s({ type: 'int', value: 3 }), '3');
  assert.equal(s({ type: 'float', value: 3 }), '3');
  assert.equal(formatGoFloat(0.25), '0.25');
  assert.equal(formatGoFloat(1e21), '1000000000000000000000');
  assert.equal(formatGoFloat(-2.5e22), '-25000000000000000000000');
  assert.equal(formatGoFloat(1e-7), '0.0000001');
  assert.equal(formatGoFloat(1.5e-10), '0.00000000015');
  assert.equal(formatGoFloat(Infinity), '+Inf');
  assert.equal(formatGoFloat(NaN), 'NaN');
});

test('lastmodified is re-formatted as Go prints RFC 3339 before it authenticates the MAC', () => {
  assert.equal(lastModifiedAdditionalData('2021-04-06T09:07:05Z'), '2021-04-06T09:07:05Z');
  assert.equal(lastModifiedAdditionalData('2021-04-06T09:07:05.123456+00:00'), '2021-04-06T09:07:05Z');
  assert.equal(lastModifiedAdditionalData('2021-04-06T09:07:05+02:00'), '2021-04-06T09:07:05+02:00');
  assert.equal(lastModifiedAdditionalData('yesterday'), undefined);
});

test('which paths are encrypted, rule by rule, as sops decides', () => {
  const def = checkRules({}, 'f');
  assert.equal(def.unencryptedSuffix, '_unencrypted');
  assert.equal(shouldBeEncrypted(def, ['a', 'b']), true);
  assert.equal(shouldBeEncrypted(def, ['a_unencrypted', 'b']), false);
  assert.equal(shouldBeEncrypted({ encryptedSuffix: '_secret' }, ['db_secret', 'x']), true);
  assert.equal(shouldBeEncrypted({ encryptedSuffix: '_secret' }, ['db', 'x']), false);
  assert.equal(shouldBeEncrypted({ unencryptedRegex: '^meta' }, ['metadata', 'name']), false);
  assert.equal(shouldBeEncrypted({ unencryptedRegex: '^meta' }, ['data', 'name']), true);
  assert.equal(shouldBeEncrypted({ encryptedRegex: '^(data|stringData)$' }, ['stringData', 'token']), true);
  assert.equal(shouldBeEncrypted({ encryptedRegex: '^(data|stringData)$' }, ['metadata', 'name']), false);
  assert.equal(shouldBeEncrypted({ encryptedRegex: '^(data|stringData)$' }, []), false);
  assert.equal(shouldBeEncrypted({ encryptedRegex: '(?i)^DATA$' }, ['data']), true);
  assert.throws(() => checkRules({ encryptedRegex: '(' }, 'bad.yaml'), /^SopsError: bad\.yaml has an invalid encrypted_regex/);
});
