// The `sops` metadata block: which keys hold the data key, which values are encrypted, and the MAC.
import { SopsError } from './errors.ts';

/** Which values are encrypted: at most one rule, as sops allows; none means `unencrypted_suffix: _unencrypted`. */
export interface EncryptionRules {
  unencryptedSuffix?: string;
  encryptedSuffix?: string;
  unencryptedRegex?: string;
  encryptedRegex?: string;
  /** The MAC covers only the values that are encrypted (and starts from a fixed prefix). */
  macOnlyEncrypted?: boolean;
}

export interface AgeStanza {
  recipient: string;
  enc: string;
}

export interface SopsMetadata extends EncryptionRules {
  age: AgeStanza[];
  /** Master key types present in the file that capstan cannot use (pgp, kms, ...). */
  otherKeyTypes: string[];
  lastModified: string;
  mac: string;
  version?: string;
}

export const DEFAULT_UNENCRYPTED_SUFFIX = '_unencrypted';

/** `echo -n sops | sha256sum`: the MAC of a `mac_only_encrypted` file starts from these bytes. */
export const MAC_ONLY_ENCRYPTED_INIT = Buffer.from('8a3fd2ad54ce66527b1034f3d147be0b0b975b3bf44f72c6fdadec8176f27d69', 'hex');

const OTHER_KEY_TYPES = ['pgp', 'kms', 'gcp_kms', 'azure_kv', 'hc_vault'] as const;

/** Reads the plain-JS `sops` object of a file; names `file` in every error. */
export function readMetadata(raw: unknown, file: string): SopsMetadata {
  if (!isRecord(raw)) throw new SopsError(file, 'malformed', 'has a "sops" key that is not a map of SOPS metadata');
  const str = (key: string): string | undefined => {
    const v = raw[key];
    if (v === undefined || v === null || v === '') return undefined;
    if (typeof v !== 'string') throw new SopsError(file, 'malformed', `has SOPS metadata "${key}" that is not a string`);
    return v;
  };
  const age: AgeStanza[] = [];
  const otherKeyTypes = new Set<string>();
  const collect = (group: Record<string, unknown>, where: string): void => {
    const entries = group.age;
    if (entries !== undefined && entries !== null) {
      if (!Array.isArray(entries)) throw new SopsError(file, 'malformed', `has SOPS metadata "${where}age" that is not a list`);
      for (const entry of entries) {
        if (!isRecord(entry) || typeof entry.recipient !== 'string' || typeof entry.enc !== 'string') {
          throw new SopsError(file, 'malformed', `has an entry in SOPS metadata "${where}age" without a recipient and enc`);
        }
        age.push({ recipient: entry.recipient, enc: entry.enc });
      }
    }
    for (const type of OTHER_KEY_TYPES) {
      const v = group[type];
      if (Array.isArray(v) && v.length > 0) otherKeyTypes.add(type);
    }
  };
  collect(raw, '');
  const groups = raw.key_groups;
  if (Array.isArray(groups) && groups.length > 0) {
    if (groups.length > 1) {
      throw new SopsError(file, 'unsupported', `uses ${groups.length} SOPS key groups (Shamir secret sharing), which capstan does not support`);
    }
    if (isRecord(groups[0])) collect(groups[0], 'key_groups[0].');
  }
  for (const key of ['unencrypted_comment_regex', 'encrypted_comment_regex']) {
    if (str(key) !== undefined) throw new SopsError(file, 'unsupported', `uses SOPS "${key}", which capstan does not support`);
  }
  const lastModified = str('lastmodified');
  if (lastModified === undefined) throw new SopsError(file, 'malformed', 'has SOPS metadata without "lastmodified"');
  const mac = str('mac');
  if (mac === undefined) throw new SopsError(file, 'integrity', 'has SOPS metadata without a MAC; capstan refuses files whose integrity cannot be checked');
  const rules: EncryptionRules = {
    unencryptedSuffix: str('unencrypted_suffix'),
    encryptedSuffix: str('encrypted_suffix'),
    unencryptedRegex: str('unencrypted_regex'),
    encryptedRegex: str('encrypted_regex'),
    macOnlyEncrypted: raw.mac_only_encrypted === true,
  };
  const version = raw.version;
  return {
    ...checkRules(rules, file),
    age,
    otherKeyTypes: [...otherKeyTypes],
    lastModified,
    mac,
    version: typeof version === 'string' ? version : version === undefined ? undefined : String(version),
  };
}

