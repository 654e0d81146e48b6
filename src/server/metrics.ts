import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import { healthOrder } from '../core/index.ts';
import type { AgentMetrics, AppRef, AppState, SyncStatusCode } from '../agent/index.ts';

const syncStatuses: readonly SyncStatusCode[] = ['Synced', 'OutOfSync', 'Unknown'];

export interface ServerMetrics {
  /** What the agent reports to. */
  agent: AgentMetrics;
  /** A registry of this server alone (not prom-client's global one), so servers can run side by side. */
  registry: Registry;
}

export interface MetricsOptions {
  /** The apps to count in `capstan_apps`, read at scrape time (none before the agent is attached). */
  apps(): AppState[];
  version: string;
}

/**
 * The Prometheus metrics of an agent: default process metrics, reconcile and git fetch durations,
 * sync results, drift, queue depth, and apps by health and sync status (computed when scraped).
 */
export function createMetrics(options: MetricsOptions): ServerMetrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  const registers = [registry];
  const reconcile = new Histogram({
    name: 'capstan_reconcile_duration_seconds',
    help: 'Duration of a reconcile of one app in one environment.',
    labelNames: ['app', 'env', 'result'] as const,
    buckets: [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300],
    registers,
  });
  const syncs = new Counter({ name: 'capstan_sync_total', help: 'Syncs by result.', labelNames: ['app', 'env', 'result'] as const, registers });
  const drift = new Counter({ name: 'capstan_drift_total', help: 'Drift detected: objects changed behind capstan\'s back.', labelNames: ['app', 'env'] as const, registers });
  const gitFetch = new Histogram({
    name: 'capstan_git_fetch_duration_seconds',
    help: 'Duration of a fetch of the config repo.',
    labelNames: ['result'] as const,
    buckets: [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60],
    registers,
  });
  const queue = new Gauge({ name: 'capstan_queue_depth', help: 'Apps waiting for a sync slot.', registers });
  new Gauge({
    name: 'capstan_apps',
    help: 'Apps by health and sync status.',
    labelNames: ['health', 'sync'] as const,
    registers,
    collect() {
      const counts = new Map<string, number>();
      for (const state of options.apps()) counts.set(`${state.health}/${state.sync}`, (counts.get(`${state.health}/${state.sync}`) ?? 0) + 1);
      for (const health of healthOrder) {
        for (const sync of syncStatuses) this.set({ health, sync }, counts.get(`${health}/${sync}`) ?? 0);
      }
    },
  });
  new Gauge({
    name: 'capstan_orphaned_apps',
    help: 'Apps removed from capstan.yaml whose objects are still in the cluster.',
    registers,
    collect() {
      this.set(options.apps().filter((state) => state.orphaned).length);
    },
  });
  new Gauge({ name: 'capstan_build_info', help: 'The running capstan version (always 1).', labelNames: ['version'] as const, registers }).set({ version: options.version }, 1);

  const labels = (ref: AppRef) => ({ app: ref.app, env: ref.env });
  return {
    registry,
    agent: {
      reconcileDuration: (seconds, ref, result) => reconcile.observe({ ...labels(ref), result }, seconds),
      syncResult: (ref, result) => syncs.inc({ ...labels(ref), result }),
      drift: (ref) => drift.inc(labels(ref)),
      gitFetchDuration: (seconds, ok) => gitFetch.observe({ result: ok ? 'Succeeded' : 'Failed' }, seconds),
      queueDepth: (depth) => queue.set(depth),
    },
  };
}
