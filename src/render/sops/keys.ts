// Age identities for SOPS, read from the environment as sops reads them. Keys never come from the repo.
import { readFile } from 'node:fs/promises';
import { ValidationError } from '../../core/index.ts';

/** Age identities (AGE-SECRET-KEY-1...) used to decrypt SOPS files. */
export interface SopsKeys {
  identities: string[];
  /** Where the identities came from (`SOPS_AGE_KEY`, a file path), for error messages; never their content. */
  sources?: string[];
  /**
   * With no identities, instead of refusing an encrypted file: check what can be checked without a
   * key (`readSopsStructure`), render the file with empty values, and add it (repo-relative) here.
   * Only `capstan validate` asks for this: nothing that applies or shows a render does.
   */
  structureOnly?: Set<string>;
}

export interface LoadSopsKeysOptions {
  /** Extra key files (one identity a line, `#` comments), e.g. a mounted Kubernetes Secret. */
  keyFiles?: string[];
}

export const AGE_KEY_ENV = 'SOPS_AGE_KEY';
export const AGE_KEY_FILE_ENV = 'SOPS_AGE_KEY_FILE';

// Bech32 upper case, as age writes identities.
const IDENTITY_RE = /^AGE-SECRET-KEY-(PQ-)?1[QPZRY9X8GF2TVDW0S3JN54KHCE6MUA7L]+$/;

/**
 * Keys from the environment, as sops reads them: `SOPS_AGE_KEY` (the keys) and/or `SOPS_AGE_KEY_FILE`
 * (a file of them), plus any `options.keyFiles`. A malformed line is an error that names its source and
 * line number, never its content.
 */
export async function loadSopsKeys(env: NodeJS.ProcessEnv = process.env, options: LoadSopsKeysOptions = {}): Promise<SopsKeys> {
  const identities: string[] = [];
  const sources: string[] = [];
  const add = async (text: string, source: string): Promise<void> => {
    const found = await parseAgeIdentities(text, source);
    if (found.length === 0) return;
    sources.push(source);
    for (const id of found) if (!identities.includes(id)) identities.push(id);
  };
  const inline = env[AGE_KEY_ENV];
  if (inline && inline.trim() !== '') await add(inline, AGE_KEY_ENV);
  const files = [...(env[AGE_KEY_FILE_ENV] ? [env[AGE_KEY_FILE_ENV]] : []), ...(options.keyFiles ?? [])];
  for (const file of files) {
    let text: string;
    try {
      text = await readFile(file, 'utf8');
    } catch (err) {
      const label = file === env[AGE_KEY_FILE_ENV] ? `${AGE_KEY_FILE_ENV} (${file})` : file;
      throw new ValidationError(`could not be read: ${(err as NodeJS.ErrnoException).code ?? 'error'}`, { subject: `age key file ${label}`, cause: err });
    }
    await add(text, file);
  }
  return { identities, sources };
}

/** Parses age identities: one or more a line (space or comma separated), blank lines and `#` comments ignored. */
export async function parseAgeIdentities(text: string, source: string): Promise<string[]> {
  const { identityToRecipient } = await import('age-encryption');
  const out: string[] = [];
  const lines = text.split(/\r?\n/);
  for (let n = 0; n < lines.length; n++) {
    const line = lines[n].trim();
    if (line === '' || line.startsWith('#')) continue;
    for (const word of line.split(/[\s,]+/).filter(Boolean)) {
      if (!IDENTITY_RE.test(word)) {
        throw new ValidationError(`line ${n + 1} is not an age identity (expected AGE-SECRET-KEY-1...)`, { subject: `age keys from ${source}` });
      }
      try {
        await identityToRecipient(word);
      } catch {
        throw new ValidationError(`line ${n + 1} is not a valid age identity (bad checksum or length)`, { subject: `age keys from ${source}` });
      }
      out.push(word);
    }
  }
  return out;
}

/** The public keys (age1...) of identities, for messages; unusable identities are left out. */
export async function recipientsOf(identities: readonly string[]): Promise<string[]> {
  const { identityToRecipient } = await import('age-encryption');
  const out: string[] = [];
  for (const id of identities) {
    try {
      out.push(await identityToRecipient(id));
    } catch {
      // reported when the identity is loaded
    }
  }
  return out;
}
