import type { HealthStatus, HealthStatusCode } from '../core/index.ts';

/**
 * Safe readers for the untyped fields of a Kubernetes object. Objects come from YAML or from the
 * API server, so every field may be absent or of the wrong type: a reader returns `undefined`
 * (or a default) instead of throwing, and the assessors stay total functions.
 */

export type JsonObject = Record<string, unknown>;

export function isObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** The value at a path of plain keys, or undefined as soon as a step is missing. */
export function get(value: unknown, ...path: string[]): unknown {
  let current = value;
  for (const key of path) {
    if (!isObject(current)) return undefined;
    current = current[key];
  }
  return current;
}

export function getNumber(value: unknown, ...path: string[]): number | undefined {
  const found = get(value, ...path);
  return typeof found === 'number' && Number.isFinite(found) ? found : undefined;
}

export function getString(value: unknown, ...path: string[]): string | undefined {
  const found = get(value, ...path);
  return typeof found === 'string' ? found : undefined;
}

export function getArray(value: unknown, ...path: string[]): unknown[] {
  const found = get(value, ...path);
  return Array.isArray(found) ? found : [];
}

/** A replica or pod counter from status: Kubernetes omits zero counters, so absent means 0. */
export function count(value: unknown, ...path: string[]): number {
  return getNumber(value, ...path) ?? 0;
}

/** A status condition as every core and most custom controllers write it. */
export interface Condition {
  type: string;
  status: string; // 'True' | 'False' | 'Unknown'
  reason?: string;
  message?: string;
}

export function toConditions(list: unknown): Condition[] {
  if (!Array.isArray(list)) return [];
  const conditions: Condition[] = [];
  for (const item of list) {
    const type = getString(item, 'type');
    if (type === undefined) continue;
    conditions.push({
      type,
      status: getString(item, 'status') ?? 'Unknown',
      reason: getString(item, 'reason') || undefined,
      message: getString(item, 'message') || undefined,
    });
  }
  return conditions;
}

/** The condition of `type` in `status.conditions`, if the object has one. */
export function findCondition(object: unknown, type: string): Condition | undefined {
  return toConditions(get(object, 'status', 'conditions')).find((c) => c.type === type);
}

export function isTrue(condition: Condition | undefined): boolean {
  return condition?.status === 'True';
}

export function isFalse(condition: Condition | undefined): boolean {
  return condition?.status === 'False';
}

/** What a person should read about a condition: its message, else its reason, else its state. */
export function describeCondition(condition: Condition): string {
  return condition.message ?? condition.reason ?? `${condition.type} is ${condition.status}`;
}

/** A HealthStatus without an empty `message` key, so results compare and serialise cleanly. */
export function health(status: HealthStatusCode, message?: string): HealthStatus {
  return message ? { status, message } : { status };
}

/** `metadata.generation` and `status.observedGeneration`, 0 when absent (as Kubernetes reads them). */
export function generations(object: unknown): { generation: number; observed: number } {
  return { generation: count(object, 'metadata', 'generation'), observed: count(object, 'status', 'observedGeneration') };
}
