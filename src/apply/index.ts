/**
 * apply — executes a plan through a KubeClient: validate everything (ownership, server-side
 * dry-run), apply only what differs, wait for CRDs, hooks and waves, prune. Reports progress
 * through a callback and results as a ChangeSet; never logs.
 */
export { applyPlan, prepareApply, type ApplyOutcome, type ExecuteOptions, type PreparedApply } from './apply-plan.ts';
export {
  SyncConflictError,
  SyncFailedError,
  SyncTimeoutError,
  SyncValidationError,
  failureDetail,
  failureLine,
  isSyncError,
  type ApplyFailure,
  type ObjectFailure,
  type SyncError,
} from './errors.ts';
export { crdsOf, readCrdLookup } from './crd-lookup.ts';
export { ownerValue, stampOwner, type Owner } from './stamp.ts';
export type { ApplyPlanOptions, ApplyProgressEvent, ApplyResult, ObjectRef } from './types.ts';
