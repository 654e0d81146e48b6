// A unified diff (live → desired, as the API gives it) read into lines for the two views: unified
// lines with their kind, and side-by-side rows where a hunk's removed lines face its added ones.

export type LineKind = 'context' | 'remove' | 'add' | 'hunk';

export interface DiffLine {
  kind: LineKind;
  text: string;
  /** Line numbers on the live (old) and desired (new) side. */
  old?: number;
  new?: number;
}

export interface SplitRow {
  /** A hunk header spans both columns. */
  hunk?: string;
  left?: { text: string; line: number; kind: 'context' | 'remove' };
  right?: { text: string; line: number; kind: 'context' | 'add' };
}

const hunkHeader = /^@@ -(\d+)(?:,\d+)? \+(\d+)(?:,\d+)? @@/;

/** The hunks' lines; file headers (`===`, `---`, `+++`, `Index:`) and `\ No newline` notes are left out. */
export function parseUnified(unified: string): DiffLine[] {
  const out: DiffLine[] = [];
  let oldLine = 0;
  let newLine = 0;
  let inHunk = false;
  for (const line of unified.replace(/\n$/, '').split('\n')) {
    const header = hunkHeader.exec(line);
    if (header) {
      oldLine = Number(header[1]);
      newLine = Number(header[2]);
      inHunk = true;
      out.push({ kind: 'hunk', text: line });
      continue;
    }
    if (!inHunk || line.startsWith('\\')) continue;
    if (line.startsWith('-')) out.push({ kind: 'remove', text: line.slice(1), old: oldLine++ });
    else if (line.startsWith('+')) out.push({ kind: 'add', text: line.slice(1), new: newLine++ });
    else if (line.startsWith(' ') || line === '') out.push({ kind: 'context', text: line.slice(1), old: oldLine++, new: newLine++ });
  }
  return out;
}

/** Side-by-side rows: context on both sides, each run of removals paired with the additions after it. */
export function splitRows(lines: readonly DiffLine[]): SplitRow[] {
  const rows: SplitRow[] = [];
  let removed: DiffLine[] = [];
  let added: DiffLine[] = [];
  const flush = (): void => {
    for (let i = 0; i < Math.max(removed.length, added.length); i++) {
      const l = removed[i];
      const r = added[i];
      rows.push({ left: l ? { text: l.text, line: l.old!, kind: 'remove' } : undefined, right: r ? { text: r.text, line: r.new!, kind: 'add' } : undefined });
    }
    removed = [];
    added = [];
  };
  for (const line of lines) {
    if (line.kind === 'remove') {
      if (added.length > 0) flush();
      removed.push(line);
    } else if (line.kind === 'add') added.push(line);
    else {
      flush();
      if (line.kind === 'hunk') rows.push({ hunk: line.text });
      else rows.push({ left: { text: line.text, line: line.old!, kind: 'context' }, right: { text: line.text, line: line.new!, kind: 'context' } });
    }
  }
  flush();
  return rows;
}
