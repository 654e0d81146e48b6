// A small typed client of capstan's HTTP API: the bearer token on every request, and errors that
// carry the API's own message ({"error":{"message"}}) so the UI can show it where the action was taken.
import type { components, paths } from './schema.ts';

export type Schemas = components['schemas'];
export type AppState = Schemas['AppState'];
export type Identity = Schemas['Identity'];
export type Role = Identity['role'];
export type HealthCode = Schemas['Health'];
export type SyncCode = Schemas['SyncStatus'];

type Method = 'get' | 'post' | 'put' | 'delete';
/** The JSON body of an operation's 200 (or 201/202) answer. */
type Answer<Op> = Op extends { responses: infer R }
  ? R extends { 200: { content: { 'application/json': infer T } } }
    ? T
    : R extends { 201: { content: { 'application/json': infer T } } }
      ? T
      : R extends { 202: { content: { 'application/json': infer T } } }
        ? T
        : unknown
  : never;
type Body<Op> = Op extends { requestBody?: { content: { 'application/json': infer B } } } ? B : never;
/** The paths that have an operation for the method. */
export type PathWith<M extends Method> = { [P in keyof paths]: paths[P][M] extends { responses: unknown } ? P : never }[keyof paths];
/** `{env}`-style placeholders of a path. */
type Params<P extends string> = P extends `${string}{${infer K}}${infer Rest}` ? { [key in K]: string } & Params<Rest> : unknown;

export class ApiError extends Error {
  constructor(
    message: string,
    readonly status: number,
    readonly category?: string,
  ) {
    super(message);
    this.name = 'ApiError';
  }
}

export interface ApiClientOptions {
  token: string;
  /** Default '' (the same origin). */
  baseUrl?: string;
  fetch?: typeof fetch;
}

export interface RequestOptions<P extends string> {
  params?: Params<P>;
  /** The query string; undefined values are left out. */
  query?: Record<string, string | number | boolean | undefined>;
  signal?: AbortSignal;
}

export interface ApiClient {
  get<P extends PathWith<'get'>>(path: P, options?: RequestOptions<P>): Promise<Answer<paths[P]['get']>>;
  post<P extends PathWith<'post'>>(path: P, body?: Body<paths[P]['post']>, options?: RequestOptions<P>): Promise<Answer<paths[P]['post']>>;
  /** DELETE, with a JSON body when the operation takes one (`{"confirm": "<app>"}`). */
  delete<P extends PathWith<'delete'>>(path: P, body?: Body<paths[P]['delete']>, options?: RequestOptions<P>): Promise<Answer<paths[P]['delete']>>;
  /** A raw authorised request (the events stream). */
  fetch(path: string, init?: RequestInit): Promise<Response>;
}

/** Fills `{name}` placeholders, each URI-encoded. */
export function fillPath(path: string, params: Record<string, string> = {}): string {
  return path.replace(/\{(\w+)\}/g, (_, name: string) => {
    const value = params[name];
    if (value === undefined) throw new Error(`missing path parameter ${name} of ${path}`);
    return encodeURIComponent(value);
  });
}

/** The message of an API error answer, or a plain description of the status. */
export async function errorFrom(res: Response): Promise<ApiError> {
  let message = `${res.status} ${res.statusText}`.trim();
  let category: string | undefined;
  try {
    const body = (await res.json()) as { error?: { message?: unknown; category?: unknown } };
    if (typeof body?.error?.message === 'string') message = body.error.message;
    if (typeof body?.error?.category === 'string') category = body.error.category;
  } catch {
    // not JSON: keep the status line
  }
  return new ApiError(message, res.status, category);
}

export function createApiClient(options: ApiClientOptions): ApiClient {
  const baseUrl = options.baseUrl ?? '';
  const doFetch = options.fetch ?? ((input: RequestInfo | URL, init?: RequestInit) => fetch(input, init));
  const raw = (path: string, init: RequestInit = {}): Promise<Response> => {
    const headers = new Headers(init.headers);
    headers.set('authorization', `Bearer ${options.token}`);
    return doFetch(baseUrl + path, { ...init, headers });
  };
  const call = async (method: string, path: string, body: unknown, o: RequestOptions<string> | undefined): Promise<never> => {
    const signal = o?.signal;
    const query = Object.entries(o?.query ?? {}).filter((e): e is [string, string | number | boolean] => e[1] !== undefined);
    const search = query.length > 0 ? `?${new URLSearchParams(query.map(([k, v]) => [k, String(v)])).toString()}` : '';
    const headers: Record<string, string> = { accept: 'application/json' };
    if (body !== undefined) headers['content-type'] = 'application/json';
    let res: Response;
    try {
      res = await raw(fillPath(path, o?.params as Record<string, string> | undefined) + search, { method, headers, body: body === undefined ? undefined : JSON.stringify(body), signal });
    } catch (err) {
      if (signal?.aborted) throw err;
      throw new ApiError(`the API is unreachable: ${err instanceof Error ? err.message : String(err)}`, 0);
    }
    if (!res.ok) throw await errorFrom(res);
    return (res.status === 204 ? undefined : await res.json()) as never;
  };
  return {
    get: (path, o) => call('GET', path, undefined, o),
    post: (path, body, o) => call('POST', path, body, o),
    delete: (path, body, o) => call('DELETE', path, body, o),
    fetch: raw,
  };
}

/** Whether a role may do what deployers do (sync, rollback, release, promote). */
export function canDeploy(role: Role | undefined): boolean {
  return role === 'deploy' || role === 'admin';
}
