/**
 * Credential redaction for everything that leaves this module: error messages, logs, git's stderr.
 * `https://user:token@host` and `https://token@host` become `https://***@host`; the value of an
 * `Authorization:` header becomes `***`; every secret passed explicitly is masked wherever it
 * appears (also URL-encoded). An ssh user without a password (`ssh://git@host`) is not a secret and
 * is kept.
 */
export const MASK = '***';

// scheme://userinfo@ — userinfo cannot contain '/', whitespace, quotes or '@'.
const URL_USERINFO = /\b([a-z][a-z0-9+.-]*):\/\/([^/\s'"@]+)@/gi;
const AUTH_HEADER = /\b((?:proxy-)?authorization\s*:\s*)((?:basic|bearer|token)\s+)?[^\s'"]+/gi;

/** Secrets shorter than this are not masked literally: they would mask ordinary words. */
const MIN_SECRET_LENGTH = 4;

export function redact(text: string, secrets: Iterable<string | undefined> = []): string {
  let out = text;
  for (const secret of secrets) {
    if (!secret || secret.length < MIN_SECRET_LENGTH) continue;
    for (const form of new Set([secret, encodeURIComponent(secret)])) out = out.split(form).join(MASK);
  }
  out = out.replace(URL_USERINFO, (whole, scheme: string, userinfo: string) =>
    scheme.toLowerCase() === 'ssh' && !userinfo.includes(':') ? whole : `${scheme}://${MASK}@`,
  );
  return out.replace(AUTH_HEADER, (_whole, name: string, kind: string | undefined) => `${name}${kind ?? ''}${MASK}`);
}
