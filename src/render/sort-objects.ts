import { groupOf } from '../core/index.ts';
import { isPlainObject } from './parse-manifests.ts';
import type { RenderedObject } from './types.ts';

function text(value: unknown): string {
  return typeof value === 'string' ? value : '';
}

function sortKey(object: RenderedObject): string[] {
  const m = object.manifest as unknown as Record<string, unknown>;
  const metadata = isPlainObject(m.metadata) ? m.metadata : {};
  return [text(metadata.namespace), groupOf(text(m.apiVersion)), text(m.kind), text(metadata.name), object.source];
}

function compare(a: string[], b: string[]): number {
  for (let i = 0; i < a.length; i++) {
    // Code-unit order, not localeCompare: the same on every machine.
    if (a[i] < b[i]) return -1;
    if (a[i] > b[i]) return 1;
  }
  return 0;
}

/**
 * Objects in a stable order that does not depend on file layout or tool output order: by
 * namespace (cluster-scoped first), group, kind, name, then source. Returns a new array.
 */
export function sortObjects(objects: readonly RenderedObject[]): RenderedObject[] {
  return objects
    .map((object) => ({ object, key: sortKey(object) }))
    .sort((a, b) => compare(a.key, b.key))
    .map(({ object }) => object);
}
