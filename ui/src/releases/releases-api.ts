// What the Releases page reads beyond the typed client: the release log with its query, policy
// deletion, and crash reports (GET /api/v1/crashes, not yet in the API's schema: read with a local
// type, and a 404 — an agent without it — is no crash reports).
import { errorFrom, type ApiClient, type Schemas } from '../api/client.ts';

export type ServiceSummary = Schemas['ServiceSummary'];
export type ServiceStatus = Schemas['ServiceStatus'];
export type EnvironmentStatus = ServiceStatus['environments'][number];
export type Artifact = Schemas['Artifact'];
export type Policy = Schemas['Policy'];
export type PolicyRequest = Schemas['PolicyRequest'];
export type ReleaseLogEntry = Schemas['ReleaseLogEntry'];
export type ReleaseResult = Schemas['ReleaseResult'];

export interface CrashRelease {
  service?: string;
  artifact?: string;
  branch?: string;
  commit?: string;
  author?: string;
  releasedBy?: string;
}

export interface CrashReport {
  app: string;
  env: string;
  pod: string;
  container: string;
  reason: string;
  exitCode?: number;
  restarts: number;
  time: string;
  message?: string;
  release?: CrashRelease;
  lines: string[];
}

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

/** Accepts the fields as the agent keeps them too (`restartCount`, `logLines`). */
function crashReportOf(raw: Record<string, unknown>): CrashReport {
  const text = (v: unknown): string => (typeof v === 'string' ? v : '');
  const lines = Array.isArray(raw.lines) ? raw.lines : Array.isArray(raw.logLines) ? raw.logLines : [];
  const restarts = typeof raw.restarts === 'number' ? raw.restarts : typeof raw.restartCount === 'number' ? raw.restartCount : 0;
  return {
    app: text(raw.app),
    env: text(raw.env),
    pod: text(raw.pod),
    container: text(raw.container),
    reason: text(raw.reason),
    ...(typeof raw.exitCode === 'number' ? { exitCode: raw.exitCode } : {}),
    restarts,
    time: text(raw.time),
    ...(typeof raw.message === 'string' ? { message: raw.message } : {}),
    ...(raw.release && typeof raw.release === 'object' ? { release: raw.release as CrashRelease } : {}),
    lines: lines.map((l) => String(l)),
  };
}

/** GET /api/v1/crashes; none when the agent does not serve it (404). */
export async function readCrashReports(client: ApiClient, signal?: AbortSignal): Promise<CrashReport[]> {
  const res = await client.fetch('/api/v1/crashes', { headers: { accept: 'application/json' }, signal });
  if (res.status === 404) return [];
  if (!res.ok) throw await errorFrom(res);
  const body = (await res.json()) as { reports?: unknown };
  const reports = Array.isArray(body?.reports) ? body.reports : Array.isArray(body) ? (body as unknown[]) : [];
  return reports.filter((r): r is Record<string, unknown> => !!r && typeof r === 'object').map(crashReportOf);
}
