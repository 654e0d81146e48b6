import { groupOf, type Manifest } from '../core/index.ts';
import { removePath } from './json-pointer.ts';
import { isObject, type JsonObject, type JsonValue } from './json.ts';

/** The desired and live side of one object; either may be absent. */
export interface ObjectPair {
  desired?: Manifest;
  live?: Manifest;
}

/** The mask of the first value seen for a key; each further distinct value gets a longer one. */
const firstMask = '++++++++';
const maskStep = '++++';

function isSecret(object: Manifest | undefined): object is Manifest {
  return object !== undefined && object.kind === 'Secret' && groupOf(object.apiVersion) === '';
}

/** Folds `stringData` into `data` as the API server does: base64 of the UTF-8 text, stringData winning. */
function foldStringData(secret: JsonObject): void {
  const stringData = secret.stringData;
  if (stringData === undefined) return;
  delete secret.stringData;
  if (!isObject(stringData)) return;
  const data: JsonObject = isObject(secret.data) ? secret.data : {};
  for (const [key, value] of Object.entries(stringData)) {
    data[key] = typeof value === 'string' ? Buffer.from(value, 'utf8').toString('base64') : value;
  }
  if (Object.keys(data).length > 0) secret.data = data;
}

/** What makes two values equal for masking: the text itself, or the JSON of a value that is not text. */
function identity(value: JsonValue): string {
  return typeof value === 'string' ? `s:${value}` : `j:${JSON.stringify(value)}`;
}

function prepare(object: Manifest): JsonObject {
  const copy = structuredClone(object) as unknown as JsonObject;
  foldStringData(copy);
  // The last applied configuration of a Secret holds every value in clear text.
  removePath(copy, ['metadata', 'annotations', 'kubectl.kubernetes.io/last-applied-configuration']);
  return copy;
}

/**
 * Copies of both sides of a Secret (core group) with every value under `data` and `stringData`
 * replaced by a mask; keys stay visible. `stringData` is first folded into `data` (base64), as the
 * API server does. Per key, equal values get the same mask and different values different masks
 * (`++++++++` for the live value, a longer one for a changed desired value), so a diff still shows
 * which keys changed but never a value. Objects that are not Secrets are returned as they are.
 */
export function maskSecrets(desired: Manifest | undefined, live: Manifest | undefined): ObjectPair {
  if (!isSecret(desired) && !isSecret(live)) return { desired, live };
  const sides = { live: isSecret(live) ? prepare(live) : undefined, desired: isSecret(desired) ? prepare(desired) : undefined };
  const masks = new Map<string, Map<string, string>>(); // slot → value identity → mask
  const mask = (slot: string, value: JsonValue): string => {
    let byValue = masks.get(slot);
    if (!byValue) masks.set(slot, (byValue = new Map()));
    const id = identity(value);
    let masked = byValue.get(id);
    if (masked === undefined) byValue.set(id, (masked = firstMask + maskStep.repeat(byValue.size)));
    return masked;
  };
  for (const side of [sides.live, sides.desired]) {
    if (side === undefined || side.data === undefined) continue;
    if (!isObject(side.data)) {
      side.data = mask('', side.data); // not a map (invalid), but a value all the same
      continue;
    }
    for (const [key, value] of Object.entries(side.data)) side.data[key] = mask(`data/${key}`, value);
  }
  return {
    desired: sides.desired ? (sides.desired as unknown as Manifest) : desired,
    live: sides.live ? (sides.live as unknown as Manifest) : live,
  };
}
