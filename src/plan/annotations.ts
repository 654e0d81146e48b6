import { annotations, formatKey, keyOf, type HookPhase, type Manifest } from '../core/index.ts';

/** What `capstan.dev/sync-wave` and `capstan.dev/hook` say about one object, or the problem with them. */
export interface Placement {
  wave: number;
  hook?: HookPhase;
}

const integer = /^[+-]?\d+$/;

/**
 * Reads an object's sync wave (an integer, default 0, negative allowed) and hook phase. Returns
 * the problems as messages that start with the object (`Job/shop/migrate …`).
 */
export function placementOf(object: Manifest): Placement | { problems: string[] } {
  const read = readPlacement(object);
  if (read.problems.length === 0) return { wave: read.wave, hook: read.hook };
  const name = formatKey(keyOf(object));
  return { problems: read.problems.map((problem) => `${name} ${problem}`) };
}

/**
 * What is wrong with an object's sync-wave and hook annotations, without a cluster: each message
 * follows the object's name (`has an invalid capstan.dev/hook annotation "Sync": …`). The render
 * reports them with the file of the object, so `capstan validate` refuses what a sync would.
 */
export function annotationProblems(object: Manifest): string[] {
  return readPlacement(object).problems;
}

function readPlacement(object: Manifest): Placement & { problems: string[] } {
  const problems: string[] = [];
  const given = object.metadata.annotations ?? {};

  let wave = 0;
  const rawWave = given[annotations.syncWave];
  if (rawWave !== undefined) {
    const text = String(rawWave).trim();
    const value = Number(text);
    if (!integer.test(text) || !Number.isSafeInteger(value)) {
      problems.push(`has an invalid ${annotations.syncWave} annotation ${JSON.stringify(rawWave)}: it must be an integer such as -1, 0 or 5`);
    } else {
      wave = value;
    }
  }

  let hook: HookPhase | undefined;
  const rawHook = given[annotations.hook];
  if (rawHook !== undefined) {
    if (rawHook !== 'PreSync' && rawHook !== 'PostSync') {
      problems.push(`has an invalid ${annotations.hook} annotation ${JSON.stringify(rawHook)}: it must be PreSync or PostSync`);
    } else if (!isHookKind(object)) {
      problems.push(`cannot be a ${rawHook} hook: hooks must be Jobs (batch) or Pods`);
    } else {
      hook = rawHook;
    }
  }
  return { wave, hook, problems };
}

function isHookKind(object: Manifest): boolean {
  const { group, kind } = keyOf(object);
  return (group === 'batch' && kind === 'Job') || (group === '' && kind === 'Pod');
}

/** The hook phase of an object whose annotations were already validated by buildPlan. */
export function hookOf(object: Manifest): HookPhase | undefined {
  const value = object.metadata.annotations?.[annotations.hook];
  return value === 'PreSync' || value === 'PostSync' ? value : undefined;
}
