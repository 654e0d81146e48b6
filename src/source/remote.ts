import { createHash } from 'node:crypto';
import path from 'node:path';
import { ValidationError } from '../core/index.ts';
import { MASK } from './redact.ts';

/** Where a config repo lives and how to authenticate to it. */
export interface Remote {
  /** A local folder, `file://…`, `https://…`, `ssh://…` or scp-like `git@host:org/repo.git`. */
  url: string;
  /** https only: a token (password) for HTTP basic auth. Never put in argv, logs or messages. */
  token?: string;
  /** https only: the user name sent with the token; default `x-access-token`. */
  username?: string;
  /** ssh only: a private key file. */
  sshKeyFile?: string;
  /** ssh only: a known_hosts file; with it host keys are checked strictly, without it new hosts are accepted. */
  knownHostsFile?: string;
  /** Allow plain `http://` (credentials travel in clear text). Off by default. */
  allowInsecureHttp?: boolean;
}

export type RemoteKind = 'local' | 'file' | 'https' | 'http' | 'ssh';

/** A remote checked and normalised: what git is given, what messages show, where it is cached. */
export interface ParsedRemote {
  kind: RemoteKind;
  /** What git is given: never carries credentials. */
  url: string;
  /** What messages show: credentials as `***`. */
  display: string;
  /** The cache directory name: a readable slug and a hash of `url` (never of a credential). */
  cacheName: string;
  username?: string;
  token?: string;
  sshKeyFile?: string;
  knownHostsFile?: string;
  allowInsecureHttp: boolean;
}

export const DEFAULT_HTTPS_USERNAME = 'x-access-token';

const SCHEME = /^([a-z][a-z0-9+.-]*):\/\//i;
// scp-like syntax: [user@]host:path, recognised (as git does) only when a ':' comes before any '/'.
const SCP_LIKE = /^(?:([^@/:]+)@)?([^@/:]+):(.*)$/;

export function parseRemote(remote: Remote): ParsedRemote {
  const raw = remote.url.trim();
  if (!raw) throw new ValidationError('remote URL is empty');
  // A control character could smuggle options or a second line into a command or a message.
  if (hasControlCharacter(raw)) throw new ValidationError('remote URL contains a control character');
  const helper = /^([a-z][a-z0-9+.-]*)::/i.exec(raw);
  if (helper) throw new ValidationError(`remote ${safeDisplay(raw)} uses the remote helper "${helper[1]}", which is not supported: use a local path, file://, https:// or ssh`);
  const scheme = SCHEME.exec(raw)?.[1]?.toLowerCase();
  let parsed: ParsedRemote;
  if (scheme === undefined) {
    const scp = raw.indexOf(':') > 0 && (raw.indexOf('/') < 0 || raw.indexOf(':') < raw.indexOf('/')) ? SCP_LIKE.exec(raw) : null;
    parsed = scp ? parseScpLike(raw, scp[2], scp[3]) : parseLocal(raw);
  } else if (scheme === 'https' || scheme === 'http') {
    parsed = parseHttp(raw, scheme, remote);
  } else if (scheme === 'ssh' || scheme === 'git+ssh' || scheme === 'ssh+git') {
    parsed = parseSsh(raw);
  } else if (scheme === 'file') {
    parsed = parseFile(raw);
  } else {
    throw new ValidationError(`remote ${safeDisplay(raw)} uses an unsupported protocol "${scheme}": use a local path, file://, https:// or ssh`);
  }
  return withCredentials(parsed, remote);
}

function withCredentials(parsed: ParsedRemote, remote: Remote): ParsedRemote {
  const out: ParsedRemote = { ...parsed, allowInsecureHttp: remote.allowInsecureHttp === true };
  const isHttp = parsed.kind === 'https' || parsed.kind === 'http';
  if (remote.token !== undefined) {
    if (!isHttp) throw new ValidationError(`remote ${parsed.display}: a token is only used with https remotes`);
    if (!remote.token) throw new ValidationError(`remote ${parsed.display}: the token is empty`);
    out.token = remote.token;
  }
  if (remote.username !== undefined) {
    if (!isHttp) throw new ValidationError(`remote ${parsed.display}: a username is only used with https remotes`);
    if (!remote.username) throw new ValidationError(`remote ${parsed.display}: the username is empty`);
    out.username = remote.username;
  }
  if (out.token !== undefined) {
    out.username ??= DEFAULT_HTTPS_USERNAME;
    out.display = parsed.display.replace(/^(https?:\/\/)(?:[^@/]*@)?/, `$1${MASK}@`);
  }
  if (remote.sshKeyFile !== undefined || remote.knownHostsFile !== undefined) {
    if (parsed.kind !== 'ssh') throw new ValidationError(`remote ${parsed.display}: an ssh key or known_hosts file is only used with ssh remotes`);
    if (remote.sshKeyFile !== undefined) out.sshKeyFile = path.resolve(remote.sshKeyFile);
    if (remote.knownHostsFile !== undefined) out.knownHostsFile = path.resolve(remote.knownHostsFile);
  }
  return out;
}

