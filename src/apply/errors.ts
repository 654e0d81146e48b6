import { CapstanError, ConflictError, TimeoutError, ValidationError, formatKey, type ResourceKey } from '../core/index.ts';
import type { ApplyResult } from './types.ts';

/** One object that failed, with the error that says why (its message starts with the object). */
export interface ObjectFailure {
  key: ResourceKey;
  apiVersion: string;
  error: Error;
}

/** What every apply error carries: the per-object failures and the result so far. */
export interface ApplyFailure {
  failures: ObjectFailure[];
  /**
   * What happened before the failure (created, configured, unchanged …) followed by a `failed`
   * change per failure; `applied` lists what is on the cluster now, for the caller's inventory.
   */
  result: ApplyResult;
}

/** `1 object`, `3 objects`. */
export function plural(count: number, noun: string): string {
  return `${count} ${noun}${count === 1 ? '' : 's'}`;
}

/** The line of one failure: always starts with `Kind/namespace/name`. */
export function failureLine(failure: ObjectFailure): string {
  const name = formatKey(failure.key);
  const message = failure.error.message;
  return message.startsWith(`${name} `) || message.startsWith(`${name}:`) ? message : `${name}: ${message}`;
}

/** The message of a failure without its leading `Kind/namespace/name`, for a Change's message. */
export function failureDetail(failure: ObjectFailure): string {
  const name = formatKey(failure.key);
  const message = failure.error.message;
  if (message.startsWith(`${name}: `)) return message.slice(name.length + 2);
  return message.startsWith(`${name} `) ? message.slice(name.length + 1) : message;
}

function describe(headline: string, failures: ObjectFailure[]): string {
  return [headline, ...failures.map(failureLine)].join('\n');
}

/**
 * Validation before any write failed (server-side dry-run rejected objects, objects owned by
 * another app, kinds the cluster does not serve): nothing was applied — except, for objects that
 * could only be validated once their Namespace or CRD existed, those Namespaces and CRDs.
 */
export class SyncValidationError extends ValidationError implements ApplyFailure {
  constructor(
    headline: string,
    readonly failures: ObjectFailure[],
    readonly result: ApplyResult,
  ) {
    super(describe(headline, failures), { cause: failures[0]?.error });
  }
}

/** Like SyncValidationError, when every failure is a conflict (field managers, other owners). */
export class SyncConflictError extends ConflictError implements ApplyFailure {
  constructor(
    headline: string,
    readonly failures: ObjectFailure[],
    readonly result: ApplyResult,
  ) {
    super(describe(headline, failures), { cause: failures[0]?.error });
  }
}

/** Waiting ran out: objects that did not become healthy, hooks that did not complete. */
export class SyncTimeoutError extends TimeoutError implements ApplyFailure {
  constructor(
    headline: string,
    readonly failures: ObjectFailure[],
    readonly result: ApplyResult,
  ) {
    super(describe(headline, failures), { cause: failures[0]?.error });
  }
}

/** A sync failed after validation: a Degraded wave, a failed hook, a write or a prune that failed. */
export class SyncFailedError extends CapstanError implements ApplyFailure {
  constructor(
    headline: string,
    readonly failures: ObjectFailure[],
    readonly result: ApplyResult,
  ) {
    super(describe(headline, failures), { cause: failures[0]?.error });
  }
}

export type SyncError = SyncValidationError | SyncConflictError | SyncTimeoutError | SyncFailedError;

export function isSyncError(error: unknown): error is SyncError {
  return error instanceof SyncValidationError || error instanceof SyncConflictError || error instanceof SyncTimeoutError || error instanceof SyncFailedError;
}

/**
 * The same kind of error, with more failures after its own (what the SyncFail hooks that ran after
 * it did wrong) and the result that includes what happened since.
 */
export function withFailures(error: SyncError, extra: readonly ObjectFailure[], result: ApplyResult): SyncError {
  const Kind = error.constructor as new (headline: string, failures: ObjectFailure[], result: ApplyResult) => SyncError;
  const headline = error.message.split('\n')[0] ?? error.message;
  return new Kind(headline, [...error.failures, ...extra], result);
}
