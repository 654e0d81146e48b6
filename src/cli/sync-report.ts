import { countChanges, summarizeChangeSet, type CapstanError, type Change } from '../core/index.ts';
import type { SyncActionResult } from '../agent/index.ts';
import type { SyncResult } from '../engine/index.ts';
import { printData, shortRevision } from './output.ts';

/**
 * The one JSON (and YAML) shape of a sync's outcome, whoever ran it: `apply`, `rollback` and
 * `delete` (the engine, here), and `sync` (an agent, over its API). A command about one app prints
 * one report; `apply --all` prints a list of them, in the order the apps were applied.
 */
export interface SyncReport {
  app: string;
  env: string;
  /** The commit applied (for `delete`: the one the app was at). */
  revision: string;
  result: 'Succeeded' | 'Failed';
  /** How many objects were created, configured, unchanged, deleted, skipped, failed (every action, 0 when none). */
  counts: Record<string, number>;
  /** Every object's outcome, in the order things happened. */
  changes: Change[];
  /** The health of the app's objects when the sync ended, when it was read. */
  health?: { status: string; message?: string };
  /** Why the sync failed: `category` is one of capstan's error categories (validation, conflict, timeout, …) when known. */
  error?: { category?: string; message: string };
  /** The entry the sync recorded in the app's history (none when nothing changed). */
  historyId?: number;
  /** `delete --dry-run`: what would happen; nothing was written. */
  dryRun?: boolean;
}

/** A sync the engine ran in this process. */
export function reportOf(result: SyncResult): SyncReport {
  const report: SyncReport = { app: result.app, env: result.env, revision: result.revision, result: result.result, counts: result.counts, changes: result.changeSet.changes };
  if (result.health) report.health = result.health.message ? { status: result.health.status, message: result.health.message } : { status: result.health.status };
  if (result.error) report.error = { category: (result.error as CapstanError).category, message: result.error.message };
  if (result.recorded) report.historyId = result.recorded.id;
  return report;
}

/** A sync an agent ran, as its API answered it. */
export function reportOfAgentSync(result: SyncActionResult): SyncReport {
  const changes = result.changeSet?.changes ?? [];
  const report: SyncReport = { app: result.app, env: result.env, revision: result.revision, result: result.result, counts: { ...countChanges({ changes }), ...result.counts }, changes };
  if (result.result === 'Failed') report.error = { message: result.message ?? 'the sync failed' };
  return report;
}

/** `web (dev) at 1a2b3c4d5e6f: 1 configured, 4 unchanged; Healthy`, or `… FAILED …`. */
export function summaryLine(report: SyncReport): string {
  const verdict = report.result === 'Succeeded' ? '' : ' FAILED';
  return `${report.app} (${report.env}) at ${shortRevision(report.revision)}:${verdict} ${summarizeChangeSet({ changes: report.changes })}${report.health ? `; ${report.health.status}` : ''}`;
}

/** Prints reports: a summary line each, or JSON/YAML (one report as an object, several as a list). */
export function printReports(reports: SyncReport[], output: 'table' | 'json' | 'yaml', options: { list: boolean }): void {
  if (output !== 'table') printData(output, options.list ? reports : reports[0]);
  else for (const report of reports) process.stdout.write(`${summaryLine(report)}\n`);
}
