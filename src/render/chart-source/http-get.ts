/**
 * One bounded GET for chart sources: http(s) only, at most `maxRedirects` redirects (never from
 * https to http), a size limit read as the body streams in, a timeout, and an Authorization header
 * sent only to the origin it belongs to: a redirect to another host (a CDN holding the blob) goes
 * without it, as helm does without --pass-credentials. Error messages name the URL without its query
 * (signed URLs carry tokens) and never a header.
 */
import { CapstanError, TimeoutError, TransientError, ValidationError } from '../../core/index.ts';

export interface HttpGetOptions {
  fetch: typeof globalThis.fetch;
  /** What is fetched, for messages: `the index of https://charts.example.com`. */
  what: string;
  maxBytes: number;
  timeoutMs: number;
  accept?: string;
  /** An Authorization header value, and the origin (`https://host:port`) it may be sent to. */
  authorization?: { value: string; origin: string };
  maxRedirects?: number;
}

export interface HttpGetResult {
  status: number;
  headers: Headers;
  body: Buffer;
  /** Where the body was read from, after redirects. */
  url: URL;
}

export const defaultMaxRedirects = 5;

/** A URL as shown in messages: no user info, no query or fragment. */
export function showUrl(url: URL | string): string {
  const parsed = typeof url === 'string' ? new URL(url) : url;
  return `${parsed.protocol}//${parsed.host}${parsed.pathname}`;
}

/** GETs a URL, following redirects; any status is returned (the caller decides what 401 or 404 mean). */
export async function httpGet(start: URL, options: HttpGetOptions): Promise<HttpGetResult> {
  let url = start;
  const maxRedirects = options.maxRedirects ?? defaultMaxRedirects;
  const signal = AbortSignal.timeout(options.timeoutMs);
  for (let hop = 0; ; hop++) {
    checkScheme(url, options);
    const headers: Record<string, string> = { 'user-agent': 'capstan' };
    if (options.accept) headers.accept = options.accept;
    if (options.authorization && url.origin === options.authorization.origin) headers.authorization = options.authorization.value;
    let response: Response;
    try {
      response = await options.fetch(url, { headers, redirect: 'manual', signal });
    } catch (error) {
      throw fetchFailed(error, url, options);
    }
    if (response.status >= 300 && response.status < 400 && response.status !== 304) {
      await response.body?.cancel().catch(() => undefined);
      const location = response.headers.get('location');
      if (!location) throw new TransientError(`${options.what}: ${showUrl(url)} answered ${response.status} without a Location`);
      if (hop >= maxRedirects) throw new ValidationError(`${options.what}: more than ${maxRedirects} redirects from ${showUrl(start)}`);
      const next = new URL(location, url);
      if (url.protocol === 'https:' && next.protocol !== 'https:') throw new ValidationError(`${options.what}: ${showUrl(url)} redirects to ${next.protocol.replace(':', '')} (${showUrl(next)}), which is refused: only https may follow https`);
      url = next;
      continue;
    }
    const body = await readBody(response, url, options, signal);
    return { status: response.status, headers: response.headers, body, url };
  }
}

function checkScheme(url: URL, options: HttpGetOptions): void {
  if (url.protocol === 'https:' || url.protocol === 'http:') return;
  throw new ValidationError(`${options.what}: ${url.protocol.replace(':', '')} URLs are refused (${showUrl(url)}): only http and https`);
}

/** 127.0.0.1, ::1 or localhost. */
export function isLoopback(hostname: string): boolean {
  return hostname === 'localhost' || hostname === '[::1]' || hostname === '::1' || /^127\.\d+\.\d+\.\d+$/.test(hostname);
}

async function readBody(response: Response, url: URL, options: HttpGetOptions, signal: AbortSignal): Promise<Buffer> {
  const tooLarge = (): ValidationError =>
    new ValidationError(`${options.what}: ${showUrl(url)} is larger than ${formatBytes(options.maxBytes)}, the most capstan downloads for it`);
  const length = Number(response.headers.get('content-length'));
  if (Number.isFinite(length) && length > options.maxBytes) {
    await response.body?.cancel().catch(() => undefined);
    throw tooLarge();
  }
  if (!response.body) return Buffer.alloc(0);
  const chunks: Buffer[] = [];
  let total = 0;
  const reader = response.body.getReader();
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      total += value.byteLength;
      if (total > options.maxBytes) {
        await reader.cancel().catch(() => undefined);
        throw tooLarge();
      }
      chunks.push(Buffer.from(value));
    }
  } catch (error) {
    if (error instanceof CapstanError) throw error;
    throw fetchFailed(signal.aborted ? signal.reason : error, url, options);
  }
  return Buffer.concat(chunks);
}

function fetchFailed(error: unknown, url: URL, options: HttpGetOptions): CapstanError {
  const name = (error as Error | undefined)?.name;
  if (name === 'TimeoutError' || name === 'AbortError') {
    return new TimeoutError(`${options.what}: ${showUrl(url)} did not answer within ${options.timeoutMs / 1000}s`);
  }
  const cause = (error as { cause?: { code?: string; message?: string } } | undefined)?.cause;
  const detail = cause?.code ?? cause?.message ?? (error as Error | undefined)?.message ?? String(error);
  return new TransientError(`${options.what}: cannot reach ${showUrl(url)} (${detail})`);
}

export function formatBytes(bytes: number): string {
  return bytes >= 1024 * 1024 ? `${Math.round(bytes / (1024 * 1024))} MB` : `${Math.round(bytes / 1024)} kB`;
}
