import type { DiffAction, DiffResult } from './compute-diff.ts';
import { formatKey } from '../core/index.ts';
import { formatTakeovers } from './takeovers.ts';

export interface FormatDiffsOptions {
  /** Colour the output with ANSI escapes (for a terminal). Default false. */
  color?: boolean;
}

const ansi = { reset: '\x1b[0m', bold: '\x1b[1m', red: '\x1b[31m', green: '\x1b[32m', yellow: '\x1b[33m', cyan: '\x1b[36m' };

const actionColor: Record<DiffAction, string> = { create: ansi.green, delete: ansi.red, update: ansi.yellow, unchanged: '' };

function paint(text: string, ...codes: string[]): string {
  return codes.join('') + text + ansi.reset;
}

function colorLine(line: string): string {
  if (line.startsWith('--- ') || line.startsWith('+++ ')) return paint(line, ansi.bold);
  if (line.startsWith('@@')) return paint(line, ansi.cyan);
  if (line.startsWith('-')) return paint(line, ansi.red);
  if (line.startsWith('+')) return paint(line, ansi.green);
  return line;
}

/**
 * The diffs for a terminal: one block per object that changes, in the order given, each a title
 * line (`update Deployment/shop/web`) followed by its unified diff; blocks are separated by a blank
 * line. Unchanged objects are left out, so nothing to change gives ''.
 */
export function formatDiffs(results: readonly DiffResult[], options: FormatDiffsOptions = {}): string {
  const blocks: string[] = [];
  for (const result of results) {
    if (result.action === 'unchanged') continue;
    const title = `${result.action} ${formatKey(result.key)}`;
    const lines = result.unified.replace(/\n$/, '').split('\n');
    if (result.takeovers) lines.unshift(`# fields other managers hold, which the apply takes: ${formatTakeovers(result.takeovers)}`);
    const text = options.color ? [paint(title, ansi.bold, actionColor[result.action]), ...lines.map(colorLine)] : [title, ...lines];
    blocks.push(text.join('\n') + '\n');
  }
  return blocks.join('\n');
}
