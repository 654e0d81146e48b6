/**
 * One delivery attempt: POST a JSON body to a webhook with a deadline, and what its answer means
 * for a retry. Whatever fails, the outcome names the failure (a status, a timeout, an error code)
 * and never the URL, which holds the webhook's token.
 */

export type DeliveryOutcome =
  | { ok: true; status: number }
  /** `retry`: worth another attempt (a network failure, a timeout, 5xx, 429); `retryAfterMs`: what the server asked to wait. */
  | { ok: false; retry: boolean; retryAfterMs?: number; reason: string };

export interface PostOptions {
  timeoutMs: number;
  /** Aborts the attempt (the notifier is closing). */
  signal?: AbortSignal;
  fetch?: typeof fetch;
  now?: () => Date;
}

/** POSTs `body` (JSON text) to `url`; never throws. Redirects are not followed (the body would go elsewhere). */
export async function postJson(url: string, body: string, options: PostOptions): Promise<DeliveryOutcome> {
  const controller = new AbortController();
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    controller.abort();
  }, options.timeoutMs);
  const onAbort = (): void => controller.abort();
  options.signal?.addEventListener('abort', onAbort, { once: true });
  try {
    if (options.signal?.aborted) return { ok: false, retry: false, reason: 'abandoned: the notifier closed' };
    const response = await (options.fetch ?? fetch)(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'user-agent': 'capstan' },
      body,
      redirect: 'manual',
      signal: controller.signal,
    });
    // read the answer to its end so the connection can be reused (the deadline still applies)
    await response.arrayBuffer().catch(() => undefined);
    return judge(response.status, response.headers.get('retry-after'), (options.now ?? (() => new Date()))());
  } catch (error) {
    if (timedOut) return { ok: false, retry: true, reason: `no answer within ${formatMs(options.timeoutMs)}` };
    if (options.signal?.aborted) return { ok: false, retry: false, reason: 'abandoned: the notifier closed' };
    return { ok: false, retry: true, reason: networkReason(error) };
  } finally {
    clearTimeout(timer);
    options.signal?.removeEventListener('abort', onAbort);
  }
}

/** What an HTTP status means: 2xx delivered; 429 and 5xx retried (after `Retry-After` when given); anything else not. */
export function judge(status: number, retryAfter: string | null, now: Date): DeliveryOutcome {
  if (status >= 200 && status < 300) return { ok: true, status };
  if (status === 429 || status >= 500) {
    const wait = parseRetryAfter(retryAfter, now);
    const outcome: DeliveryOutcome = { ok: false, retry: true, reason: `answered ${status}${wait === undefined ? '' : ` (retry after ${formatMs(wait)})`}` };
    if (wait !== undefined) outcome.retryAfterMs = wait;
    return outcome;
  }
  if (status >= 300 && status < 400) return { ok: false, retry: false, reason: `answered ${status}: redirects are not followed; use the URL it redirects to` };
  return { ok: false, retry: false, reason: `answered ${status}${status === 404 || status === 410 ? ' (is the webhook deleted?)' : status === 401 || status === 403 ? ' (is the URL or its token revoked?)' : ''}` };
}

/** `Retry-After` in milliseconds: delay-seconds or an HTTP date; undefined when absent or unreadable. */
export function parseRetryAfter(value: string | null, now: Date): number | undefined {
  if (value === null || value.trim() === '') return undefined;
  const text = value.trim();
  if (/^\d+$/.test(text)) return Number(text) * 1000;
  const at = Date.parse(text);
  return Number.isNaN(at) ? undefined : Math.max(0, at - now.getTime());
}

/** A network failure by its code (`ECONNREFUSED`), never by its message (which may hold the address). */
function networkReason(error: unknown): string {
  const codes: string[] = [];
  for (let e: unknown = error, depth = 0; e && depth < 4; e = (e as { cause?: unknown }).cause, depth++) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === 'string' && !codes.includes(code)) codes.push(code);
  }
  return codes.length > 0 ? `connection failed (${codes.join(', ')})` : 'connection failed';
}

/** `1.5s`, `250ms`, `2m`. */
export function formatMs(ms: number): string {
  if (ms < 1000) return `${Math.round(ms)}ms`;
  if (ms < 60_000) return `${Number((ms / 1000).toFixed(1))}s`;
  return `${Number((ms / 60_000).toFixed(1))}m`;
}
