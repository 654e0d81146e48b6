// Webhook receivers: which forge sent a request, whether it is genuine, and what it asks for.
// Pure: no I/O, no logging. The server reads the raw body, calls verifyWebhook, and turns the
// verdict into a status (401/400 refusals, 202 for pushes, 200 for ignored events).
import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';

export type WebhookProvider = 'github' | 'gitlab' | 'gitea' | 'bitbucket';

/** Secrets per provider (a provider without a secret is refused). */
export type WebhookSecrets = Partial<Record<WebhookProvider, string>>;

/** One ref a push moved, and the commit it now points at. */
export interface WebhookRefUpdate {
  ref: string;
  after?: string;
}

export type WebhookVerdict =
  /**
   * Verified; `push` when it is a push to a branch or tag, with the ref and the new commit.
   * `updates` lists every ref the push moved (Bitbucket reports several in one delivery); the first
   * is `ref`/`after`. Deleted refs are left out. `sender`: who pushed, as the payload names them
   * (see `webhookSender`).
   */
  | { ok: true; provider: WebhookProvider; event: 'push'; ref: string; after?: string; repository?: string; updates?: WebhookRefUpdate[]; sender?: string }
  /** Verified but nothing to do (ping, other events): answered 202/200 without action. */
  | { ok: true; provider: WebhookProvider; event: 'ignored'; reason: string }
  /** Refused: bad or missing signature/token (401), or a body that cannot be read (400). */
  | { ok: false; status: 400 | 401; message: string };

export interface VerifyWebhookOptions {
  /** Names the setting that holds a provider's secret, for the "not configured" message. */
  secretSetting?: (provider: WebhookProvider) => string;
}

const PROVIDER_NAMES: Record<WebhookProvider, string> = { github: 'GitHub', gitlab: 'GitLab', gitea: 'Gitea/Forgejo', bitbucket: 'Bitbucket' };

const defaultSecretSetting = (provider: WebhookProvider): string => `webhookSecrets.${provider}`;

/** How a provider is recognised and authenticated. */
interface Detected {
  provider: WebhookProvider;
  /** The event as the provider names it (`push`, `Push Hook`, `repo:push` …). */
  event: string;
  /** The header that carries the signature or token, and its value when present. */
  authHeader: string;
  auth: string | undefined;
  scheme: 'hmac-sha256-prefixed' | 'hmac-sha256-hex' | 'token';
}

/**
 * Recognises the provider from the headers (X-GitHub-Event, X-Gitlab-Event, X-Gitea-Event /
 * X-Forgejo-Event, X-Event-Key) and verifies the request: GitHub, Gitea/Forgejo and Bitbucket by
 * the HMAC-SHA256 signature of the raw body, GitLab by its token; all compared in constant time.
 */
export function verifyWebhook(headers: IncomingHttpHeaders, rawBody: Buffer, secrets: WebhookSecrets, options: VerifyWebhookOptions = {}): WebhookVerdict {
  const detected = detectProvider(headers);
  if (!detected) {
    return refuse(400, 'unknown webhook sender: expected one of the headers X-GitHub-Event, X-Gitlab-Event, X-Gitea-Event, X-Forgejo-Event or X-Event-Key');
  }
  const { provider } = detected;
  const name = PROVIDER_NAMES[provider];
  const secret = secrets[provider];
  if (secret === undefined || secret === '') {
    const setting = (options.secretSetting ?? defaultSecretSetting)(provider);
    return refuse(401, `${name} webhook refused: no ${provider} webhook secret is configured; set ${setting} to the secret configured on the ${name} webhook`);
  }
  if (detected.auth === undefined || detected.auth === '') {
    const what = detected.scheme === 'token' ? 'token' : 'signature';
    return refuse(401, `${name} webhook refused: the request has no ${detected.authHeader} header; configure the ${what} (secret) on the ${name} webhook`);
  }

  const form = isFormEncoded(headers);
  let payloadText: string;
  try {
    payloadText = form ? formPayload(rawBody) : rawBody.toString('utf8');
  } catch {
    return refuse(400, `${name} webhook refused: the form-encoded body has no payload field`);
  }

  let genuine: boolean;
  if (detected.scheme === 'token') {
    genuine = tokensEqual(detected.auth, secret);
  } else {
    // Gitea and Forgejo sign the JSON payload itself, also when they deliver it form-encoded;
    // GitHub and Bitbucket sign the body exactly as sent.
    const signed = provider === 'gitea' && form ? Buffer.from(payloadText, 'utf8') : rawBody;
    genuine = signatureMatches(detected.auth, detected.scheme === 'hmac-sha256-prefixed', signed, secret);
  }
  if (!genuine) return refuse(401, 'invalid signature');

  let payload: unknown;
  try {
    payload = JSON.parse(payloadText);
  } catch {
    return refuse(400, `${name} webhook refused: the body is not valid JSON`);
  }
  if (!isObject(payload)) return refuse(400, `${name} webhook refused: the body is not a JSON object`);

  switch (provider) {
    case 'github':
    case 'gitea':
      return githubStylePush(provider, detected.event, payload);
    case 'gitlab':
      return gitlabPush(detected.event, payload);
    case 'bitbucket':
      return bitbucketPush(detected.event, payload);
  }
}

