import { annotations, argoAnnotations, formatKey, helmAnnotations, keyOf, type HookPhase, type Manifest } from '../core/index.ts';

/** When a hook's object is deleted: before the next run creates it again, after it succeeded, after it failed. */
export type HookDeletePolicy = 'BeforeHookCreation' | 'HookSucceeded' | 'HookFailed';

export const hookDeletePolicies: readonly HookDeletePolicy[] = ['BeforeHookCreation', 'HookSucceeded', 'HookFailed'];

/** What the sync-wave and hook annotations (capstan's, Argo CD's, Helm's) say about one object. */
export interface Placement {
  wave: number;
  /** Every phase the hook runs in (`PreSync,PostSync`: created in both, as Argo CD does), in the order written. */
  hooks?: HookPhase[];
  /** Why the object is never applied (`hook: Skip`, a Helm hook a sync never runs). */
  skip?: string;
}

const integer = /^[+-]?\d+$/;
const hookValues = ['PreSync', 'Sync', 'PostSync', 'SyncFail', 'Skip'] as const;
type HookValue = (typeof hookValues)[number];

/** Helm hook types as Argo CD maps them onto its phases; the others are not run by a sync. */
const helmPhases: Record<string, 'PreSync' | 'PostSync'> = {
  'pre-install': 'PreSync',
  'pre-upgrade': 'PreSync',
  'post-install': 'PostSync',
  'post-upgrade': 'PostSync',
};

const helmDeletePolicies: Record<string, HookDeletePolicy> = {
  'before-hook-creation': 'BeforeHookCreation',
  'hook-succeeded': 'HookSucceeded',
  'hook-failed': 'HookFailed',
};

/**
 * Reads an object's sync wave (an integer, default 0, negative allowed), hook phase and whether
 * it is skipped. Returns the problems (of its hook-delete-policy and sync-options too) as messages that start with the object (`Job/shop/migrate …`).
 */
export function placementOf(object: Manifest): Placement | { problems: string[] } {
  const read = readPlacement(object);
  read.problems.push(...readDeletePolicy(object).problems, ...readSyncOptions(object).problems, ...readCompareOptions(object).problems);
  if (read.problems.length === 0) return { wave: read.wave, ...(read.hooks ? { hooks: read.hooks } : {}), ...(read.skip ? { skip: read.skip } : {}) };
  const name = formatKey(keyOf(object));
  return { problems: read.problems.map((problem) => `${name} ${problem}`) };
}

/**
 * What is wrong with an object's sync-wave, hook and hook-delete-policy annotations, without a
 * cluster: each message follows the object's name (`has an invalid capstan.dev/hook annotation
 * "Later": …`). The render reports them with the file of the object, so `capstan validate` refuses
 * what a sync would.
 */
export function annotationProblems(object: Manifest): string[] {
  return [...readPlacement(object).problems, ...readDeletePolicy(object).problems, ...readSyncOptions(object).problems, ...readCompareOptions(object).problems, ...patchProblems(object)];
}

/** `capstan.dev/patch-existing` is `"true"` or absent, and never on a hook (a hook is created each run). */
function patchProblems(object: Manifest): string[] {
  const value = object.metadata.annotations?.[annotations.patchExisting];
  if (value === undefined) return [];
  if (value !== 'true') return [`has ${annotations.patchExisting} ${JSON.stringify(value)}: write "true" (only set its fields on the object that exists) or remove it`];
  if (isHook(object)) return [`is a hook and has ${annotations.patchExisting}: a hook is created by every sync, so it cannot only set fields of an object that exists; remove one of the two`];
  return [];
}

/**
 * `argocd.argoproj.io/compare-options: IgnoreExtraneous`: the object, once no longer rendered,
 * does not make the app OutOfSync (it is still pruned, unless Prune=false), as in Argo CD.
 */
export function ignoresExtraneous(object: Manifest): boolean {
  return readCompareOptions(object).ignoreExtraneous;
}

/** Compare options that capstan's diff does anyway: a server-side dry-run, mutating webhooks included. */
const comparedSo = new Set(['ServerSideDiff=true', 'IncludeMutationWebhook=true']);

function readCompareOptions(object: Manifest): { ignoreExtraneous: boolean; problems: string[] } {
  const raw = object.metadata.annotations?.[argoAnnotations.compareOptions];
  const problems: string[] = [];
  let ignoreExtraneous = false;
  for (const option of String(raw ?? '').split(',').map((o) => o.trim()).filter(Boolean)) {
    if (option === 'IgnoreExtraneous') ignoreExtraneous = true;
    else if (!comparedSo.has(option)) problems.push(`has ${argoAnnotations.compareOptions} ${JSON.stringify(option)}, which capstan does not honour: it honours IgnoreExtraneous`);
  }
  return { ignoreExtraneous, problems };
}

