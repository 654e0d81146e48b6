// The selected object, its tab and the diff mode live in the page's query string
// (`?object=<group>/<kind>/<namespace>/<name>&tab=manifest&diff=split`), so a selection is a deep
// link and back and forward move between selections.
import type { Schemas } from '../api/client.ts';

export type ResourceKey = Schemas['ResourceKey'];
export type ObjectTab = 'manifest' | 'diff' | 'events' | 'logs';
export type DiffMode = 'unified' | 'split';

export const objectTabs: readonly ObjectTab[] = ['manifest', 'diff', 'events', 'logs'];

export interface Selection {
  key: ResourceKey;
  tab: ObjectTab;
  diff: DiffMode;
}

/** `apps/Deployment/web/api`; the core group is empty (`/ConfigMap/web/config`), so is a cluster-scoped namespace. */
export const formatObjectId = (key: ResourceKey): string => [key.group, key.kind, key.namespace, key.name].join('/');

export function parseObjectId(id: string): ResourceKey | undefined {
  const parts = id.split('/');
  if (parts.length !== 4 || !parts[1] || !parts[3]) return undefined;
  const [group, kind, namespace, name] = parts;
  return { group, kind, namespace, name };
}

/** How a person names an object: `Kind/namespace/name` (no namespace when cluster-scoped). */
export const subjectOf = (key: ResourceKey): string => [key.kind, key.namespace, key.name].filter(Boolean).join('/');

export const sameKey = (a: ResourceKey, b: ResourceKey): boolean => a.group === b.group && a.kind === b.kind && a.namespace === b.namespace && a.name === b.name;

export function readSelection(search: URLSearchParams): Selection | undefined {
  const key = parseObjectId(search.get('object') ?? '');
  if (!key) return undefined;
  const tab = search.get('tab') as ObjectTab | null;
  return {
    key,
    tab: tab && objectTabs.includes(tab) && (tab !== 'logs' || key.kind === 'Pod') ? tab : 'manifest',
    diff: search.get('diff') === 'split' ? 'split' : 'unified',
  };
}

/** The query string of a selection (or none), slashes left readable. */
export function selectionQuery(selection: Selection | undefined): string {
  if (!selection) return '';
  const parts = [`object=${encodeURIComponent(formatObjectId(selection.key)).replace(/%2F/g, '/')}`];
  if (selection.tab !== 'manifest') parts.push(`tab=${selection.tab}`);
  if (selection.diff !== 'unified') parts.push(`diff=${selection.diff}`);
  return `?${parts.join('&')}`;
}