/** The HMAC-SHA256 hex digest of `body`: what a forge puts in its signature header (tests, `capstan` tools). */
export function signWebhookBody(body: Buffer | string, secret: string): string {
  return createHmac('sha256', secret).update(body).digest('hex');
}

function detectProvider(headers: IncomingHttpHeaders): Detected | undefined {
  // Gitea and Forgejo also send X-GitHub-Event and X-Hub-Signature-256 for compatibility, so they
  // are recognised first; a Forgejo signature, when present, is the one checked.
  const forgejo = header(headers, 'x-forgejo-event');
  const gitea = header(headers, 'x-gitea-event');
  const gogs = header(headers, 'x-gogs-event');
  const giteaEvent = forgejo ?? gitea ?? gogs;
  if (giteaEvent !== undefined) {
    const authHeader = forgejo !== undefined ? 'X-Forgejo-Signature' : gitea !== undefined ? 'X-Gitea-Signature' : 'X-Gogs-Signature';
    return { provider: 'gitea', event: giteaEvent, authHeader, auth: header(headers, authHeader.toLowerCase()), scheme: 'hmac-sha256-hex' };
  }
  const gitlab = header(headers, 'x-gitlab-event');
  if (gitlab !== undefined) {
    return { provider: 'gitlab', event: gitlab, authHeader: 'X-Gitlab-Token', auth: header(headers, 'x-gitlab-token'), scheme: 'token' };
  }
  const github = header(headers, 'x-github-event');
  if (github !== undefined) {
    return { provider: 'github', event: github, authHeader: 'X-Hub-Signature-256', auth: header(headers, 'x-hub-signature-256'), scheme: 'hmac-sha256-prefixed' };
  }
  const bitbucket = header(headers, 'x-event-key');
  if (bitbucket !== undefined) {
    return { provider: 'bitbucket', event: bitbucket, authHeader: 'X-Hub-Signature', auth: header(headers, 'x-hub-signature'), scheme: 'hmac-sha256-prefixed' };
  }
  return undefined;
}

function header(headers: IncomingHttpHeaders, name: string): string | undefined {
  const value = headers[name];
  const text = Array.isArray(value) ? value[0] : value;
  return text === undefined ? undefined : text.trim();
}

const HEX_SHA256 = /^[0-9a-f]{64}$/i;

/**
 * Compares a received signature with the HMAC of `body`, digest bytes against digest bytes with
 * timingSafeEqual. A malformed value (wrong prefix, not 64 hex digits) fails before any comparison:
 * its shape says nothing about the secret.
 */
function signatureMatches(received: string, prefixed: boolean, body: Buffer, secret: string): boolean {
  let hex = received;
  if (prefixed) {
    const eq = received.indexOf('=');
    if (eq < 0 || received.slice(0, eq).toLowerCase() !== 'sha256') return false;
    hex = received.slice(eq + 1);
  }
  if (!HEX_SHA256.test(hex)) return false;
  const expected = createHmac('sha256', secret).update(body).digest();
  return timingSafeEqual(Buffer.from(hex, 'hex'), expected);
}

