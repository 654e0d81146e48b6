// The value cipher of SOPS: AES-256-GCM with a 32-byte IV, one value at a time, the key path as
// additional data, and the textual envelope `ENC[AES256_GCM,data:…,iv:…,tag:…,type:…]`.
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';

/** A plaintext leaf of a SOPS tree, typed as sops types it in the `type:` field. */
export type PlainValue =
  | { type: 'str'; value: string }
  | { type: 'int'; value: number }
  | { type: 'float'; value: number }
  | { type: 'bool'; value: boolean }
  | { type: 'comment'; value: string };

/** Why a value could not be decrypted; the caller adds the file and the key path. */
export class ValueCipherError extends Error {
  constructor(readonly reason: 'malformed' | 'authentication', message: string) {
    super(message);
    this.name = 'ValueCipherError';
  }
}

const B64 = '[A-Za-z0-9+/]+={0,2}';
const ENC_RE = new RegExp(`^ENC\\[AES256_GCM,data:(${B64}),iv:(${B64}),tag:(${B64}),type:([a-z0-9]+)\\]$`);
const IV_BYTES = 32;
const TAG_BYTES = 16;

/** True when the text looks like a SOPS envelope (well-formed or not). */
export function looksEncrypted(text: string): boolean {
  return text.startsWith('ENC[');
}

/**
 * The `type:` of a well-formed envelope, its data left encrypted (nothing is authenticated); undefined
 * when the text is not one. The empty string, which sops leaves unencrypted, is a `str`.
 */
export function envelopeType(text: string): string | undefined {
  if (text === '') return 'str';
  const match = ENC_RE.exec(text);
  if (!match || Buffer.from(match[2], 'base64').length === 0 || Buffer.from(match[3], 'base64').length !== TAG_BYTES) return undefined;
  return match[4];
}

/** Encrypts one value; empty strings and comments stay empty, as sops leaves them. */
export function encryptValue(plain: PlainValue, key: Uint8Array, additionalData: string): string {
  if ((plain.type === 'str' || plain.type === 'comment') && plain.value === '') return '';
  const iv = randomBytes(IV_BYTES);
  const cipher = createCipheriv('aes-256-gcm', key, iv, { authTagLength: TAG_BYTES });
  cipher.setAAD(Buffer.from(additionalData, 'utf8'));
  const data = Buffer.concat([cipher.update(valueBytes(plain)), cipher.final()]);
  const tag = cipher.getAuthTag();
  return `ENC[AES256_GCM,data:${data.toString('base64')},iv:${iv.toString('base64')},tag:${tag.toString('base64')},type:${plain.type}]`;
}

/** Decrypts one envelope; an empty string decrypts to the empty string, as in sops. */
export function decryptValue(text: string, key: Uint8Array, additionalData: string): PlainValue {
  if (text === '') return { type: 'str', value: '' };
  const match = ENC_RE.exec(text);
  if (!match) throw new ValueCipherError('malformed', 'is not a well-formed ENC[AES256_GCM,...] value');
  const [, data64, iv64, tag64, type] = match;
  const data = Buffer.from(data64, 'base64');
  const iv = Buffer.from(iv64, 'base64');
  const tag = Buffer.from(tag64, 'base64');
  if (iv.length === 0) throw new ValueCipherError('malformed', 'has an empty iv');
  if (tag.length !== TAG_BYTES) throw new ValueCipherError('malformed', `has a ${tag.length}-byte tag (expected ${TAG_BYTES})`);
  let bytes: Buffer;
  try {
    const decipher = createDecipheriv('aes-256-gcm', key, iv, { authTagLength: TAG_BYTES });
    decipher.setAAD(Buffer.from(additionalData, 'utf8'));
    decipher.setAuthTag(tag);
    bytes = Buffer.concat([decipher.update(data), decipher.final()]);
  } catch {
    throw new ValueCipherError('authentication', 'failed authentication (edited, moved to another key, or encrypted with another data key)');
  }
  return typedValue(bytes.toString('utf8'), type);
}

function typedValue(text: string, type: string): PlainValue {
  switch (type) {
    case 'str':
    case 'bytes':
      return { type: 'str', value: text };
    case 'comment':
      return { type: 'comment', value: text };
    case 'int':
    case 'int64':
      if (!/^[-+]?[0-9]+$/.test(text)) throw new ValueCipherError('malformed', 'is typed int but does not hold an integer');
      return { type: 'int', value: Number(text) };
    case 'float': {
      const value = parseGoFloat(text);
      if (value === undefined) throw new ValueCipherError('malformed', 'is typed float but does not hold a number');
      return { type: 'float', value };
    }
    case 'bool': {
      // strconv.ParseBool
      if (['1', 't', 'T', 'TRUE', 'true', 'True'].includes(text)) return { type: 'bool', value: true };
      if (['0', 'f', 'F', 'FALSE', 'false', 'False'].includes(text)) return { type: 'bool', value: false };
      throw new ValueCipherError('malformed', 'is typed bool but does not hold a boolean');
    }
    default:
      throw new ValueCipherError('malformed', `has an unknown type "${type}"`);
  }
}

function parseGoFloat(text: string): number | undefined {
  const t = text.replace(/_/g, '');
  if (/^[-+]?inf(inity)?$/i.test(t)) return t.startsWith('-') ? -Infinity : Infinity;
  if (/^nan$/i.test(t)) return NaN;
  if (!/^[-+]?([0-9]+\.?[0-9]*|\.[0-9]+)([eE][-+]?[0-9]+)?$/.test(t)) return undefined;
  return Number(t);
}

/** The bytes sops encrypts and hashes for a value (`ToBytes` in sops). */
export function valueBytes(plain: PlainValue): Buffer {
  switch (plain.type) {
    case 'str':
    case 'comment':
      return Buffer.from(plain.value, 'utf8');
    case 'int':
      return Buffer.from(formatGoInt(plain.value), 'utf8');
    case 'float':
      return Buffer.from(formatGoFloat(plain.value), 'utf8');
    case 'bool':
      // sops writes booleans title-cased (the Python heritage).
      return Buffer.from(plain.value ? 'True' : 'False', 'utf8');
  }
}

function formatGoInt(n: number): string {
  return Number.isSafeInteger(n) ? String(n) : BigInt(Math.trunc(n)).toString();
}

/** `strconv.FormatFloat(f, 'f', -1, 64)`: shortest round-trip digits, never an exponent. */
export function formatGoFloat(n: number): string {
  if (Number.isNaN(n)) return 'NaN';
  if (n === Infinity) return '+Inf';
  if (n === -Infinity) return '-Inf';
  const s = String(n);
  const m = /^(-?)(\d)(?:\.(\d+))?e([-+]\d+)$/.exec(s);
  if (!m) return s;
  const [, sign, lead, frac = '', expText] = m;
  const exp = Number(expText);
  const digits = lead + frac;
  if (exp >= 0) {
    const intPart = digits.padEnd(exp + 1, '0');
    const rest = digits.slice(exp + 1);
    return sign + intPart.slice(0, exp + 1) + (rest ? `.${rest}` : '');
  }
  return `${sign}0.${'0'.repeat(-exp - 1)}${digits}`;
}
