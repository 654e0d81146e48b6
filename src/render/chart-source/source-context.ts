import type { VersionConstraint } from '../../core/index.ts';
import type { ChartCache } from './chart-cache.ts';
import type { BasicCredentials } from './credentials.ts';
import type { ChartRequest } from './index.ts';

/** What one fetch of a chart knows, shared by the HTTP repository and OCI registry clients. */
export interface SourceContext {
  request: ChartRequest;
  constraint: VersionConstraint;
  /** Names the chart in messages: `app web (environment prod): chart nginx ^1.2 from https://charts.example.com`. */
  what: string;
  fetch: typeof globalThis.fetch;
  cache: ChartCache;
  /** The request's credentials, read on first use; undefined without any. */
  credentials(): Promise<BasicCredentials | undefined>;
  /** Where the credentials came from, for messages (never their values). */
  credentialsFrom?: string;
  timeoutMs: number;
  now(): number;
  indexTtlMs: number;
  maxIndexBytes: number;
  maxChartBytes: number;
}

/** The advice for a 401/403: which credentials to set, or that the ones given were refused. */
export function accessAdvice(context: SourceContext, status: number): string {
  if (context.credentialsFrom === undefined) return `${status} ${status === 401 ? 'Unauthorized' : 'Forbidden'}: set credentials ({ file } or { secret }) for this repository: helm.chart.credentials, or helm.repositories for a dependency's`;
  return `${status} ${status === 401 ? 'Unauthorized' : 'Forbidden'} with the ${context.credentialsFrom}: check the username and password there, and that they may read this chart`;
}
