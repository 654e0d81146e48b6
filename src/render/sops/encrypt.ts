// Encrypts a YAML or JSON file as `sops --encrypt --age …` does, writing the metadata sops 3.9+ writes.
// Used for test fixtures and for the encrypted Secret of capstan's example repository.
import { createHash, randomBytes } from 'node:crypto';
import { isMap, isScalar, parseAllDocuments, stringify, visit, type Document } from 'yaml';
import { encryptValue, valueBytes } from './cipher.ts';
import { DATA_KEY_BYTES, encryptDataKey } from './data-key.ts';
import { parseJsonFile, sopsFormatOf, type SopsFormat } from './decrypt.ts';
import { SopsError } from './errors.ts';
import { stringifyJsonTree, type JsonNode } from './json-tree.ts';
import {
  additionalData,
  checkRules,
  formatLastModified,
  MAC_ONLY_ENCRYPTED_INIT,
  shouldBeEncrypted,
  type AgeStanza,
  type EncryptionRules,
} from './metadata.ts';
import { expandAliases, METADATA_KEY, TreeShapeError, walkJsonTree, walkYamlDocument, type TreeVisitor } from './walk.ts';

/** The sops release whose file layout `encryptSops` writes (empty key lists omitted, as since 3.9). */
export const SOPS_FORMAT_VERSION = '3.9.4';

export interface EncryptSopsOptions extends EncryptionRules {
  /** age recipients (age1...); the data key is encrypted to each. */
  recipients: string[];
  /** Defaults to now. */
  lastModified?: Date;
  /** Defaults to the format of `file`'s extension. */
  format?: SopsFormat;
  /** The `version` written in the metadata; defaults to SOPS_FORMAT_VERSION. */
  version?: string;
}

/**
 * Encrypts a plaintext YAML (every document) or JSON file for the given age recipients. Keys stay in
 * the clear, values and comments are encrypted unless the rule (`unencryptedSuffix` by default
 * `_unencrypted`, or one of `encryptedSuffix`, `unencryptedRegex`, `encryptedRegex`) leaves them out.
 */
export async function encryptSops(plainText: string, file: string, options: EncryptSopsOptions): Promise<string> {
  if (options.recipients.length === 0) throw new SopsError(file, 'malformed', 'cannot be encrypted without at least one age recipient');
  const rules = checkRules(options, file);
  const format = options.format ?? sopsFormatOf(file, plainText);
  const dataKey = randomBytes(DATA_KEY_BYTES);
  const lastModified = formatLastModified(options.lastModified ?? new Date());
  const hash = createHash('sha512');
  if (rules.macOnlyEncrypted) hash.update(MAC_ONLY_ENCRYPTED_INIT);
  const visitor: TreeVisitor = {
    leaf(path, value, set) {
      const encrypted = shouldBeEncrypted(rules, path);
      if (!rules.macOnlyEncrypted || encrypted) hash.update(valueBytes(value));
      if (encrypted) set({ type: 'str', value: encryptValue(value, dataKey, additionalData(path)) });
    },
    comment(path, text) {
      return shouldBeEncrypted(rules, path) ? encryptValue({ type: 'comment', value: text }, dataKey, additionalData(path)) : text;
    },
  };
  const finish = async (): Promise<SopsMetadataOut> => {
    let age: AgeStanza[];
    try {
      age = await encryptDataKey(dataKey, options.recipients);
    } catch (err) {
      throw new SopsError(file, 'malformed', `cannot be encrypted: a recipient is not a valid age public key (${(err as Error).message})`, { cause: err });
    }
    const mac = encryptValue({ type: 'str', value: hash.digest('hex').toUpperCase() }, dataKey, lastModified);
    return { age, lastModified, mac, rules, version: options.version ?? SOPS_FORMAT_VERSION };
  };
  return format === 'json' ? encryptJson(plainText, file, visitor, finish) : encryptYaml(plainText, file, visitor, finish);
}

interface SopsMetadataOut {
  age: AgeStanza[];
  lastModified: string;
  mac: string;
  rules: EncryptionRules;
  version: string;
}

const RULE_KEYS = [
  ['unencryptedSuffix', 'unencrypted_suffix'],
  ['encryptedSuffix', 'encrypted_suffix'],
  ['unencryptedRegex', 'unencrypted_regex'],
  ['encryptedRegex', 'encrypted_regex'],
] as const;

