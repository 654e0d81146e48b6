import { FILE_HEADERS_ONLY, createTwoFilesPatch } from 'diff';
import { stringify } from 'yaml';
import { ValidationError, formatKey, type IgnoreRule, type Manifest, type ResourceKey } from '../core/index.ts';
import { changedPaths } from './changed-paths.ts';
import type { ManagedFieldsEntry } from './managed-fields.ts';
import { maskSecrets } from './mask-secrets.ts';
import { normalize } from './normalize.ts';
import { takeovers, type Takeover } from './takeovers.ts';

export type DiffAction = 'create' | 'delete' | 'update' | 'unchanged';

export interface DiffInput {
  key: ResourceKey;
  /** The server's dry-run result of applying the desired manifest; absent when the object is to be deleted. */
  desired?: Manifest;
  /** The object as read from the cluster; absent when it does not exist yet. */
  live?: Manifest;
  /** Ignore rules; those that match `key` are applied to both sides when both exist. */
  ignore?: readonly IgnoreRule[];
  /** The field manager that applies `desired`: the fields it takes from other managers are listed. */
  fieldManager?: string;
}

export interface DiffResult {
  key: ResourceKey;
  action: DiffAction;
  /**
   * Unified diff of the normalised objects as YAML, live → desired, with 3 lines of context and the
   * headers `--- live/Kind/namespace/name` and `+++ desired/Kind/namespace/name`; '' when unchanged.
   * Secret values are masked.
   */
  unified: string;
  /**
   * RFC 6901 pointers to the fields that differ, e.g. `/spec/template/spec/containers/0/image`;
   * `['']` (the whole object) for create and delete, `[]` when unchanged.
   */
  changedPaths: string[];
  /** Fields the apply takes from other field managers (a forced conflict); absent when none. */
  takeovers?: Takeover[];
}

/** YAML as printed in diffs: block style, no folding of long lines, no anchors. */
export function toYaml(object: Manifest | undefined): string {
  if (object === undefined) return '';
  return stringify(object, { lineWidth: 0, aliasDuplicateObjects: false });
}

/**
 * Compares what applying the desired manifest would produce with what is live. Both sides are
 * normalised (server-set fields dropped, ignore rules applied) and Secret values masked before
 * comparing, so neither the result nor any error carries a secret value.
 */
export function computeDiff(input: DiffInput): DiffResult {
  const { key, desired, live } = input;
  if (desired === undefined && live === undefined) {
    throw new ValidationError('cannot be diffed: neither a desired nor a live object was given', { subject: key });
  }
  // Ignore rules hide drift between two existing objects; an object created or deleted is shown whole.
  const ignore = desired && live ? input.ignore : undefined;
  const liveManagedFields = live?.metadata.managedFields;
  const managedFields = Array.isArray(liveManagedFields) ? (liveManagedFields as ManagedFieldsEntry[]) : [];
  const options = { ignore, key, managedFields };
  // A create or a delete needs the normalised sides only for its text: they are made with it.
  let normalized: ReturnType<typeof maskSecrets> | undefined;
  const sides = () => (normalized ??= maskSecrets(desired && normalize(desired, options), live && normalize(live, options)));

  let action: DiffAction;
  let paths: string[];
  if (!live) [action, paths] = ['create', ['']];
  else if (!desired) [action, paths] = ['delete', ['']];
  else {
    const { live: before, desired: after } = sides();
    paths = changedPaths(before!, after!);
    action = paths.length > 0 ? 'update' : 'unchanged';
  }
  if (action === 'unchanged') return { key, action, unified: '', changedPaths: [] };

  const name = formatKey(key);
  const result = { key, action, changedPaths: paths } as DiffResult;
  const taken = desired && live && input.fieldManager ? takeovers(live.metadata.managedFields, desired.metadata.managedFields, input.fieldManager) : [];
  if (taken.length > 0) result.takeovers = taken;
  // Rendering the YAML diff costs more than the comparison; apply only needs the action, so the
  // text is made the first time it is read (JSON.stringify reads it too: the getter is enumerable).
  let unified: string | undefined;
  Object.defineProperty(result, 'unified', {
    enumerable: true,
    get: () =>
      (unified ??= createTwoFilesPatch(`live/${name}`, `desired/${name}`, toYaml(sides().live), toYaml(sides().desired), undefined, undefined, {
        context: 3,
        headerOptions: FILE_HEADERS_ONLY,
      })),
  });
  return result;
}
