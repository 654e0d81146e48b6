// Renders only the rows of a long table that are in or near the viewport (see row-window.ts); the
// rest are stood for by two spacer rows of their height, so the page scrolls as if all were there.
// A table of at most `threshold` rows is rendered whole.
import { useLayoutEffect, useState, type RefObject } from 'react';
import { rowWindow, type RowWindow } from './row-window.ts';

export interface RowWindowOptions {
  /** Tables of at most this many rows are rendered whole; default 100. */
  threshold?: number;
  overscan?: number;
}

export interface WindowedRows extends RowWindow {
  /** More rows than the threshold: only some are rendered. */
  windowed: boolean;
  /** Heights of the spacers before and after the rendered rows, in px (0: no spacer). */
  before: number;
  after: number;
}

/** A first guess of a row's height before one is measured (px). */
const estimatedRowHeight = 36;

/** `bodyRef` is the table's <tbody>: where the rows start, and its first row is measured for their height. */
export function useRowWindow(bodyRef: RefObject<HTMLTableSectionElement | null>, total: number, options: RowWindowOptions = {}): WindowedRows {
  const { threshold = 100, overscan } = options;
  const [rowHeight, setRowHeight] = useState(estimatedRowHeight);
  const [range, setRange] = useState<RowWindow>(() => ({ start: 0, end: Math.min(total, 40) }));
  const windowed = total > threshold;

  useLayoutEffect(() => {
    if (!windowed) return;
    let frame = 0;
    const update = (): void => {
      frame = 0;
      const body = bodyRef.current;
      if (!body) return;
      const row = body.querySelector<HTMLElement>('tr[aria-rowindex]');
      const measured = row ? Math.round(row.getBoundingClientRect().height * 2) / 2 : 0;
      const height = measured > 0 ? measured : rowHeight;
      if (height !== rowHeight) setRowHeight(height);
      // the window as if the rows went on for ever, kept within them at render: a filter that changes
      // the number of rows moves neither the list's top nor the window, so it costs no second render
      const next = rowWindow({ total: Infinity, rowHeight: height, listTop: body.getBoundingClientRect().top, viewportHeight: window.innerHeight, overscan });
      setRange((prev) => (prev.start === next.start && prev.end === next.end ? prev : next));
    };
    const schedule = (): void => {
      if (!frame) frame = requestAnimationFrame(update);
    };
    update();
    window.addEventListener('scroll', schedule, { passive: true });
    window.addEventListener('resize', schedule);
    return () => {
      if (frame) cancelAnimationFrame(frame);
      window.removeEventListener('scroll', schedule);
      window.removeEventListener('resize', schedule);
    };
  }, [bodyRef, windowed, rowHeight, overscan]);

  if (!windowed) return { windowed, start: 0, end: total, before: 0, after: 0 };
  // Until the layout effect has measured again (the same frame), the last range, kept within the rows.
  const end = Math.min(range.end, total);
  const start = Math.min(range.start, end);
  return { windowed, start, end, before: start * rowHeight, after: (total - end) * rowHeight };
}
