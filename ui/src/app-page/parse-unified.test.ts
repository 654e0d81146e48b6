import { describe, expect, it } from 'vitest';
import { deploymentDiff } from './app-page-testing.tsx';
import { parseUnified, splitRows } from './parse-unified.ts';

describe('parseUnified', () => {
  it('reads the hunks with line numbers, leaving out the file headers', () => {
    expect(parseUnified(deploymentDiff)).toEqual([
      { kind: 'hunk', text: '@@ -3,4 +3,4 @@' },
      { kind: 'context', text: 'metadata:', old: 3, new: 3 },
      { kind: 'context', text: '  name: web', old: 4, new: 4 },
      { kind: 'context', text: 'spec:', old: 5, new: 5 },
      { kind: 'remove', text: '  replicas: 2', old: 6 },
      { kind: 'add', text: '  replicas: 3', new: 6 },
    ]);
  });

  it('skips "no newline" notes and reads an empty diff as no lines', () => {
    expect(parseUnified('@@ -1 +1 @@\n-a\n\\ No newline at end of file\n+b\n')).toEqual([
      { kind: 'hunk', text: '@@ -1 +1 @@' },
      { kind: 'remove', text: 'a', old: 1 },
      { kind: 'add', text: 'b', new: 1 },
    ]);
    expect(parseUnified('')).toEqual([]);
  });
});

describe('splitRows', () => {
  it('pairs removed lines with the added lines after them, and pads the shorter side', () => {
    const rows = splitRows(parseUnified('@@ -1,4 +1,3 @@\n a\n-b\n-c\n+B\n d\n+e\n'));
    expect(rows).toEqual([
      { hunk: '@@ -1,4 +1,3 @@' },
      { left: { text: 'a', line: 1, kind: 'context' }, right: { text: 'a', line: 1, kind: 'context' } },
      { left: { text: 'b', line: 2, kind: 'remove' }, right: { text: 'B', line: 2, kind: 'add' } },
      { left: { text: 'c', line: 3, kind: 'remove' }, right: undefined },
      { left: { text: 'd', line: 4, kind: 'context' }, right: { text: 'd', line: 3, kind: 'context' } },
      { left: undefined, right: { text: 'e', line: 4, kind: 'add' } },
    ]);
  });
});