/** What `argocd.argoproj.io/sync-options` says about one object, as capstan honours it. */
export interface SyncOptions {
  /** `Prune=false` (or `capstan.dev/prune: disabled`): never pruned. */
  prune: boolean;
  /** `Delete=false`: kept when the app is deleted. */
  delete: boolean;
  /** `SkipDryRunOnMissingResource=true`: a kind the cluster does not serve yet is applied without a dry-run. */
  skipDryRunOnMissingResource: boolean;
  /**
   * `Replace=true`: written as `kubectl replace` writes it (the object exactly as rendered, by an
   * update; created when missing) instead of by server-side apply, as Argo CD does.
   */
  replace: boolean;
}

/** Options that mean nothing more in capstan: it always applies server-side, and always prunes after everything else. */
const alwaysSo: Record<string, string> = { 'ServerSideApply=true': '', 'ServerSideApply=false': '', 'PruneLast=true': '', 'Prune=true': '', 'Delete=true': '', 'SkipDryRunOnMissingResource=false': '', 'Replace=false': '', 'Force=false': '' };

/** An object's sync options (see SyncOptions); validated by annotationProblems. */
export function syncOptionsOf(object: Manifest): SyncOptions {
  return readSyncOptions(object).options;
}

function readSyncOptions(object: Manifest): { options: SyncOptions; problems: string[] } {
  const given = object.metadata.annotations ?? {};
  const options: SyncOptions = { prune: given[annotations.prune] !== 'disabled', delete: true, skipDryRunOnMissingResource: false, replace: false };
  const problems: string[] = [];
  const raw = given[argoAnnotations.syncOptions];
  if (raw === undefined) return { options, problems };
  for (const option of String(raw).split(',').map((o) => o.trim()).filter(Boolean)) {
    if (option === 'Prune=false') options.prune = false;
    else if (option === 'Delete=false') options.delete = false;
    else if (option === 'SkipDryRunOnMissingResource=true') options.skipDryRunOnMissingResource = true;
    else if (option === 'Replace=true') options.replace = true;
    else if (option === 'Force=true') {
      problems.push(
        `has ${argoAnnotations.syncOptions} Force=true: capstan never deletes and re-creates an object to write it; remove the option, and change an immutable field by renaming the object`,
      );
    } else if (!(option in alwaysSo)) {
      problems.push(
        `has ${argoAnnotations.syncOptions} ${JSON.stringify(option)}, which capstan does not honour on an object: it honours Prune=false, Delete=false, SkipDryRunOnMissingResource=true, Replace=true, ServerSideApply=true and PruneLast=true`,
      );
    }
  }
  if (options.replace && given[annotations.patchExisting] === 'true') {
    problems.push(`has ${argoAnnotations.syncOptions} Replace=true and ${annotations.patchExisting}: a replace writes the whole object, so it cannot set only some fields of it; remove one of the two`);
  }
  return { options, problems };
}

/** One value given by capstan's key and by Argo CD's: both set and different is a problem. */
function either(given: Record<string, string>, own: string, argo: string, problems: string[]): { key: string; value: string } | undefined {
  const mine = given[own];
  const theirs = given[argo];
  if (mine !== undefined && theirs !== undefined && String(mine).trim() !== String(theirs).trim()) {
    problems.push(`has ${own} ${JSON.stringify(mine)} and ${argo} ${JSON.stringify(theirs)}: they disagree; keep one`);
  }
  if (mine !== undefined) return { key: own, value: String(mine) };
  if (theirs !== undefined) return { key: argo, value: String(theirs) };
  return undefined;
}

