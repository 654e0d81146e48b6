import { describe, expect, it } from 'vitest';
import { rowWindow } from './row-window.ts';

describe('rowWindow', () => {
  it('renders the rows in the viewport and the overscan around them', () => {
    // rows of 30 px starting 200 px down a 600 px viewport: rows 0..14 are in view
    expect(rowWindow({ total: 600, rowHeight: 30, listTop: 200, viewportHeight: 600, overscan: 5 })).toEqual({ start: 0, end: 19 });
    // scrolled 3,000 px past the list's top: rows 100..120 are in view
    expect(rowWindow({ total: 600, rowHeight: 30, listTop: -3000, viewportHeight: 600, overscan: 5 })).toEqual({ start: 95, end: 125 });
  });

  it('takes no total (Infinity) for a window that does not depend on the number of rows', () => {
    expect(rowWindow({ total: Infinity, rowHeight: 30, listTop: -3000, viewportHeight: 600, overscan: 5 })).toEqual({ start: 95, end: 125 });
  });

  it('stays within the rows at both ends', () => {
    expect(rowWindow({ total: 600, rowHeight: 30, listTop: -17_900, viewportHeight: 600, overscan: 10 })).toEqual({ start: 586, end: 600 });
    expect(rowWindow({ total: 20, rowHeight: 30, listTop: -50_000, viewportHeight: 600 })).toEqual({ start: 20, end: 20 });
    // a list far below the viewport renders no row until it is scrolled near
    expect(rowWindow({ total: 600, rowHeight: 30, listTop: 5000, viewportHeight: 600, overscan: 10 })).toEqual({ start: 0, end: 0 });
  });
});
