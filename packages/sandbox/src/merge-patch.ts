/**
 * JSON merge patch (RFC 7386, `kubectl patch --type merge`): objects merge key by key, `null`
 * removes a key, anything else (lists included) replaces. Pure; the result shares nothing with the inputs.
 */
import { cloneJson, isJsonObject, type JsonObject } from './field-set.ts';

export function applyMergePatch(original: unknown, patch: unknown): unknown {
  if (!isJsonObject(patch)) return cloneJson(patch);
  const target = isJsonObject(original) ? cloneJson(original) : {};
  mergeInto(target, patch);
  return target;
}

function mergeInto(target: JsonObject, patch: JsonObject): void {
  for (const [key, value] of Object.entries(patch)) {
    if (value === null) {
      delete target[key];
    } else if (isJsonObject(value)) {
      const current = target[key];
      const next = isJsonObject(current) ? current : {};
      mergeInto(next, value);
      target[key] = next;
    } else if (value !== undefined) {
      target[key] = cloneJson(value);
    }
  }
}
