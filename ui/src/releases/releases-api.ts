// What the Releases page reads beyond the typed client's get and post: the release log with its
// query, policy deletion, and crash reports (a 404, an agent without them, is none).
import { ApiError, errorFrom, type ApiClient, type Schemas } from '../api/client.ts';

export type ServiceSummary = Schemas['ServiceSummary'];
export type ServiceStatus = Schemas['ServiceStatus'];
export type EnvironmentStatus = ServiceStatus['environments'][number];
export type Artifact = Schemas['Artifact'];
export type Policy = Schemas['Policy'];
export type PolicyRequest = Schemas['PolicyRequest'];
export type ReleaseLogEntry = Schemas['ReleaseLogEntry'];
export type ReleaseResult = Schemas['ReleaseResult'];

export type CrashReport = Schemas['CrashReport'];

export interface LogQuery {
  service?: string;
  env?: string;
  limit?: number;
}

async function requestJson(client: ApiClient, method: string, path: string, signal?: AbortSignal): Promise<unknown> {
  const res = await client.fetch(path, { method, headers: { accept: 'application/json' }, signal });
  if (!res.ok) throw await errorFrom(res);
  return res.status === 204 ? undefined : res.json();
}

/** GET /api/v1/releases/log, newest first. */
export async function readReleaseLog(client: ApiClient, query: LogQuery, signal?: AbortSignal): Promise<ReleaseLogEntry[]> {
  const search = new URLSearchParams();
  if (query.service) search.set('service', query.service);
  if (query.env) search.set('env', query.env);
  if (query.limit) search.set('limit', String(query.limit));
  const qs = search.toString();
  return (await requestJson(client, 'GET', `/api/v1/releases/log${qs ? `?${qs}` : ''}`, signal)) as ReleaseLogEntry[];
}

/** DELETE /api/v1/policies/{id}. */
export async function deletePolicy(client: ApiClient, id: string): Promise<Schemas['PolicyChange']> {
  return (await requestJson(client, 'DELETE', `/api/v1/policies/${encodeURIComponent(id)}`)) as Schemas['PolicyChange'];
}

/** GET /api/v1/crashes, newest first; none when the agent does not serve it (404: an older agent). */
export async function readCrashReports(client: ApiClient, signal?: AbortSignal): Promise<CrashReport[]> {
  try {
    return (await client.get('/api/v1/crashes', { signal })).reports;
  } catch (err) {
    if (err instanceof ApiError && err.status === 404) return [];
    throw err;
  }
}
