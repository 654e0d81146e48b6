// The overview's filters, read from and written to the URL query so that a filtered view is a link:
// `?env=dev&health=Degraded&sync=OutOfSync&q=web&view=matrix`.
import type { AppState, HealthCode } from '../api/client.ts';

export const healthCodes: HealthCode[] = ['Healthy', 'Suspended', 'Progressing', 'Missing', 'Degraded', 'Unknown'];
export type SyncLabel = 'Synced' | 'OutOfSync' | 'Unknown' | 'NotReleased';
export const syncLabels: SyncLabel[] = ['Synced', 'OutOfSync', 'Unknown', 'NotReleased'];

/** The sync state shown: an artifact app before its first release is NotReleased, not OutOfSync. */
export const syncLabel = (s: AppState): SyncLabel => (s.notReleased ? 'NotReleased' : s.sync);

export interface Filters {
  env?: string;
  health?: string;
  sync?: string;
  /** Part of the app's name, any case. */
  q?: string;
  view: 'list' | 'matrix';
}

export function readFilters(search: URLSearchParams): Filters {
  const text = (name: string): string | undefined => search.get(name)?.trim() || undefined;
  return { env: text('env'), health: text('health'), sync: text('sync'), q: text('q'), view: search.get('view') === 'matrix' ? 'matrix' : 'list' };
}

/** The query string of filters (with its `?`, or '' for none), in a stable order. */
export function filterQuery(filters: Filters): string {
  const params = new URLSearchParams();
  if (filters.env) params.set('env', filters.env);
  if (filters.health) params.set('health', filters.health);
  if (filters.sync) params.set('sync', filters.sync);
  if (filters.q) params.set('q', filters.q);
  if (filters.view === 'matrix') params.set('view', 'matrix');
  const query = params.toString();
  return query ? `?${query}` : '';
}

export function applyFilters(apps: AppState[], filters: Filters, options: { ignore?: Array<'health' | 'sync'> } = {}): AppState[] {
  const q = filters.q?.toLowerCase();
  return apps.filter(
    (s) =>
      (!filters.env || s.env === filters.env) &&
      (!filters.health || options.ignore?.includes('health') || s.health === filters.health) &&
      (!filters.sync || options.ignore?.includes('sync') || syncLabel(s) === filters.sync) &&
      (!q || s.app.toLowerCase().includes(q)),
  );
}

export interface Counts {
  health: Record<HealthCode, number>;
  sync: Record<SyncLabel, number>;
}

export function countStates(apps: AppState[]): Counts {
  const counts: Counts = {
    health: Object.fromEntries(healthCodes.map((h) => [h, 0])) as Record<HealthCode, number>,
    sync: Object.fromEntries(syncLabels.map((s) => [s, 0])) as Record<SyncLabel, number>,
  };
  for (const s of apps) {
    counts.health[s.health] = (counts.health[s.health] ?? 0) + 1;
    counts.sync[syncLabel(s)] += 1;
  }
  return counts;
}

/** Environments in the order the API lists them (first appearance). */
export function environmentsOf(apps: AppState[]): string[] {
  return [...new Set(apps.map((s) => s.env))];
}