function parseLocal(raw: string): ParsedRemote {
  const url = path.resolve(raw);
  return { kind: 'local', url, display: url, cacheName: cacheName(url, path.basename(url)), allowInsecureHttp: false };
}

function parseFile(raw: string): ParsedRemote {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new ValidationError(`remote ${safeDisplay(raw)} is not a valid file:// URL`);
  }
  if (url.username || url.password) throw new ValidationError(`remote ${safeDisplay(raw)}: a file:// URL cannot carry credentials`);
  if (url.host && url.host !== 'localhost') throw new ValidationError(`remote ${raw}: a file:// URL must name a local path`);
  const href = `file://${url.pathname}`;
  return { kind: 'file', url: href, display: href, cacheName: cacheName(href, lastSegment(url.pathname)), allowInsecureHttp: false };
}

function parseHttp(raw: string, scheme: 'https' | 'http', remote: Remote): ParsedRemote {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new ValidationError(`remote ${safeDisplay(raw)} is not a valid URL`);
  }
  if (!url.hostname) throw new ValidationError(`remote ${safeDisplay(raw)} has no host`);
  const embeddedUser = decodeURIComponent(url.username);
  const embeddedPassword = decodeURIComponent(url.password);
  url.username = '';
  url.password = '';
  url.hash = '';
  const href = url.href;
  if (scheme === 'http' && remote.allowInsecureHttp !== true) {
    throw new ValidationError(`remote ${safeDisplay(raw)} uses plain http: credentials and content would travel unencrypted; use https or allow insecure http explicitly`);
  }
  const parsed: ParsedRemote = { kind: scheme, url: href, display: href, cacheName: cacheName(href, `${url.hostname}-${lastSegment(url.pathname)}`), allowInsecureHttp: false };
  // Credentials written into the URL are taken out of it, so git's argv never carries them.
  if (embeddedPassword) {
    parsed.token = embeddedPassword;
    parsed.username = embeddedUser || DEFAULT_HTTPS_USERNAME;
    parsed.display = href.replace(/^(https?:\/\/)/, `$1${MASK}@`);
  } else if (embeddedUser) {
    // `https://<token>@host` is a common way of passing a token as the user name: treat it as secret.
    parsed.username = embeddedUser;
    parsed.display = href.replace(/^(https?:\/\/)/, `$1${MASK}@`);
  }
  return parsed;
}

function parseSsh(raw: string): ParsedRemote {
  let url: URL;
  try {
    url = new URL(raw.replace(/^(git\+ssh|ssh\+git):/i, 'ssh:'));
  } catch {
    throw new ValidationError(`remote ${safeDisplay(raw)} is not a valid ssh URL`);
  }
  if (url.password) throw new ValidationError(`remote ${safeDisplay(raw)}: an ssh URL cannot carry a password; use a key file`);
  checkHost(url.hostname, raw);
  if (url.username.startsWith('-')) throw new ValidationError(`remote ${raw}: the user name cannot start with "-"`);
  url.hash = '';
  const href = url.href;
  return { kind: 'ssh', url: href, display: href, cacheName: cacheName(href, `${url.hostname}-${lastSegment(url.pathname)}`), allowInsecureHttp: false };
}

function parseScpLike(raw: string, host: string, repoPath: string): ParsedRemote {
  checkHost(host, raw);
  if (raw.startsWith('-')) throw new ValidationError(`remote ${raw}: the user name cannot start with "-"`);
  if (!repoPath) throw new ValidationError(`remote ${raw} has no repository path`);
  return { kind: 'ssh', url: raw, display: raw, cacheName: cacheName(raw, `${host}-${lastSegment(repoPath)}`), allowInsecureHttp: false };
}

function checkHost(host: string, raw: string): void {
  if (!host) throw new ValidationError(`remote ${safeDisplay(raw)} has no host`);
  // `ssh -oProxyCommand=…` style injection through the host name.
  if (host.startsWith('-')) throw new ValidationError(`remote ${safeDisplay(raw)}: the host name cannot start with "-"`);
}

/** True when text holds a C0 control character or DEL (a NUL, a newline, an escape…). */
export function hasControlCharacter(text: string): boolean {
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (code < 0x20 || code === 0x7f) return true;
  }
  return false;
}

function lastSegment(p: string): string {
  const segments = p.split('/').filter(Boolean);
  return (segments[segments.length - 1] ?? 'repo').replace(/\.git$/, '');
}

function cacheName(url: string, label: string): string {
  const slug = label.replace(/[^A-Za-z0-9._-]+/g, '-').replace(/^[-.]+/, '').slice(0, 48) || 'repo';
  const hash = createHash('sha256').update(url).digest('hex').slice(0, 16);
  return `${slug}-${hash}`;
}

/** For messages about a URL that failed to parse: mask any userinfo the crude way. */
function safeDisplay(raw: string): string {
  return raw.replace(/^([a-z][a-z0-9+.-]*:\/\/)[^/@]*@/i, `$1${MASK}@`);
}
