import { readFile, realpath, stat } from 'node:fs/promises';
import path from 'node:path';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';

export interface WebUiOptions {
  /** The built UI (`dist/ui`): `index.html`, hashed files under `assets/`, and a few root files (favicon). */
  dir: string;
}

/** The routes of the UI, which openapi.json does not document (the SPA's other paths are the 404 handler's). */
export const webUiRoutes = ['GET /', 'GET /assets/*'] as const;

/** Paths that belong to the API: never answered with the UI, their 404s stay JSON. */
const apiPrefixes = ['/api', '/git', '/metrics', '/healthz', '/readyz'];

export function isApiPath(pathname: string): boolean {
  return apiPrefixes.some((prefix) => pathname === prefix || pathname.startsWith(`${prefix}/`));
}

const contentTypes: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
  '.webmanifest': 'application/manifest+json; charset=utf-8',
  '.txt': 'text/plain; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.jpg': 'image/jpeg',
  '.jpeg': 'image/jpeg',
  '.gif': 'image/gif',
  '.webp': 'image/webp',
  '.avif': 'image/avif',
  '.ico': 'image/x-icon',
  '.woff': 'font/woff',
  '.woff2': 'font/woff2',
  '.ttf': 'font/ttf',
  '.wasm': 'application/wasm',
};

export function contentTypeOf(file: string): string {
  return contentTypes[path.extname(file).toLowerCase()] ?? 'application/octet-stream';
}

/** Hashed file names never change content: cached for a year without asking again. */
const immutable = 'public, max-age=31536000, immutable';

/**
 * The page's own rules: scripts, styles, fonts and API calls only from this origin (inline styles
 * allowed: components set them), no framing, no plugins. A token in sessionStorage is only as safe
 * as the page is from injected script.
 */
const contentSecurityPolicy = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data:",
  "font-src 'self' data:",
  "connect-src 'self'",
  "object-src 'none'",
  "base-uri 'self'",
  "form-action 'self'",
  "frame-ancestors 'none'",
].join('; ');

/**
 * The URL path's segments, decoded; undefined when one could leave the folder it is looked up in
 * or name a hidden file: empty (`//`, an absolute path), `.`, `..` (also encoded, `%2e%2e`),
 * starting with a dot, holding a slash or backslash once decoded (`%2f`), or a NUL.
 */
export function safeSegments(urlPath: string): string[] | undefined {
  const segments: string[] = [];
  for (const raw of urlPath.split('/')) {
    let segment: string;
    try {
      segment = decodeURIComponent(raw);
    } catch {
      return undefined;
    }
    if (segment === '' || segment.startsWith('.') || /[/\\\0]/.test(segment)) return undefined;
    segments.push(segment);
  }
  return segments;
}

/**
 * Serves the web UI: `GET /` and every other non-API path answer `index.html` (the app routes in
 * the browser; `no-cache`), `GET /assets/*` the hashed files (immutable), a file at the UI's root
 * (favicon) itself. Nothing outside `dir` is ever read: segments are checked before the path is
 * built, and the real path (symlinks resolved) must still be inside. Without `index.html` (the UI
 * not built) the pages answer 503 saying how to build it.
 */
export class WebUi {
  private readonly dir: string;

  constructor(options: WebUiOptions) {
    this.dir = path.resolve(options.dir);
  }

  /** `GET /` and `GET /assets/*` on `app` (HEAD too: fastify adds it). */
  register(app: FastifyInstance): void {
    app.get('/', async (_request, reply) => this.sendIndex(reply));
    app.get('/assets/*', async (request, reply) => {
      const rest = pathOf(request).slice('/assets/'.length);
      const segments = safeSegments(rest);
      const file = segments && (await this.fileInside(['assets', ...segments]));
      if (!file) return this.notFound(request, reply);
      return reply.type(contentTypeOf(file)).header('cache-control', immutable).header('x-content-type-options', 'nosniff').send(await readFile(file));
    });
  }

  /** Whether the 404 handler should answer this request with the UI: a GET or HEAD of a non-API path. */
  handles(request: FastifyRequest): boolean {
    return (request.method === 'GET' || request.method === 'HEAD') && !isApiPath(pathOf(request));
  }

  /** A page of the app (`/apps/dev/web`): a file at the UI's root when one is named, else `index.html`. */
  async sendPage(request: FastifyRequest, reply: FastifyReply): Promise<FastifyReply> {
    const segments = safeSegments(pathOf(request).slice(1));
    if (segments?.length === 1) {
      const file = await this.fileInside(segments);
      if (file) return reply.type(contentTypeOf(file)).header('cache-control', 'no-cache').header('x-content-type-options', 'nosniff').send(await readFile(file));
    }
    return this.sendIndex(reply);
  }

  private async sendIndex(reply: FastifyReply): Promise<FastifyReply> {
    const index = path.join(this.dir, 'index.html');
    let html: Buffer;
    try {
      html = await readFile(index);
    } catch {
      return reply
        .code(503)
        .type('text/plain; charset=utf-8')
        .header('cache-control', 'no-store')
        .send(`capstan's web UI is not built: ${index} is missing.\nRun \`npm run build\` in ${path.resolve(this.dir, '..', '..')} and reload this page. The API is served at /api/v1 meanwhile.\n`);
    }
    return reply
      .type(contentTypes['.html']!)
      .header('cache-control', 'no-cache')
      .header('content-security-policy', contentSecurityPolicy)
      .header('x-content-type-options', 'nosniff')
      .header('x-frame-options', 'DENY')
      .header('referrer-policy', 'no-referrer')
      .send(html);
  }

  /** The regular file at `segments` below the UI's folder, its real path inside it; else undefined. */
  private async fileInside(segments: string[]): Promise<string | undefined> {
    const candidate = path.join(this.dir, ...segments);
    try {
      const [root, real] = await Promise.all([realpath(this.dir), realpath(candidate)]);
      if (!real.startsWith(root + path.sep)) return undefined;
      return (await stat(real)).isFile() ? real : undefined;
    } catch {
      return undefined;
    }
  }

  private notFound(request: FastifyRequest, reply: FastifyReply): FastifyReply {
    return reply.code(404).type('text/plain; charset=utf-8').send(`no file ${pathOf(request)} in the web UI\n`);
  }
}

/** The request's path, without its query. */
function pathOf(request: FastifyRequest): string {
  const url = request.url;
  const query = url.indexOf('?');
  return query < 0 ? url : url.slice(0, query);
}