/** Validates that at most one rule is set (defaulting to the unencrypted suffix) and that regexes compile. */
export function checkRules(rules: EncryptionRules, file: string): EncryptionRules {
  const set = (['unencryptedSuffix', 'encryptedSuffix', 'unencryptedRegex', 'encryptedRegex'] as const).filter((k) => rules[k]);
  if (set.length > 1) {
    throw new SopsError(file, 'malformed', 'sets more than one of encrypted_suffix, unencrypted_suffix, encrypted_regex and unencrypted_regex');
  }
  for (const k of ['unencryptedRegex', 'encryptedRegex'] as const) {
    const source = rules[k];
    if (source !== undefined) {
      try {
        compileRegex(source);
      } catch (err) {
        throw new SopsError(file, 'malformed', `has an invalid ${k === 'encryptedRegex' ? 'encrypted_regex' : 'unencrypted_regex'}: ${(err as Error).message}`);
      }
    }
  }
  return set.length === 0 ? { ...rules, unencryptedSuffix: DEFAULT_UNENCRYPTED_SUFFIX } : { ...rules };
}

const regexCache = new Map<string, RegExp>();

/** Go (RE2) regexes as sops matches them (unanchored); a leading `(?i)`-style flag group becomes a JS flag. */
function compileRegex(source: string): RegExp {
  let re = regexCache.get(source);
  if (!re) {
    const flagGroup = /^\(\?([imsU]+)\)/.exec(source);
    const flags = flagGroup ? [...new Set(flagGroup[1].replace('U', ''))].join('') : '';
    re = new RegExp(flagGroup ? source.slice(flagGroup[0].length) : source, flags);
    regexCache.set(source, re);
  }
  return re;
}

/** sops' `shouldBeEncrypted`: a path is encrypted unless the rules leave it in the clear. */
export function shouldBeEncrypted(rules: EncryptionRules, path: readonly string[]): boolean {
  let encrypted = true;
  if (rules.unencryptedSuffix) {
    if (path.some((p) => p.endsWith(rules.unencryptedSuffix as string))) encrypted = false;
  }
  if (rules.encryptedSuffix) {
    encrypted = path.some((p) => p.endsWith(rules.encryptedSuffix as string));
  }
  if (rules.unencryptedRegex) {
    const re = compileRegex(rules.unencryptedRegex);
    if (path.some((p) => re.test(p))) encrypted = false;
  }
  if (rules.encryptedRegex) {
    const re = compileRegex(rules.encryptedRegex);
    encrypted = path.some((p) => re.test(p));
  }
  return encrypted;
}

/** The additional data of a value: its key path joined with `:` plus a trailing `:` (list items add no index). */
export function additionalData(path: readonly string[]): string {
  return `${path.join(':')}:`;
}

/**
 * The additional data of the MAC: `lastmodified` as Go re-formats it after parsing (RFC 3339, whole
 * seconds, `Z` for UTC). Returns undefined when the text is not an RFC 3339 time.
 */
export function lastModifiedAdditionalData(text: string): string | undefined {
  const m = /^(\d{4}-\d{2}-\d{2})[Tt](\d{2}:\d{2}:\d{2})(\.\d+)?([Zz]|[-+]\d{2}:\d{2})$/.exec(text);
  if (!m) return undefined;
  const zone = m[4].toUpperCase() === 'Z' || m[4] === '+00:00' || m[4] === '-00:00' ? 'Z' : m[4];
  return `${m[1]}T${m[2]}${zone}`;
}

/** `time.Now().UTC().Format(time.RFC3339)`. */
export function formatLastModified(date: Date): string {
  return date.toISOString().replace(/\.\d{3}Z$/, 'Z');
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
