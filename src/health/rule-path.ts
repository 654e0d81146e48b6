import type { RulePathStep } from '../core/index.ts';
import { isObject } from './fields.ts';

// Resolving the paths of custom health rules in an object; their syntax is core's `parseRulePath`.

/** The value the steps lead to in `value`, or undefined when any step finds nothing. */
export function resolveRulePath(value: unknown, steps: readonly RulePathStep[]): unknown {
  let current = value;
  for (const step of steps) {
    if (step.kind === 'key') {
      current = isObject(current) ? current[step.key] : undefined;
    } else if (step.kind === 'index') {
      current = Array.isArray(current) ? current[step.index] : undefined;
    } else {
      current = Array.isArray(current) ? current.find((item) => isObject(item) && scalarText(item[step.key]) === step.value) : undefined;
    }
    if (current === undefined) return undefined;
  }
  return current;
}

/** Text of a scalar (string, number, boolean); undefined for anything else. */
export function scalarText(value: unknown): string | undefined {
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  return undefined;
}
