import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { generateIdentity, identityToRecipient } from 'age-encryption';
import { parse as parseYaml, parseAllDocuments } from 'yaml';
import { ValidationError } from '../../core/index.ts';
import { decryptSops, encryptSops, isSopsEncrypted, loadSopsKeys, readSopsStructure, SopsError, type SopsKeys } from './index.ts';

const testdata = fileURLToPath(new URL('./testdata/', import.meta.url));
const fixture = (name: string): Promise<string> => readFile(path.join(testdata, name), 'utf8');

// Every plaintext secret used below; no error message may contain any of them.
const SECRETS = ['s3cr3t-password', 'hunter2-token', 'my-sops-age-secret', 'c2VjcmV0LWJ5dGVz', 'deep-nested-secret', 'list-secret-b', 'json-api-key'];
const messages: string[] = [];

async function rejection(promise: Promise<unknown>): Promise<SopsError> {
  try {
    await promise;
  } catch (err) {
    assert.ok(err instanceof SopsError, `expected a SopsError, got ${String(err)}`);
    messages.push(err.message);
    return err;
  }
  assert.fail('expected the promise to reject');
}

const SECRET_YAML = `# the database credentials
apiVersion: v1
kind: Secret
metadata:
    name: db
    namespace: prod
    labels:
        app: api
type: Opaque
data:
    # base64 of the password
    password: c2VjcmV0LWJ5dGVz
stringData:
    token: hunter2-token
    config:
        replicas: 3
        ratio: 0.25
        enabled: true
        disabled: false
        nothing: null
        empty: ""
        deep:
            value: deep-nested-secret
    list:
        - list-secret-a
        - list-secret-b
        - 42
    quoted: "123"
    multiline: |
        line one
        s3cr3t-password
`;

let me: string;
let meRecipient: string;
let other: string;
let otherRecipient: string;
let keys: SopsKeys;

before(async () => {
  me = await generateIdentity();
  meRecipient = await identityToRecipient(me);
  other = await generateIdentity();
  otherRecipient = await identityToRecipient(other);
  keys = { identities: [me] };
});

after(() => {
  for (const message of messages) {
    for (const secret of SECRETS) assert.ok(!message.includes(secret), `error message leaks a secret: ${message}`);
  }
});

describe('real sops files', () => {
  test('a Flux fixture (sops 3.7.0, encrypted_regex) decrypts with its published test key and the MAC verifies', async () => {
    const text = await fixture('flux-secret.enc.yaml');
    const fluxKeys = await loadSopsKeys({ SOPS_AGE_KEY_FILE: path.join(testdata, 'flux-age.txt') });
    const out = await decryptSops(text, 'flux-secret.enc.yaml', fluxKeys);
    assert.deepEqual(parseYaml(out), { apiVersion: 'v1', kind: 'Secret', metadata: { name: 'sops-age' }, stringData: { secret: 'my-sops-age-secret' } });
  });

  test('the Flux fixture with a clear value edited fails the MAC (clear values are covered too)', async () => {
    const text = (await fixture('flux-secret.enc.yaml')).replace('name: sops-age', 'name: sops-agf');
    const fluxKeys = await loadSopsKeys({ SOPS_AGE_KEY: (await fixture('flux-age.txt')) });
    const err = await rejection(decryptSops(text, 'apps/flux/secret.yaml', fluxKeys));
    assert.equal(err.reason, 'integrity');
    assert.match(err.message, /^apps\/flux\/secret\.yaml failed its MAC check/);
  });

  test('a terragrunt-tests fixture (sops 3.7.1, default unencrypted_suffix, key with a space) decrypts', async () => {
    const text = await fixture('terragrunt-file.enc.yaml');
    const tgKeys = await loadSopsKeys({ SOPS_AGE_KEY_FILE: path.join(testdata, 'terragrunt-keys.txt') });
    const out = await decryptSops(text, 'file.enc.yaml', tgKeys);
    assert.deepEqual(parseYaml(out), { secrets: { 'SOME SECRET': '0\\\\\\\\x629A673A8242c2AC4B7B8C5D8735fbeac21A6205' } });
  });
});

