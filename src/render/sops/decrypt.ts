// Decrypts a SOPS YAML or JSON file with age identities and verifies its MAC, as `sops --decrypt` does.
import { createHash, timingSafeEqual, type Hash } from 'node:crypto';
import { isMap, isScalar, parseAllDocuments, type Document } from 'yaml';
import { decryptValue, envelopeType, looksEncrypted, ValueCipherError, valueBytes, type PlainValue } from './cipher.ts';
import { decryptDataKey } from './data-key.ts';
import { SopsError } from './errors.ts';
import { JsonSyntaxError, parseJsonTree, stringifyJsonTree, type JsonNode } from './json-tree.ts';
import type { SopsKeys } from './keys.ts';
import {
  additionalData,
  lastModifiedAdditionalData,
  MAC_ONLY_ENCRYPTED_INIT,
  readMetadata,
  shouldBeEncrypted,
  type SopsMetadata,
} from './metadata.ts';
import { describe, expandAliases, METADATA_KEY, TreeShapeError, walkJsonTree, walkYamlDocument, type TreeVisitor } from './walk.ts';

export type SopsFormat = 'yaml' | 'json';

/** The format of a SOPS file by its extension (`.json` is JSON, everything else YAML), as sops decides. */
export function sopsFormatOf(file: string, text?: string): SopsFormat {
  if (/\.json$/i.test(file)) return 'json';
  if (/\.ya?ml$/i.test(file)) return 'yaml';
  return text !== undefined && text.trimStart().startsWith('{') ? 'json' : 'yaml';
}

/** Keys sops writes into its metadata: a top-level `sops` map with any of them is SOPS metadata. */
const metadataKeys = new Set([
  'mac', 'lastmodified', 'version', 'age', 'pgp', 'kms', 'gcp_kms', 'azure_kv', 'hc_vault', 'key_groups', 'shamir_threshold',
  'encrypted_regex', 'unencrypted_regex', 'encrypted_suffix', 'unencrypted_suffix', 'mac_only_encrypted', 'encrypted_comment_regex', 'unencrypted_comment_regex',
]);

/**
 * True when the text of a YAML or JSON file is a SOPS document: some document has a top-level
 * `sops` map holding SOPS metadata, or a top-level `sops` key beside `ENC[…]` values. The MAC is
 * not required here: decrypting refuses a file without one (or with an empty one), where taking it
 * for a plain file would apply its `ENC[…]` values and `sops` key unchecked. A `sops` key that holds
 * something else (a chart's `sops: {enabled: true}` value, say) does not make a file SOPS.
 */
