import { formatKey, type ResourceKey } from './resource-key.ts';

/**
 * What happened to one object in an operation (apply, prune, diff, sync), in the words of
 * fluxcd/pkg ssa: `created`, `configured` (changed in place), `unchanged` (not written),
 * `deleted`, `skipped` (deliberately left alone, with a message saying why) or `failed`.
 */
export type ChangeAction = 'created' | 'configured' | 'unchanged' | 'deleted' | 'skipped' | 'failed';

export const changeActions: readonly ChangeAction[] = ['created', 'configured', 'unchanged', 'deleted', 'skipped', 'failed'];

/** When a hook runs: before the waves, with its wave, after the waves, or when the sync failed. */
export type HookPhase = 'PreSync' | 'Sync' | 'PostSync' | 'SyncFail';

/** One object's outcome. CLI output, events and app status all share this shape. */
export interface Change {
  key: ResourceKey;
  apiVersion: string;
  action: ChangeAction;
  /** Why it was skipped or failed, or other detail; never carries a Secret's value. */
  message?: string;
  /** The sync wave the object belongs to (absent for prunes). */
  wave?: number;
  /** Set for hook objects, which are run rather than owned. */
  hook?: HookPhase;
}

/** The outcome of an operation over many objects, in the order things happened. */
export interface ChangeSet {
  changes: Change[];
}

export function emptyChangeSet(): ChangeSet {
  return { changes: [] };
}

/** How many changes there are of each action (every action present, zero when none). */
export function countChanges(changeSet: ChangeSet): Record<ChangeAction, number> {
  const counts = Object.fromEntries(changeActions.map((a) => [a, 0])) as Record<ChangeAction, number>;
  for (const change of changeSet.changes) counts[change.action]++;
  return counts;
}

/** The changes with one of the given actions. */
export function changesWith(changeSet: ChangeSet, ...actions: ChangeAction[]): Change[] {
  return changeSet.changes.filter((c) => actions.includes(c.action));
}

/** True when anything was (or, for a dry run, would be) created, configured or deleted. */
export function hasChanges(changeSet: ChangeSet): boolean {
  return changeSet.changes.some((c) => c.action === 'created' || c.action === 'configured' || c.action === 'deleted');
}

/** `Deployment/web/api configured`, with the message after a colon when there is one. */
export function formatChange(change: Change): string {
  const text = `${formatKey(change.key)} ${change.action}`;
  return change.message ? `${text}: ${change.message}` : text;
}

/** `2 created, 1 configured, 5 unchanged` — only the actions that occur; `no changes` when empty. */
export function summarizeChangeSet(changeSet: ChangeSet): string {
  const counts = countChanges(changeSet);
  const parts = changeActions.filter((a) => counts[a] > 0).map((a) => `${counts[a]} ${a}`);
  return parts.length > 0 ? parts.join(', ') : 'no changes';
}