describe('round trip', () => {
  test('YAML: a Secret with nested maps, lists, ints, floats, bools, null, empty string and comments', async () => {
    const enc = await encryptSops(SECRET_YAML, 'secret.yaml', { recipients: [meRecipient] });
    assert.ok(isSopsEncrypted(enc));
    for (const secret of SECRETS.filter((s) => SECRET_YAML.includes(s))) assert.ok(!enc.includes(secret), `ciphertext contains ${secret}`);
    assert.ok(!enc.includes('the database credentials'), 'comments are encrypted');
    assert.match(enc, /^#ENC\[AES256_GCM,data:[^\]]+,type:comment\]$/m);
    assert.match(enc, /^ {4}name: ENC\[AES256_GCM,data:[^\]]+,type:str\]$/m);
    assert.match(enc, /^ {8}replicas: ENC\[AES256_GCM,[^\]]+,type:int\]$/m);
    assert.match(enc, /^ {8}ratio: ENC\[AES256_GCM,[^\]]+,type:float\]$/m);
    assert.match(enc, /^ {8}enabled: ENC\[AES256_GCM,[^\]]+,type:bool\]$/m);
    assert.match(enc, /^ {8}nothing: null$/m);
    assert.match(enc, /^ {8}empty: ""$/m);
    const out = await decryptSops(enc, 'secret.yaml', keys);
    assert.deepEqual(parseYaml(out), parseYaml(SECRET_YAML));
    assert.match(out, /^# the database credentials$/m);
    assert.match(out, /^ {4}# base64 of the password$/m);
    assert.ok(!/^sops:/m.test(out));
  });

  test('YAML: the metadata has the keys and layout sops 3.9+ writes', async () => {
    const enc = await encryptSops('a: b\n', 'x.yaml', { recipients: [meRecipient, otherRecipient], lastModified: new Date('2024-05-06T07:08:09.123Z') });
    const sops = enc.slice(enc.indexOf('sops:\n'));
    assert.match(
      sops,
      new RegExp(
        '^sops:\\n {4}age:\\n' +
          `( {8}- recipient: age1[a-z0-9]+\\n {10}enc: \\|\\n {12}-----BEGIN AGE ENCRYPTED FILE-----\\n( {12}[A-Za-z0-9+/=]{1,64}\\n)+ {12}-----END AGE ENCRYPTED FILE-----\\n){2}` +
          ' {4}lastmodified: "2024-05-06T07:08:09Z"\\n {4}mac: ENC\\[AES256_GCM,data:[A-Za-z0-9+/=]+,iv:[A-Za-z0-9+/=]{44},tag:[A-Za-z0-9+/=]{24},type:str\\]\\n' +
          ' {4}unencrypted_suffix: _unencrypted\\n {4}version: 3\\.9\\.4\\n$',
      ),
    );
    assert.deepEqual(Object.keys(parseYaml(enc).sops), ['age', 'lastmodified', 'mac', 'unencrypted_suffix', 'version']);
    // Either recipient opens it.
    assert.equal(await decryptSops(enc, 'x.yaml', { identities: [other] }), 'a: b\n');
  });

  test('JSON: order (including integer-like keys), types and tab layout are kept', async () => {
    // JSON.parse would move "10" and "2" to the front; sops hashes in document order.
    const reordered = '{\n\t"z": "json-api-key",\n\t"10": "ten",\n\t"2": {\n\t\t"n": 3,\n\t\t"f": 1.5,\n\t\t"b": false,\n\t\t"nil": null,\n\t\t"list": [\n\t\t\t"list-secret-b",\n\t\t\t7\n\t\t]\n\t},\n\t"a": ""\n}\n';
    const enc = await encryptSops(reordered, 'config.json', { recipients: [meRecipient] });
    assert.ok(isSopsEncrypted(enc));
    assert.ok(!enc.includes('json-api-key') && !enc.includes('list-secret-b'));
    const parsed = JSON.parse(enc) as { sops: Record<string, unknown>; '2': { n: string } };
    assert.deepEqual(Object.keys(parsed.sops), ['age', 'lastmodified', 'mac', 'unencrypted_suffix', 'version']);
    assert.match(parsed['2'].n, /type:float\]$/, 'sops encodes every JSON number as a float');
    assert.match(enc, /^\t"sops": \{\n\t\t"age": \[\n\t\t\t\{\n\t\t\t\t"recipient": "age1/m);
    assert.equal(await decryptSops(enc, 'config.json', keys), reordered);
    const [x, y] = (JSON.parse(enc) as { '2': { list: string[] } })['2'].list;
    const swapped = enc.replace(x, '@X@').replace(y, x).replace('@X@', y);
    const err = await rejection(decryptSops(swapped, 'config.json', keys));
    assert.equal(err.reason, 'integrity');
    assert.match(err.message, /^config\.json (failed its MAC check|has a value at "2\.list" that failed authentication)/);
  });

  test('encrypted_regex ^(data|stringData)$ leaves the rest of a Secret in the clear', async () => {
    const enc = await encryptSops(SECRET_YAML, 'secret.yaml', { recipients: [meRecipient], encryptedRegex: '^(data|stringData)$' });
    const doc = parseYaml(enc);
    assert.deepEqual(doc.metadata, { name: 'db', namespace: 'prod', labels: { app: 'api' } });
    assert.equal(doc.kind, 'Secret');
    assert.equal(doc.type, 'Opaque');
    assert.match(doc.data.password, /^ENC\[/);
    assert.match(doc.stringData.config.deep.value, /^ENC\[/);
    assert.match(enc, /^# the database credentials$/m, 'top-level comments are not under data/stringData');
    assert.equal(doc.sops.encrypted_regex, '^(data|stringData)$');
    assert.equal(doc.sops.unencrypted_suffix, undefined);
    assert.deepEqual(parseYaml(await decryptSops(enc, 'secret.yaml', keys)), parseYaml(SECRET_YAML));
  });

  test('unencrypted_suffix leaves matching keys (and everything under them) in the clear', async () => {
    const enc = await encryptSops('user: admin\nnote_unencrypted:\n    text: visible\npassword: s3cr3t-password\n', 's.yaml', { recipients: [meRecipient] });
    const doc = parseYaml(enc);
    assert.deepEqual(doc.note_unencrypted, { text: 'visible' });
    assert.match(doc.user, /^ENC\[/);
    assert.equal(parseYaml(await decryptSops(enc, 's.yaml', keys)).password, 's3cr3t-password');
  });

  test('mac_only_encrypted: clear values may change, encrypted ones may not', async () => {
    const enc = await encryptSops('kind: Secret\ndata:\n    password: s3cr3t-password\n', 's.yaml', {
      recipients: [meRecipient],
      encryptedRegex: '^data$',
      macOnlyEncrypted: true,
    });
    assert.match(enc, /^ {4}mac_only_encrypted: true$/m);
    assert.equal(parseYaml(await decryptSops(enc.replace('kind: Secret', 'kind: ConfigMap'), 's.yaml', keys)).kind, 'ConfigMap');
    const withDefault = await encryptSops('kind: Secret\ndata:\n    password: s3cr3t-password\n', 's.yaml', { recipients: [meRecipient], encryptedRegex: '^data$' });
    assert.equal((await rejection(decryptSops(withDefault.replace('kind: Secret', 'kind: ConfigMap'), 's.yaml', keys))).reason, 'integrity');
  });

  test('multi-document YAML: one data key and one MAC over all documents, metadata in each', async () => {
    const plain = 'a: s3cr3t-password\n---\nb: hunter2-token\nn: 1\n';
    const enc = await encryptSops(plain, 'multi.yaml', { recipients: [meRecipient] });
    const docs = parseAllDocuments(enc) as { toJS(): Record<string, unknown> }[];
    assert.equal(docs.length, 2);
    assert.deepEqual(docs[0].toJS().sops, docs[1].toJS().sops);
    const out = await decryptSops(enc, 'multi.yaml', keys);
    assert.deepEqual(
      (parseAllDocuments(out) as { toJS(): unknown }[]).map((d) => d.toJS()),
      [{ a: 's3cr3t-password' }, { b: 'hunter2-token', n: 1 }],
    );
    // Dropping the second document breaks the MAC.
    const firstOnly = enc.slice(0, enc.indexOf('\n---\n') + 1);
    assert.equal(parseAllDocuments(firstOnly).length, 1);
    assert.equal((await rejection(decryptSops(firstOnly, 'multi.yaml', keys))).reason, 'integrity');
  });
});

describe('integrity', () => {
  test('a value moved to another key fails authentication, naming the file and the key path', async () => {
    const enc = await encryptSops('a: s3cr3t-password\nb: hunter2-token\n', 'creds.yaml', { recipients: [meRecipient] });
    const doc = parseYaml(enc);
    const swapped = enc.replace(doc.a, '@A@').replace(doc.b, doc.a).replace('@A@', doc.b);
    const err = await rejection(decryptSops(swapped, 'repo/creds.yaml', keys));
    assert.equal(err.reason, 'integrity');
    assert.match(err.message, /^repo\/creds\.yaml has a value at "a" that failed authentication/);
  });

  test('list items swapped (same key path, so each still authenticates) fail the MAC', async () => {
    const enc = await encryptSops('list:\n    - s3cr3t-password\n    - hunter2-token\n', 'l.yaml', { recipients: [meRecipient] });
    const [x, y] = parseYaml(enc).list as string[];
    const swapped = enc.replace(x, '@X@').replace(y, x).replace('@X@', y);
    const err = await rejection(decryptSops(swapped, 'l.yaml', keys));
    assert.equal(err.reason, 'integrity');
    assert.match(err.message, /^l\.yaml failed its MAC check: the content does not match the MAC/);
  });

  test('a clear value of an encrypted_regex file edited fails the MAC', async () => {
    const enc = await encryptSops('kind: Secret\ndata:\n    password: s3cr3t-password\n', 's.yaml', { recipients: [meRecipient], encryptedRegex: '^data$' });
    const err = await rejection(decryptSops(enc.replace('kind: Secret', 'kind: Evil'), 'apps/api/secret.enc.yaml', keys));
    assert.equal(err.reason, 'integrity');
    assert.match(err.message, /^apps\/api\/secret\.enc\.yaml failed its MAC check/);
  });

  test('tampered lastmodified is refused', async () => {
    const enc = await encryptSops('a: s3cr3t-password\n', 's.yaml', { recipients: [meRecipient], lastModified: new Date('2024-01-01T00:00:00Z') });
    const err = await rejection(decryptSops(enc.replace('2024-01-01T00:00:00Z', '2024-01-01T00:00:01Z'), 's.yaml', keys));
    assert.equal(err.reason, 'integrity');
    assert.match(err.message, /^s\.yaml failed its MAC check: the encrypted MAC does not verify/);
  });

  test('a removed MAC is refused', async () => {
    const enc = await encryptSops('a: s3cr3t-password\n', 's.yaml', { recipients: [meRecipient] });
    const err = await rejection(decryptSops(enc.replace(/^ {4}mac: .*$/m, '    mac: ""'), 's.yaml', keys));
    assert.equal(err.reason, 'integrity');
  });

  test('a malformed ENC value names the file and the key path but not the value', async () => {
    const enc = await encryptSops('stringData:\n    token: hunter2-token\n', 's.yaml', { recipients: [meRecipient] });
    const token = parseYaml(enc).stringData.token as string;
    const broken = enc.replace(token, token.replace(',iv:', ',iv:!!'));
    const err = await rejection(decryptSops(broken, 'apps/s.yaml', keys));
    assert.equal(err.reason, 'malformed');
    assert.equal(err.message, 'apps/s.yaml has a value at "stringData.token" that is not a well-formed ENC[AES256_GCM,...] value');
    assert.ok(!err.message.includes(token.slice(20, 40)));
  });

  test('a clear value where an encrypted one is expected is refused', async () => {
    const enc = await encryptSops('stringData:\n    token: hunter2-token\n', 's.yaml', { recipients: [meRecipient] });
    const token = parseYaml(enc).stringData.token as string;
    const err = await rejection(decryptSops(enc.replace(token, 'hunter2-token'), 's.yaml', keys));
    assert.equal(err.reason, 'malformed');
    assert.match(err.message, /^s\.yaml has a value at "stringData\.token" that is not a well-formed ENC/);
  });
});

describe('keys', () => {
  test('the wrong key names the file, the recipients and the variables to set', async () => {
    const enc = await encryptSops('a: s3cr3t-password\n', 's.yaml', { recipients: [meRecipient] });
    const stranger = await generateIdentity();
    const err = await rejection(decryptSops(enc, 'apps/api/s.yaml', { identities: [stranger], sources: ['SOPS_AGE_KEY'] }));
    assert.equal(err.reason, 'no-key');
    assert.ok(err.message.startsWith('apps/api/s.yaml is SOPS-encrypted for age recipients '), err.message);
    assert.ok(err.message.includes(meRecipient));
    assert.ok(err.message.includes(await identityToRecipient(stranger)), 'names the public key that was tried');
    assert.ok(!err.message.includes(stranger), 'never prints a secret key');
    assert.match(err.message, /set SOPS_AGE_KEY or SOPS_AGE_KEY_FILE/);
  });

  test('no key at all says which variable to set', async () => {
    const enc = await encryptSops('a: s3cr3t-password\n', 's.yaml', { recipients: [meRecipient, otherRecipient] });
    const err = await rejection(decryptSops(enc, 's.yaml', await loadSopsKeys({})));
    assert.equal(err.reason, 'no-key');
    assert.equal(
      err.message,
      `s.yaml is SOPS-encrypted for age recipients ${meRecipient}, ${otherRecipient} but no age key is configured: set SOPS_AGE_KEY or SOPS_AGE_KEY_FILE`,
    );
  });

  test('loadSopsKeys reads SOPS_AGE_KEY (several lines) and SOPS_AGE_KEY_FILE (with comments)', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'capstan-sops-'));
    try {
      const third = await generateIdentity();
      const file = path.join(dir, 'keys.txt');
      await writeFile(file, `# created: 2024-01-01\n# public key: ${await identityToRecipient(third)}\n${third}\n\n${me}\n`);
      const loaded = await loadSopsKeys({ SOPS_AGE_KEY: `${me}\n${other}\n`, SOPS_AGE_KEY_FILE: file });
      assert.deepEqual(loaded.identities, [me, other, third]);
      assert.deepEqual(loaded.sources, ['SOPS_AGE_KEY', file]);
      const extra = await loadSopsKeys({}, { keyFiles: [file] });
      assert.deepEqual(extra.identities, [third, me]);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  test('a malformed key line is reported by source and line, without its content', async () => {
    // One character changed: the bech32 checksum no longer matches.
    const bad = me.slice(0, -1) + (me.endsWith('Q') ? 'P' : 'Q');
    await assert.rejects(loadSopsKeys({ SOPS_AGE_KEY: `${me}\n${bad}\n` }), (err: unknown) => {
      assert.ok(err instanceof ValidationError);
      assert.equal(err.message, 'age keys from SOPS_AGE_KEY line 2 is not a valid age identity (bad checksum or length)');
      assert.ok(!err.message.includes(bad) && !err.message.includes(me));
      return true;
    });
    await assert.rejects(loadSopsKeys({ SOPS_AGE_KEY_FILE: path.join(testdata, 'flux-secret.enc.yaml') }), (err: unknown) => {
      assert.ok(err instanceof ValidationError);
      assert.match(err.message, /^age keys from .*flux-secret\.enc\.yaml line 1 is not an age identity \(expected AGE-SECRET-KEY-1\.\.\.\)$/);
      return true;
    });
    await assert.rejects(loadSopsKeys({ SOPS_AGE_KEY_FILE: path.join(testdata, 'does-not-exist.txt') }), /age key file SOPS_AGE_KEY_FILE .* could not be read: ENOENT/);
  });
});

test('isSopsEncrypted tells SOPS files from plain ones', async () => {
  assert.equal(isSopsEncrypted(await fixture('flux-secret.enc.yaml')), true);
  assert.equal(isSopsEncrypted(SECRET_YAML), false);
  assert.equal(isSopsEncrypted('{"sops": "a word"}'), false);
  assert.equal(isSopsEncrypted('sops:\n    note: no mac here\n'), false);
  assert.equal(isSopsEncrypted(await encryptSops('{"a": 1}', 'a.json', { recipients: [meRecipient] })), true);
});

test('files sops cannot represent are refused with the file named', async () => {
  assert.match((await rejection(encryptSops('- a\n- b\n', 'list.yaml', { recipients: [meRecipient] }))).message, /^list\.yaml is a YAML document that is not a map/);
  assert.match((await rejection(encryptSops('a: 1\n', 'a.yaml', { recipients: [meRecipient], encryptedRegex: 'x', unencryptedSuffix: '_u' }))).message, /more than one of/);
  assert.match((await rejection(decryptSops('a: 1\n', 'plain.yaml', keys))).message, /^plain\.yaml has no SOPS metadata/);
  assert.match((await rejection(decryptSops('{"a": ', 'bad.json', keys))).message, /^bad\.json is not valid JSON/);
});

describe('without a key (readSopsStructure)', () => {
  const sync = (fn: () => unknown): Promise<unknown> => new Promise((resolve) => resolve(fn()));

  test('the document comes back without metadata, each encrypted value empty of its type, the clear ones as they are', async () => {
    const plain = 'apiVersion: v1\nkind: Secret\nmetadata:\n    name: db\nstringData:\n    token: hunter2-token\n    empty: ""\n    replicas: 3\n    ratio: 0.25\n    enabled: true\n';
    const enc = await encryptSops(plain, 'apps/s.yaml', { recipients: [meRecipient], encryptedRegex: '^stringData$' });
    assert.deepEqual(parseYaml(readSopsStructure(enc, 'apps/s.yaml')), {
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: { name: 'db' },
      stringData: { token: '', empty: '', replicas: 0, ratio: 0, enabled: false },
    });
    const json = await encryptSops('{"kind": "Secret", "data": {"key": "json-api-key"}}', 'a.json', { recipients: [meRecipient] });
    assert.deepEqual(JSON.parse(readSopsStructure(json, 'a.json')), { kind: '', data: { key: '' } });
  });

  test('what can be checked without a key is: a MAC, well-formed values, no clear value where an encrypted one belongs, an age recipient', async () => {
    const enc = await encryptSops('stringData:\n    token: hunter2-token\n', 's.yaml', { recipients: [meRecipient] });
    const token = parseYaml(enc).stringData.token as string;
    const noMac = await rejection(sync(() => readSopsStructure(enc.replace(/^ {4}mac: .*$/m, '    mac: ""'), 's.yaml')));
    assert.equal(noMac.message, 's.yaml has SOPS metadata without a MAC; capstan refuses files whose integrity cannot be checked');
    const brokenMac = await rejection(sync(() => readSopsStructure(enc.replace(/^( {4}mac: ENC\[AES256_GCM,data:)/m, '$1!'), 's.yaml')));
    assert.equal(brokenMac.message, 's.yaml has a SOPS MAC that is not a well-formed ENC[...] value');
    const malformed = await rejection(sync(() => readSopsStructure(enc.replace(token, token.replace(',iv:', ',iv:!!')), 'apps/s.yaml')));
    assert.equal(malformed.message, 'apps/s.yaml has a value at "stringData.token" that is not a well-formed ENC[AES256_GCM,...] value');
    const clear = await rejection(sync(() => readSopsStructure(enc.replace(token, 'hunter2-token'), 's.yaml')));
    assert.equal(clear.message, 's.yaml has a value at "stringData.token" that is not a well-formed ENC[AES256_GCM,...] value');
    const noAge = await rejection(sync(() => readSopsStructure(enc.replace(/^ {4}age:\n(?: {8}.*\n| {12}.*\n)+/m, '    pgp:\n        - fp: ABCD\n'), 's.yaml')));
    assert.equal(noAge.message, 's.yaml is not encrypted to any age recipient (it has only pgp keys); capstan decrypts SOPS files with age keys only');
  });
});
