// Which rows of a long table to put in the DOM: those in the viewport and a margin around them.
// 600 rows of the overview cost the browser ~100 ms to create and ~150 ms to lay out on a small
// machine, on every keypress that shows them again; the rows in view cost a few milliseconds.

export interface RowWindow {
  /** The first row rendered (index into the rows). */
  start: number;
  /** One past the last row rendered. */
  end: number;
}

export interface RowWindowInput {
  total: number;
  /** The height of one row, in px (rows are one line high). */
  rowHeight: number;
  /** Where the table's first row starts, relative to the top of the viewport (negative once scrolled past). */
  listTop: number;
  viewportHeight: number;
  /** Rows rendered beyond each edge of the viewport, so that scrolling shows no blank; default 10. */
  overscan?: number;
}

export function rowWindow({ total, rowHeight, listTop, viewportHeight, overscan = 10 }: RowWindowInput): RowWindow {
  const clamp = (n: number, min: number): number => Math.max(min, Math.min(total, n));
  const first = Math.floor(-listTop / rowHeight);
  const last = Math.ceil((viewportHeight - listTop) / rowHeight);
  const start = clamp(first - overscan, 0);
  return { start, end: clamp(last + overscan, start) };
}
