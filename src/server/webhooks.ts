// PLACEHOLDER owned by the webhooks helper: replaced by the real implementation.
import type { IncomingHttpHeaders } from 'node:http';

export type WebhookProvider = 'github' | 'gitlab' | 'gitea' | 'bitbucket';

/** Secrets per provider (a provider without a secret is refused). */
export type WebhookSecrets = Partial<Record<WebhookProvider, string>>;

export type WebhookVerdict =
  /** Verified; `push` when it is a push to a branch or tag, with the ref and the new commit. */
  | { ok: true; provider: WebhookProvider; event: 'push'; ref: string; after?: string; repository?: string }
  /** Verified but nothing to do (ping, other events): answered 202/200 without action. */
  | { ok: true; provider: WebhookProvider; event: 'ignored'; reason: string }
  /** Refused: bad or missing signature/token (401), or a body that cannot be read (400). */
  | { ok: false; status: 400 | 401; message: string };

/**
 * Recognises the provider from the headers (X-GitHub-Event, X-Gitlab-Event, X-Gitea-Event /
 * X-Forgejo-Event, X-Event-Key) and verifies the request: GitHub, Gitea/Forgejo and Bitbucket by
 * the HMAC-SHA256 signature of the raw body, GitLab by its token; all compared in constant time.
 */
export function verifyWebhook(headers: IncomingHttpHeaders, rawBody: Buffer, secrets: WebhookSecrets): WebhookVerdict {
  void headers; void rawBody; void secrets;
  return { ok: false, status: 401, message: 'webhooks are not implemented yet' };
}
