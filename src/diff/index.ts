/**
 * diff — pure: normalise and compare a desired object (the server's dry-run result) with the live
 * one, apply ignore rules, mask Secret values. No I/O, no logging.
 */
export { computeDiff, type DiffAction, type DiffInput, type DiffResult } from './compute-diff.ts';
export { formatDiffs, type FormatDiffsOptions } from './format-diffs.ts';
export type { FieldsV1, ManagedFieldsEntry } from './managed-fields.ts';
export { maskSecrets, type ObjectPair } from './mask-secrets.ts';
export { normalize, type NormalizeOptions } from './normalize.ts';
export { quickCompare, type QuickCompareOptions, type QuickVerdict } from './quick-compare.ts';
export { formatTakeovers, takeovers, type Takeover } from './takeovers.ts';
