/**
 * What a reconcile decides about an app it compared with git: pure, from the comparison, the app's
 * sync policy, what caused the reconcile, its newest history entry and its sync window.
 */
import type { HistoryEntry } from '../inventory/index.ts';
import type { Trigger } from './types.ts';

/**
 * What a reconcile does about an app it compared: nothing (`in-sync`), report it out of sync
 * (`report`: a manual app, or drift without selfHeal), leave it to a rollback (`held`) or to a
 * delete (`deleted`), wait for the sync window (`deferred`), or `sync`.
 */
export type Decision = 'in-sync' | 'report' | 'held' | 'deleted' | 'deferred' | 'sync';

export interface DecisionInput {
  changed: boolean;
  policy: { automated: boolean; selfHeal: boolean };
  trigger: Trigger;
  /** The app's newest history entry. */
  last?: HistoryEntry;
  /** The agent's current commit. */
  head: string;
  windowOpen: boolean;
  /** The app was deleted through the API, and neither a manual sync nor a commit changing it came since. */
  deleted?: boolean;
}

export function decide(input: DecisionInput): Decision {
  if (!input.changed) return 'in-sync';
  const { policy, trigger } = input;
  // changes made outside the agent (by hand, by another capstan) are undone only with selfHeal
  const automatic = policy.automated && ((trigger !== 'drift' && trigger !== 'external') || policy.selfHeal);
  if (!automatic) return 'report';
  // someone deleted the app on purpose: syncing it back is a person's call (a manual sync) or a new commit's
  if (input.deleted) return 'deleted';
  if (input.last && heldByRollback(input.last, input.head)) return 'held';
  if (!input.windowOpen) return 'deferred';
  return 'sync';
}

/**
 * A successful rollback made while HEAD was on this commit: an automatic sync would undo it at
 * once, so none runs until HEAD moves (a new commit is the way forward, as with Argo CD's manual
 * rollbacks); a manual sync or apply still runs.
 */
function heldByRollback(last: HistoryEntry, head: string): boolean {
  return last.operation === 'rollback' && last.result === 'Succeeded' && last.head === head;
}