function readPlacement(object: Manifest): Placement & { problems: string[] } {
  const problems: string[] = [];
  const given = object.metadata.annotations ?? {};

  let phasesGiven: HookValue[] = [];
  let skip: string | undefined;
  const rawHook = either(given, annotations.hook, argoAnnotations.hook, problems);
  if (rawHook) {
    // several phases, comma-separated, as Argo CD allows: the hook is created in each
    const phases = rawHook.value.split(',').map((p) => p.trim());
    const unknown = phases.filter((p) => !(hookValues as readonly string[]).includes(p));
    if (unknown.length > 0) {
      problems.push(`has an invalid ${rawHook.key} annotation ${JSON.stringify(rawHook.value)}: it must be PreSync, Sync, PostSync, SyncFail or Skip`);
    } else if (phases.length > 1 && phases.includes('Skip')) {
      problems.push(`has ${rawHook.key} ${JSON.stringify(rawHook.value)}: Skip means never applied, so it cannot be listed with other phases; keep Skip alone, or remove it`);
    } else if (new Set(phases).size < phases.length) {
      problems.push(`has ${rawHook.key} ${JSON.stringify(rawHook.value)}: a phase is listed twice; list each once`);
    } else {
      phasesGiven = phases as HookValue[];
      if (phases[0] === 'Skip') skip = `annotated ${rawHook.key}: Skip: never applied`;
    }
  }

  let helmWeight: string | undefined;
  const helmHook = given[helmAnnotations.hook];
  if (!rawHook && helmHook !== undefined) {
    const types = String(helmHook).split(',').map((t) => t.trim()).filter(Boolean);
    const phase = (['PreSync', 'PostSync'] as const).find((p) => types.some((t) => helmPhases[t] === p));
    if (phase) {
      phasesGiven = [phase];
      helmWeight = given[helmAnnotations.hookWeight];
    } else if (!(types.length > 0 && types.every((t) => t === 'crd-install'))) {
      // test, pre/post-delete, pre/post-rollback: steps a sync does not have (Argo CD ignores them too)
      skip = `annotated ${helmAnnotations.hook}: ${helmHook}: a sync never runs such a Helm hook, so it is not applied`;
    }
  }

  let wave = 0;
  const rawWave = either(given, annotations.syncWave, argoAnnotations.syncWave, problems) ?? (helmWeight !== undefined ? { key: helmAnnotations.hookWeight, value: String(helmWeight) } : undefined);
  if (rawWave !== undefined) {
    const text = rawWave.value.trim();
    const value = Number(text);
    if (!integer.test(text) || !Number.isSafeInteger(value)) {
      problems.push(`has an invalid ${rawWave.key} annotation ${JSON.stringify(rawWave.value)}: it must be an integer such as -1, 0 or 5`);
    } else {
      wave = value;
    }
  }

  // hooks can be of any kind, as in Argo CD (Jobs and Pods complete; anything else becomes healthy); not a Namespace or CRD, which others need
  let hooks: HookPhase[] | undefined;
  if (phasesGiven.length > 0 && !skip) {
    if (isStructural(object)) problems.push(`cannot be a ${phasesGiven.join(',')} hook: a Namespace or CustomResourceDefinition is applied as an ordinary object`);
    else hooks = phasesGiven as HookPhase[];
  }
  if (!object.metadata.name && !hooks && !skip) {
    problems.push('has metadata.generateName but no metadata.name: only hooks are created anew on every sync; give it a metadata.name');
  }
  return { wave, hooks, skip, problems };
}

function isStructural(object: Manifest): boolean {
  const { group, kind } = keyOf(object);
  return (group === '' && kind === 'Namespace') || (group === 'apiextensions.k8s.io' && kind === 'CustomResourceDefinition');
}

/** Whether an object whose annotations were already validated by buildPlan is a hook (of any phase). */
export function isHook(object: Manifest): boolean {
  const placement = readPlacement(object);
  return placement.problems.length === 0 && placement.hooks !== undefined;
}

/**
 * When a hook's object is deleted, from `capstan.dev/hook-delete-policy`,
 * `argocd.argoproj.io/hook-delete-policy` or `helm.sh/hook-delete-policy` (comma-separated);
 * `BeforeHookCreation` when none is given, as Argo CD does.
 */
export function deletePolicyOf(object: Manifest): Set<HookDeletePolicy> {
  const read = readDeletePolicy(object);
  return read.problems.length === 0 && read.policies.size > 0 ? read.policies : new Set(['BeforeHookCreation']);
}

function readDeletePolicy(object: Manifest): { policies: Set<HookDeletePolicy>; problems: string[] } {
  const problems: string[] = [];
  const given = object.metadata.annotations ?? {};
  const policies = new Set<HookDeletePolicy>();
  const raw = either(given, annotations.hookDeletePolicy, argoAnnotations.hookDeletePolicy, problems);
  if (raw) {
    for (const part of raw.value.split(',').map((p) => p.trim())) {
      if ((hookDeletePolicies as readonly string[]).includes(part)) policies.add(part as HookDeletePolicy);
      else problems.push(`has an invalid ${raw.key} annotation ${JSON.stringify(raw.value)}: each policy must be BeforeHookCreation, HookSucceeded or HookFailed`);
    }
    return { policies, problems };
  }
  const helm = given[helmAnnotations.hookDeletePolicy];
  if (helm !== undefined) {
    for (const part of String(helm).split(',').map((p) => p.trim())) {
      const policy = helmDeletePolicies[part];
      if (policy) policies.add(policy);
      else problems.push(`has an invalid ${helmAnnotations.hookDeletePolicy} annotation ${JSON.stringify(helm)}: each policy must be before-hook-creation, hook-succeeded or hook-failed`);
    }
  }
  return { policies, problems };
}