async function encryptYaml(text: string, file: string, visitor: TreeVisitor, finish: () => Promise<SopsMetadataOut>): Promise<string> {
  const parsed = parseAllDocuments(text);
  const docs = (Array.isArray(parsed) ? parsed : []) as Document[];
  for (const doc of docs) {
    const err = doc.errors[0];
    if (err) {
      const at = err.linePos ? ` at line ${err.linePos[0].line}, column ${err.linePos[0].col}` : '';
      throw new SopsError(file, 'malformed', `is not valid YAML (${err.code})${at}`);
    }
    if (isMap(doc.contents) && doc.contents.has(METADATA_KEY)) throw new SopsError(file, 'malformed', 'is already SOPS-encrypted (has a top-level "sops" key)');
  }
  if (docs.length === 0) throw new SopsError(file, 'malformed', 'has no YAML document to encrypt');
  for (const doc of docs) {
    guard(file, () => {
      expandAliases(doc);
      normalizeStyle(doc);
      walkYamlDocument(doc, visitor);
    });
  }
  const meta = await finish();
  const block = yamlMetadataBlock(meta);
  return docs
    .map((doc) => {
      if (doc.directives) doc.directives.docStart = null;
      const empty = doc.contents === null || (isMap(doc.contents) && doc.contents.items.length === 0);
      if (empty) doc.contents = null;
      const body = empty && !doc.commentBefore && !doc.comment ? '' : doc.toString({ indent: 4, indentSeq: true, lineWidth: 0, blockQuote: 'literal' });
      return (body === 'null\n' ? '' : body) + block;
    })
    .join('---\n');
}

/** sops re-emits a decoded tree: block collections, scalars quoted only when they must be. */
function normalizeStyle(doc: Document): void {
  visit(doc, {
    Map(_k, node) {
      node.flow = false;
    },
    Seq(_k, node) {
      node.flow = false;
    },
    Scalar(_k, node) {
      if (isScalar(node) && typeof node.value === 'string' && !node.tag) node.type = undefined;
    },
  });
}

function yamlMetadataBlock(meta: SopsMetadataOut): string {
  const lines = ['sops:', '    age:'];
  for (const { recipient, enc } of meta.age) {
    lines.push(`        - recipient: ${recipient}`, '          enc: |');
    for (const line of enc.replace(/\n$/, '').split('\n')) lines.push(`            ${line}`);
  }
  lines.push(`    lastmodified: "${meta.lastModified}"`, `    mac: ${meta.mac}`);
  for (const [prop, key] of RULE_KEYS) {
    const v = meta.rules[prop];
    if (v) lines.push(`    ${key}: ${yamlScalar(v)}`);
  }
  if (meta.rules.macOnlyEncrypted) lines.push('    mac_only_encrypted: true');
  lines.push(`    version: ${yamlScalar(meta.version)}`);
  return `${lines.join('\n')}\n`;
}

function yamlScalar(value: string): string {
  return stringify(value, { lineWidth: 0 }).replace(/\n$/, '');
}

async function encryptJson(text: string, file: string, visitor: TreeVisitor, finish: () => Promise<SopsMetadataOut>): Promise<string> {
  const root = parseJsonFile(text, file);
  if (root.t === 'object' && root.entries.some(([k]) => k === METADATA_KEY)) {
    throw new SopsError(file, 'malformed', 'is already SOPS-encrypted (has a top-level "sops" key)');
  }
  guard(file, () => walkJsonTree(root, visitor));
  const meta = await finish();
  const str = (v: string): JsonNode => ({ t: 'string', v });
  const entries: [string, JsonNode][] = [
    ['age', { t: 'array', items: meta.age.map((a) => ({ t: 'object', entries: [['recipient', str(a.recipient)], ['enc', str(a.enc)]] })) }],
    ['lastmodified', str(meta.lastModified)],
    ['mac', str(meta.mac)],
  ];
  for (const [prop, key] of RULE_KEYS) {
    const v = meta.rules[prop];
    if (v) entries.push([key, str(v)]);
  }
  if (meta.rules.macOnlyEncrypted) entries.push(['mac_only_encrypted', { t: 'bool', v: true }]);
  entries.push(['version', str(meta.version)]);
  if (root.t === 'object') root.entries.push([METADATA_KEY, { t: 'object', entries }]);
  return stringifyJsonTree(root);
}

function guard(file: string, fn: () => void): void {
  try {
    fn();
  } catch (err) {
    if (err instanceof TreeShapeError) throw new SopsError(file, 'malformed', err.message);
    throw err;
  }
}
