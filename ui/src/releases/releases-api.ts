// The Releases page's reads and writes beyond a plain typed call: the release log's filters, policy
// deletion, and crash reports (a 404, an agent without them, is none).
import { ApiError, type ApiClient, type Schemas } from '../api/client.ts';

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

/** GET /api/v1/releases/log, newest first. */
export function readReleaseLog(client: ApiClient, query: LogQuery, signal?: AbortSignal): Promise<ReleaseLogEntry[]> {
  return client.get('/api/v1/releases/log', { query: { service: query.service || undefined, env: query.env || undefined, limit: query.limit }, signal });
}

/** DELETE /api/v1/policies/{id}. */
export function deletePolicy(client: ApiClient, id: string): Promise<Schemas['PolicyChange']> {
  return client.delete('/api/v1/policies/{id}', undefined, { params: { id } });
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
