import crypto from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { NotFoundError, ValidationError } from '../core/index.ts';
import type { KubeClient } from '../kube/index.ts';

/** What a token may do; each role includes the ones before it: `read` < `deploy` < `admin`. */
export type Role = 'read' | 'deploy' | 'admin';

export const roles: readonly Role[] = ['read', 'deploy', 'admin'];

/** Whether `role` includes `required`. */
export function hasRole(role: Role, required: Role): boolean {
  return roles.indexOf(role) >= roles.indexOf(required);
}

/** Who a valid token belongs to: its name is recorded as `who` in the history. */
export interface TokenIdentity {
  name: string;
  role: Role;
}

export interface TokenEntry extends TokenIdentity {
  token: string;
}

/** Shortest token accepted: a guessable token is refused when loaded, not found out later. */
export const minTokenLength = 16;

/**
 * The tokens the server accepts. Only SHA-256 hashes are kept; a presented token is hashed and
 * compared with every entry by `crypto.timingSafeEqual` (equal-length digests, no early exit), so
 * neither the answer's timing nor its content reveals how much of a token was right.
 */
export class TokenStore {
  private readonly entries: { identity: TokenIdentity; digest: Buffer }[];

  constructor(entries: readonly TokenEntry[]) {
    const names = new Set<string>();
    const digests = new Set<string>();
    this.entries = entries.map((entry, index) => {
      const where = `token "${entry.name}" (entry ${index + 1})`;
      if (!entry.name) throw new ValidationError(`token entry ${index + 1} has no name`);
      if (!roles.includes(entry.role)) throw new ValidationError(`${where} has role "${entry.role}": the roles are ${roles.join(', ')}`);
      if (entry.token.length < minTokenLength) throw new ValidationError(`${where} is shorter than ${minTokenLength} characters`);
      if (/\s/.test(entry.token)) throw new ValidationError(`${where} contains whitespace`);
      if (names.has(entry.name)) throw new ValidationError(`${where}: the name "${entry.name}" is used twice`);
      const digest = sha256(entry.token);
      const hex = digest.toString('hex');
      if (digests.has(hex)) throw new ValidationError(`${where} has the same value as an earlier token`);
      names.add(entry.name);
      digests.add(hex);
      return { identity: { name: entry.name, role: entry.role }, digest };
    });
  }

  get size(): number {
    return this.entries.length;
  }

  /** The identity of a token, or undefined when it is not one of the store's. */
  authenticate(token: string): TokenIdentity | undefined {
    const digest = sha256(token);
    let found: TokenIdentity | undefined;
    for (const entry of this.entries) {
      // Every entry is compared, even after a match.
      if (crypto.timingSafeEqual(entry.digest, digest)) found = entry.identity;
    }
    return found;
  }

  /** Names and roles, never the tokens. */
  identities(): TokenIdentity[] {
    return this.entries.map((e) => ({ ...e.identity }));
  }
}

function sha256(text: string): Buffer {
  return crypto.createHash('sha256').update(text, 'utf8').digest();
}

export interface TokenSecretRef {
  client: KubeClient;
  namespace: string;
  name: string;
}

export interface LoadTokensOptions {
  /** A token file: one `<role> <name> <token>` per line; `#` comments and blank lines ignored. */
  file?: string;
  /** A Kubernetes Secret whose data keys are token names and whose values are `<role>:<token>`. */
  secret?: TokenSecretRef;
}

/**
 * Loads the tokens from a file, a Secret, or both (merged; a name or token in both is an error).
 * Errors name the file and line or the Secret and key, never a token's value.
 */
export async function loadTokens(options: LoadTokensOptions): Promise<TokenStore> {
  if (options.file === undefined && options.secret === undefined) throw new ValidationError('no token source: give a token file or a Secret');
  const entries: TokenEntry[] = [];
  if (options.file !== undefined) {
    let text: string;
    try {
      text = await readFile(options.file, 'utf8');
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code === 'ENOENT') throw new NotFoundError(`token file ${options.file} does not exist`, { cause: error });
      throw new ValidationError(`token file ${options.file} cannot be read: ${code ?? String(error)}`, { cause: error });
    }
    entries.push(...parseTokenFile(text, options.file));
  }
  if (options.secret !== undefined) entries.push(...(await readTokenSecret(options.secret)));
  const where = [options.file, options.secret && `Secret/${options.secret.namespace}/${options.secret.name}`].filter(Boolean).join(' and ');
  if (entries.length === 0) throw new ValidationError(`${where} defines no tokens`);
  try {
    return new TokenStore(entries);
  } catch (error) {
    throw new ValidationError(`${where}: ${(error as Error).message}`, { cause: error });
  }
}

/** Parses a token file: `<role> <name> <token>` per line, separated by spaces or tabs. */
export function parseTokenFile(text: string, file: string): TokenEntry[] {
  const entries: TokenEntry[] = [];
  text.split(/\r?\n/).forEach((raw, index) => {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) return;
    const where = `${file}:${index + 1}`;
    const fields = line.split(/\s+/);
    if (fields.length !== 3) throw new ValidationError(`${where}: expected "<role> <name> <token>", found ${fields.length} field${fields.length === 1 ? '' : 's'}`);
    const [role, name, token] = fields as [string, string, string];
    if (!isRole(role)) throw new ValidationError(`${where}: unknown role "${role.slice(0, 20)}": the roles are ${roles.join(', ')}`);
    if (token.length < minTokenLength) throw new ValidationError(`${where}: the token of "${name}" is shorter than ${minTokenLength} characters`);
    entries.push({ role, name, token });
  });
  return entries;
}

async function readTokenSecret(ref: TokenSecretRef): Promise<TokenEntry[]> {
  const subject = `Secret/${ref.namespace}/${ref.name}`;
  const secret = await ref.client.get('v1', { group: '', kind: 'Secret', namespace: ref.namespace, name: ref.name });
  if (secret === undefined) throw new NotFoundError(`${subject} holding the API tokens does not exist`);
  const data = (secret.data ?? {}) as Record<string, unknown>;
  const entries: TokenEntry[] = [];
  for (const [name, encoded] of Object.entries(data).sort(([a], [b]) => a.localeCompare(b))) {
    const value = typeof encoded === 'string' ? Buffer.from(encoded, 'base64').toString('utf8').trim() : '';
    const colon = value.indexOf(':');
    const role = colon < 0 ? '' : value.slice(0, colon);
    const token = colon < 0 ? '' : value.slice(colon + 1);
    if (!isRole(role)) throw new ValidationError(`${subject} key "${name}": expected "<role>:<token>" with a role of ${roles.join(', ')}`);
    if (token.length < minTokenLength) throw new ValidationError(`${subject} key "${name}": the token is shorter than ${minTokenLength} characters`);
    entries.push({ role, name, token });
  }
  return entries;
}

function isRole(value: string): value is Role {
  return (roles as readonly string[]).includes(value);
}
