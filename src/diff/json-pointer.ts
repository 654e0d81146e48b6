import { isContainer, isEmptyContainer, type JsonObject, type JsonValue } from './json.ts';

/** The reference tokens of a pointer: `/metadata/annotations/a~1b` → ['metadata', 'annotations', 'a/b']. */
export function parsePointer(pointer: string): string[] {
  if (pointer === '') return [];
  return pointer
    .slice(1)
    .split('/')
    .map((token) => token.replace(/~1/g, '/').replace(/~0/g, '~'));
}

export function formatPointer(tokens: readonly (string | number)[]): string {
  return tokens.map((token) => '/' + String(token).replace(/~/g, '~0').replace(/\//g, '~1')).join('');
}

function arrayIndex(token: string, length: number): number | undefined {
  if (!/^(0|[1-9][0-9]*)$/.test(token)) return undefined;
  const index = Number(token);
  return index < length ? index : undefined;
}

function child(container: JsonObject | JsonValue[], token: string): JsonValue | undefined {
  if (Array.isArray(container)) {
    const index = arrayIndex(token, container.length);
    return index === undefined ? undefined : container[index];
  }
  return Object.hasOwn(container, token) ? container[token] : undefined;
}

function removeChild(container: JsonObject | JsonValue[], token: string): void {
  if (Array.isArray(container)) {
    const index = arrayIndex(token, container.length);
    if (index !== undefined) container.splice(index, 1);
  } else {
    delete container[token];
  }
}

/**
 * Removes what `tokens` points at from `root`, in place. A path that does not exist is not an
 * error (the field is simply not there to ignore). Maps and lists that the removal leaves empty are
 * removed too, up to (not including) the root.
 */
export function removePath(root: JsonObject, tokens: readonly string[]): void {
  if (tokens.length === 0) return;
  const chain: (JsonObject | JsonValue[])[] = [root];
  for (const token of tokens.slice(0, -1)) {
    const next = child(chain[chain.length - 1], token);
    if (!isContainer(next)) return;
    chain.push(next);
  }
  const last = tokens[tokens.length - 1];
  const parent = chain[chain.length - 1];
  if (child(parent, last) === undefined) return;
  removeChild(parent, last);
  for (let depth = chain.length - 1; depth > 0 && isEmptyContainer(chain[depth]); depth--) {
    removeChild(chain[depth - 1], tokens[depth - 1]);
  }
}
