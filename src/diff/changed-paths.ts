import { formatPointer } from './json-pointer.ts';
import { compareKeys, deepEqual, isObject } from './json.ts';

/**
 * RFC 6901 pointers to the leaves where `from` and `to` differ, in document order. Lists are
 * compared by position: an item added or removed at the end is one path (`/spec/ports/1`).
 */
export function changedPaths(from: unknown, to: unknown): string[] {
  const paths: string[] = [];
  const walk = (a: unknown, b: unknown, at: (string | number)[]): void => {
    if (deepEqual(a, b)) return;
    if (isObject(a) && isObject(b)) {
      const keys = [...new Set([...Object.keys(a), ...Object.keys(b)])].sort(compareKeys);
      for (const key of keys) walk(a[key], b[key], [...at, key]);
    } else if (Array.isArray(a) && Array.isArray(b)) {
      for (let i = 0; i < Math.max(a.length, b.length); i++) {
        if (i >= a.length || i >= b.length) paths.push(formatPointer([...at, i]));
        else walk(a[i], b[i], [...at, i]);
      }
    } else {
      paths.push(formatPointer(at));
    }
  };
  walk(from, to, []);
  return paths;
}