/** Plain tokens are hashed first, so the comparison is over equal lengths and leaks neither. */
function tokensEqual(received: string, secret: string): boolean {
  const a = createHash('sha256').update(received, 'utf8').digest();
  const b = createHash('sha256').update(secret, 'utf8').digest();
  return timingSafeEqual(a, b);
}

function isFormEncoded(headers: IncomingHttpHeaders): boolean {
  const type = header(headers, 'content-type') ?? '';
  return type.toLowerCase().startsWith('application/x-www-form-urlencoded');
}

function formPayload(rawBody: Buffer): string {
  const payload = new URLSearchParams(rawBody.toString('utf8')).get('payload');
  if (payload === null) throw new Error('no payload');
  return payload;
}

type Json = Record<string, unknown>;

function isObject(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function str(value: unknown): string | undefined {
  return typeof value === 'string' && value !== '' ? value : undefined;
}

function obj(value: unknown): Json {
  return isObject(value) ? value : {};
}

const ZERO_SHA = /^0+$/;

function isZero(sha: string | undefined): boolean {
  return sha !== undefined && ZERO_SHA.test(sha);
}

function refuse(status: 400 | 401, message: string): WebhookVerdict {
  return { ok: false, status, message };
}

function ignore(provider: WebhookProvider, reason: string): WebhookVerdict {
  return { ok: true, provider, event: 'ignored', reason };
}

function push(provider: WebhookProvider, updates: WebhookRefUpdate[], repository: string | undefined, payload: Json): WebhookVerdict {
  const [first] = updates;
  const sender = webhookSender(provider, payload);
  return {
    ok: true,
    provider,
    event: 'push',
    ref: first.ref,
    ...(first.after !== undefined ? { after: first.after } : {}),
    ...(repository !== undefined ? { repository } : {}),
    updates,
    ...(sender !== undefined ? { sender } : {}),
  };
}

/** Where each provider names who pushed, most specific first (the account's login before a display name). */
const SENDER_FIELDS: Record<WebhookProvider, readonly (readonly string[])[]> = {
  // GitHub: the account that pushed (`sender.login`); `pusher.name` is the same login, or a git name
  github: [['sender', 'login'], ['pusher', 'name']],
  // Gitea / Forgejo: `pusher` and `sender` are users with `login` (and `username`)
  gitea: [['pusher', 'login'], ['pusher', 'username'], ['sender', 'login'], ['sender', 'username']],
  // GitLab: the user's handle, else their display name
  gitlab: [['user_username'], ['user_name']],
  // Bitbucket Cloud: `actor.nickname` (`username` in older payloads); Bitbucket Server: `actor.name` / `slug`
  bitbucket: [['actor', 'nickname'], ['actor', 'username'], ['actor', 'name'], ['actor', 'slug'], ['actor', 'display_name'], ['actor', 'displayName']],
};

/** The longest sender name kept. */
const MAX_SENDER = 100;

/**
 * Who pushed, as the provider's payload names them: GitHub `sender.login` (or `pusher.name`),
 * Gitea/Forgejo `pusher.login`, GitLab `user_username`, Bitbucket `actor.nickname` (Cloud) or
 * `actor.name` (Server). Control characters are dropped and the name is cut to 100 characters;
 * undefined when the payload names nobody.
 */
export function webhookSender(provider: WebhookProvider, payload: unknown): string | undefined {
  for (const path of SENDER_FIELDS[provider]) {
    let value: unknown = payload;
    for (const key of path) value = obj(value)[key];
    // eslint-disable-next-line no-control-regex
    const name = typeof value === 'string' ? value.replace(/[\u0000-\u001f\u007f]/g, '').trim().slice(0, MAX_SENDER) : '';
    if (name !== '') return name;
  }
  return undefined;
}

/** GitHub, and Gitea/Forgejo whose push payload has the same shape. */
function githubStylePush(provider: 'github' | 'gitea', event: string, payload: Json): WebhookVerdict {
  const name = PROVIDER_NAMES[provider];
  if (event === 'ping') return ignore(provider, `${name} ping: the webhook is configured`);
  if (event !== 'push') return ignore(provider, `${name} event "${event}" is not a push`);
  const ref = str(payload.ref);
  if (!ref) return refuse(400, `${name} push has no ref`);
  const after = str(payload.after);
  if (payload.deleted === true || isZero(after)) return ignore(provider, `${ref} was deleted`);
  return push(provider, [{ ref, ...(after ? { after } : {}) }], str(obj(payload.repository).full_name), payload);
}

// GitLab names events in X-Gitlab-Event; system hooks say "System Hook" and put the kind in the body.
const GITLAB_PUSH_EVENTS = new Set(['Push Hook', 'Tag Push Hook']);
const GITLAB_PUSH_KINDS = new Set(['push', 'tag_push']);

function gitlabPush(event: string, payload: Json): WebhookVerdict {
  const isPush = GITLAB_PUSH_EVENTS.has(event) || (event === 'System Hook' && GITLAB_PUSH_KINDS.has(String(payload.object_kind)));
  if (!isPush) return ignore('gitlab', `GitLab event "${event}" is not a push`);
  const ref = str(payload.ref);
  if (!ref) return refuse(400, 'GitLab push has no ref');
  // `after` is the new object (a tag object for an annotated tag); `checkout_sha` is the commit
  // checked out at the ref, null when the ref was deleted.
  const after = str(payload.after);
  const checkout = str(payload.checkout_sha);
  if (isZero(after) || (after === undefined && checkout === undefined)) return ignore('gitlab', `${ref} was deleted`);
  const commit = checkout ?? after;
  return push('gitlab', [{ ref, ...(commit ? { after: commit } : {}) }], str(obj(payload.project).path_with_namespace), payload);
}

function bitbucketPush(event: string, payload: Json): WebhookVerdict {
  if (event === 'repo:push') return bitbucketCloudPush(payload);
  if (event === 'repo:refs_changed') return bitbucketServerPush(payload);
  if (event === 'diagnostics:ping') return ignore('bitbucket', 'Bitbucket ping: the webhook is configured');
  return ignore('bitbucket', `Bitbucket event "${event}" is not a push`);
}

/** Bitbucket Cloud: `push.changes[]`, each with `new` (null when the branch or tag was deleted). */
function bitbucketCloudPush(payload: Json): WebhookVerdict {
  const changes = obj(payload.push).changes;
  if (!Array.isArray(changes)) return refuse(400, 'Bitbucket push has no push.changes');
  const updates: WebhookRefUpdate[] = [];
  for (const change of changes) {
    const target = obj(change).new;
    if (!isObject(target)) continue;
    const name = str(target.name);
    const prefix = target.type === 'branch' ? 'refs/heads/' : target.type === 'tag' ? 'refs/tags/' : undefined;
    if (!name || !prefix) continue;
    const hash = str(obj(target.target).hash);
    updates.push({ ref: prefix + name, ...(hash ? { after: hash } : {}) });
  }
  if (updates.length === 0) return ignore('bitbucket', 'the push only deleted refs');
  return push('bitbucket', updates, str(obj(payload.repository).full_name), payload);
}

/** Bitbucket Server / Data Center: `changes[]` with `ref.id`, `toHash` and `type` ADD | UPDATE | DELETE. */
function bitbucketServerPush(payload: Json): WebhookVerdict {
  const changes = payload.changes;
  if (!Array.isArray(changes)) return refuse(400, 'Bitbucket push has no changes');
  const updates: WebhookRefUpdate[] = [];
  for (const change of changes.map(obj)) {
    const ref = str(obj(change.ref).id) ?? str(change.refId);
    const after = str(change.toHash);
    if (!ref || change.type === 'DELETE' || isZero(after)) continue;
    updates.push({ ref, ...(after ? { after } : {}) });
  }
  if (updates.length === 0) return ignore('bitbucket', 'the push only deleted refs');
  const repository = obj(payload.repository);
  const project = str(obj(repository.project).key);
  const slug = str(repository.slug);
  return push('bitbucket', updates, project && slug ? `${project}/${slug}` : slug, payload);
}