export function isSopsEncrypted(text: string): boolean {
  if (!text.includes('sops')) return false;
  const encryptedValues = /ENC\[AES256_GCM,/.test(text);
  for (const doc of parseAllDocuments(text, { prettyErrors: false })) {
    if (doc.errors.length > 0) {
      // decrypting reports where a SOPS file is broken, without quoting it
      if (/^["']?sops["']?[ \t]*:/m.test(text)) return true;
      continue;
    }
    if (!isMap(doc.contents) || !doc.contents.has('sops')) continue;
    const meta = doc.contents.get('sops', true);
    if (encryptedValues) return true;
    if (isMap(meta) && meta.items.some((pair) => isScalar(pair.key) && metadataKeys.has(String(pair.key.value)))) return true;
  }
  return false;
}

/**
 * Decrypts a SOPS file (YAML or JSON, by `file`'s extension) and checks its MAC; returns the
 * plaintext document in the same format. Errors name `file` and never contain a secret value.
 */
export async function decryptSops(text: string, file: string, keys: SopsKeys): Promise<string> {
  const format = sopsFormatOf(file, text);
  return format === 'json' ? decryptJson(text, file, keys) : decryptYaml(text, file, keys);
}

async function decryptYaml(text: string, file: string, keys: SopsKeys): Promise<string> {
  const docs = parseYamlDocuments(text, file);
  const first = docs[0];
  const rawMeta = first && isMap(first.contents) ? first.contents.get(METADATA_KEY, true) : undefined;
  if (!rawMeta) throw new SopsError(file, 'malformed', 'has no SOPS metadata (no top-level "sops" key)');
  const meta = readMetadata(rawMeta.toJSON(), file);
  const key = await decryptDataKey(meta, keys, file);
  const mac = startMac(meta);
  for (const doc of docs) {
    shaped(file, () => {
      expandAliases(doc);
      walkYamlDocument(doc, decryptingVisitor(meta, key, mac, file));
    });
    // Every document of a multi-document file carries the same metadata; all of them lose it.
    if (isMap(doc.contents)) doc.contents.delete(METADATA_KEY);
  }
  verifyMac(meta, key, mac, file);
  return docs
    .map((doc, i) => {
      if (i > 0 && doc.directives) doc.directives.docStart = true;
      return doc.toString({ indent: 4, indentSeq: true, lineWidth: 0 });
    })
    .join('');
}

/**
 * What can be checked of a SOPS file without a key (`capstan validate` where no age key is
 * configured): its SOPS metadata (an age recipient, a MAC, `lastmodified`, the encryption rules), a
 * well-formed MAC envelope, and every value the rules encrypt being a well-formed `ENC[…]` value.
 * Returns the document without its metadata and with each encrypted value replaced by an empty one
 * of its type (`""`, `0`, `false`), so that the rest of the object can be checked. Nothing is
 * decrypted: neither the values nor the MAC are authenticated, and the output holds no secret.
 */
export function readSopsStructure(text: string, file: string): string {
  const visitor = (meta: SopsMetadata): TreeVisitor => placeholderVisitor(meta, file);
  if (sopsFormatOf(file, text) === 'json') {
    const root = parseJsonFile(text, file);
    const entry = root.t === 'object' ? root.entries.find(([k]) => k === METADATA_KEY) : undefined;
    if (!entry) throw new SopsError(file, 'malformed', 'has no SOPS metadata (no top-level "sops" key)');
    const meta = checkedMetadata(jsonToPlain(entry[1]), file);
    shaped(file, () => walkJsonTree(root, visitor(meta)));
    if (root.t === 'object') root.entries = root.entries.filter(([k]) => k !== METADATA_KEY);
    return stringifyJsonTree(root);
  }
  const docs = parseYamlDocuments(text, file);
  const first = docs[0];
  const rawMeta = first && isMap(first.contents) ? first.contents.get(METADATA_KEY, true) : undefined;
  if (!rawMeta) throw new SopsError(file, 'malformed', 'has no SOPS metadata (no top-level "sops" key)');
  const meta = checkedMetadata(rawMeta.toJSON(), file);
  for (const doc of docs) {
    shaped(file, () => {
      expandAliases(doc);
      walkYamlDocument(doc, visitor(meta));
    });
    if (isMap(doc.contents)) doc.contents.delete(METADATA_KEY);
  }
  return docs
    .map((doc, i) => {
      if (i > 0 && doc.directives) doc.directives.docStart = true;
      return doc.toString({ indent: 4, indentSeq: true, lineWidth: 0 });
    })
    .join('');
}

/** The metadata, as far as it can be checked without a key. */
function checkedMetadata(raw: unknown, file: string): SopsMetadata {
  const meta = readMetadata(raw, file);
  if (meta.age.length === 0) {
    const others = meta.otherKeyTypes.length > 0 ? ` (it has only ${meta.otherKeyTypes.join(', ')} keys)` : '';
    throw new SopsError(file, 'unsupported', `is not encrypted to any age recipient${others}; capstan decrypts SOPS files with age keys only`);
  }
  if (lastModifiedAdditionalData(meta.lastModified) === undefined) throw new SopsError(file, 'malformed', 'has SOPS metadata "lastmodified" that is not an RFC 3339 time');
  if (envelopeType(meta.mac) !== 'str' || meta.mac === '') throw new SopsError(file, 'malformed', 'has a SOPS MAC that is not a well-formed ENC[...] value');
  return meta;
}

function placeholderVisitor(meta: SopsMetadata, file: string): TreeVisitor {
  return {
    leaf(path, value, set) {
      if (!shouldBeEncrypted(meta, path)) return;
      if (value.type !== 'str') throw new SopsError(file, 'malformed', `has a clear ${value.type} value at ${describe(path)} where SOPS expects an encrypted one`);
      const type = envelopeType(value.value);
      if (type === undefined) throw new SopsError(file, 'malformed', `has a value at ${describe(path)} that is not a well-formed ENC[AES256_GCM,...] value`);
      set(placeholderOf(type, file, path));
    },
  };
}

function placeholderOf(type: string, file: string, path: readonly string[]): PlainValue {
  switch (type) {
    case 'str':
    case 'bytes':
      return { type: 'str', value: '' };
    case 'int':
    case 'int64':
      return { type: 'int', value: 0 };
    case 'float':
      return { type: 'float', value: 0 };
    case 'bool':
      return { type: 'bool', value: false };
    case 'comment':
      throw new SopsError(file, 'malformed', `has a comment where a value belongs at ${describe(path)}`);
    default:
      throw new SopsError(file, 'malformed', `has a value at ${describe(path)} that has an unknown type "${type}"`);
  }
}

/** The order-preserving tree of a SOPS JSON file; a syntax error names the file and the offset, never the text. */
export function parseJsonFile(text: string, file: string): JsonNode {
  try {
    return parseJsonTree(text);
  } catch (err) {
    if (err instanceof JsonSyntaxError) throw new SopsError(file, 'malformed', `is not valid JSON: ${err.message}`);
    throw err;
  }
}

async function decryptJson(text: string, file: string, keys: SopsKeys): Promise<string> {
  const root = parseJsonFile(text, file);
  const entry = root.t === 'object' ? root.entries.find(([k]) => k === METADATA_KEY) : undefined;
  if (!entry) throw new SopsError(file, 'malformed', 'has no SOPS metadata (no top-level "sops" key)');
  const meta = readMetadata(jsonToPlain(entry[1]), file);
  const key = await decryptDataKey(meta, keys, file);
  const mac = startMac(meta);
  shaped(file, () => walkJsonTree(root, decryptingVisitor(meta, key, mac, file)));
  verifyMac(meta, key, mac, file);
  if (root.t === 'object') root.entries = root.entries.filter(([k]) => k !== METADATA_KEY);
  return stringifyJsonTree(root);
}

function decryptingVisitor(meta: SopsMetadata, key: Uint8Array, mac: Hash, file: string): TreeVisitor {
  return {
    leaf(path, value, set) {
      const encrypted = shouldBeEncrypted(meta, path);
      let plain: PlainValue = value;
      if (encrypted) {
        if (value.type !== 'str') {
          throw new SopsError(file, 'malformed', `has a clear ${value.type} value at ${describe(path)} where SOPS expects an encrypted one`);
        }
        try {
          plain = decryptValue(value.value, key, additionalData(path));
        } catch (err) {
          if (err instanceof ValueCipherError) {
            const reason = err.reason === 'authentication' ? 'integrity' : 'malformed';
            throw new SopsError(file, reason, `has a value at ${describe(path)} that ${err.message}`);
          }
          throw err;
        }
        if (plain.type === 'comment') throw new SopsError(file, 'malformed', `has a comment where a value belongs at ${describe(path)}`);
        set(plain);
      }
      if (!meta.macOnlyEncrypted || encrypted) mac.update(valueBytes(plain));
    },
    comment(path, text) {
      // Comments are not covered by the MAC; sops keeps one it cannot decrypt as it is.
      if (!looksEncrypted(text) || !shouldBeEncrypted(meta, path)) return text;
      try {
        const plain = decryptValue(text, key, additionalData(path));
        return plain.type === 'comment' || plain.type === 'str' ? plain.value : text;
      } catch {
        return text;
      }
    },
  };
}

function startMac(meta: SopsMetadata): Hash {
  const hash = createHash('sha512');
  if (meta.macOnlyEncrypted) hash.update(MAC_ONLY_ENCRYPTED_INIT);
  return hash;
}

function verifyMac(meta: SopsMetadata, key: Uint8Array, mac: Hash, file: string): void {
  const computed = mac.digest('hex').toUpperCase();
  const aad = lastModifiedAdditionalData(meta.lastModified);
  if (aad === undefined) throw new SopsError(file, 'malformed', 'has SOPS metadata "lastmodified" that is not an RFC 3339 time');
  let stored: PlainValue;
  try {
    stored = decryptValue(meta.mac, key, aad);
  } catch (err) {
    if (err instanceof ValueCipherError && err.reason === 'authentication') {
      throw new SopsError(file, 'integrity', 'failed its MAC check: the encrypted MAC does not verify (the SOPS metadata, e.g. lastmodified, was changed)');
    }
    throw new SopsError(file, 'malformed', 'has a SOPS MAC that is not a well-formed ENC[...] value');
  }
  const a = Buffer.from(computed, 'utf8');
  const b = Buffer.from(stored.type === 'str' ? stored.value : '', 'utf8');
  if (a.length !== b.length || !timingSafeEqual(a, b)) {
    throw new SopsError(file, 'integrity', 'failed its MAC check: the content does not match the MAC (a value was edited, added, removed or moved)');
  }
}

function parseYamlDocuments(text: string, file: string): Document[] {
  const docs = parseAllDocuments(text);
  if (!Array.isArray(docs)) return [];
  for (const doc of docs) {
    const err = doc.errors[0];
    if (err) {
      // Only the position: yaml's own messages quote the source, which may hold secrets.
      const at = err.linePos ? ` at line ${err.linePos[0].line}, column ${err.linePos[0].col}` : '';
      throw new SopsError(file, 'malformed', `is not valid YAML (${err.code})${at}`);
    }
  }
  return docs as Document[];
}

function shaped(file: string, fn: () => void): void {
  try {
    fn();
  } catch (err) {
    if (err instanceof TreeShapeError) throw new SopsError(file, 'malformed', err.message);
    throw err;
  }
}

function jsonToPlain(node: JsonNode): unknown {
  switch (node.t) {
    case 'object':
      return Object.fromEntries(node.entries.map(([k, v]) => [k, jsonToPlain(v)]));
    case 'array':
      return node.items.map(jsonToPlain);
    case 'null':
      return null;
    default:
      return node.v;
  }
}
