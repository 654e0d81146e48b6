import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { SyncWindow } from '../config/index.ts';
import { cronMatches, syncWindowOpen, windowActive } from './sync-windows.ts';

const window = (kind: SyncWindow['kind'], schedule: string, durationMs: number, timeZone = 'UTC'): SyncWindow => ({ kind, schedule, duration: `${durationMs}ms`, durationMs, timeZone });
const at = (iso: string): Date => new Date(iso);

describe('cronMatches', () => {
  test('fields, lists, ranges, steps and names', () => {
    assert.equal(cronMatches('30 22 * * *', 'UTC', at('2024-05-06T22:30:00Z')), true);
    assert.equal(cronMatches('30 22 * * *', 'UTC', at('2024-05-06T22:31:00Z')), false);
    assert.equal(cronMatches('*/15 9-17 * * mon-fri', 'UTC', at('2024-05-06T09:45:00Z')), true); // a Monday
    assert.equal(cronMatches('*/15 9-17 * * mon-fri', 'UTC', at('2024-05-05T09:45:00Z')), false); // a Sunday
    assert.equal(cronMatches('0 0 1 jan,jul *', 'UTC', at('2024-07-01T00:00:00Z')), true);
    assert.equal(cronMatches('0 0 * * 7', 'UTC', at('2024-05-05T00:00:00Z')), true, '7 is Sunday too');
  });

  test('day-of-month and day-of-week both restricted match either', () => {
    assert.equal(cronMatches('0 0 13 * fri', 'UTC', at('2024-05-13T00:00:00Z')), true); // the 13th, a Monday
    assert.equal(cronMatches('0 0 13 * fri', 'UTC', at('2024-05-10T00:00:00Z')), true); // a Friday
    assert.equal(cronMatches('0 0 13 * fri', 'UTC', at('2024-05-11T00:00:00Z')), false);
  });

  test('descriptors and time zones', () => {
    assert.equal(cronMatches('@daily', 'UTC', at('2024-05-06T00:00:00Z')), true);
    assert.equal(cronMatches('@hourly', 'UTC', at('2024-05-06T07:01:00Z')), false);
    // 22:00 in Berlin (CEST, UTC+2) is 20:00 UTC
    assert.equal(cronMatches('0 22 * * *', 'Europe/Berlin', at('2024-05-06T20:00:00Z')), true);
    assert.equal(cronMatches('0 22 * * *', 'Europe/Berlin', at('2024-05-06T22:00:00Z')), false);
  });
});

describe('sync windows', () => {
  const hour = 3_600_000;
  test('a window is active from each start for its duration', () => {
    const w = window('deny', '0 22 * * *', 2 * hour);
    assert.equal(windowActive(w, at('2024-05-06T21:59:59Z')), false);
    assert.equal(windowActive(w, at('2024-05-06T22:00:00Z')), true);
    assert.equal(windowActive(w, at('2024-05-06T23:59:59Z')), true);
    assert.equal(windowActive(w, at('2024-05-07T00:00:00Z')), false);
    assert.equal(windowActive(window('deny', '0 22 * * *', 0), at('2024-05-06T22:00:00Z')), false);
  });

  test('deny closes, allow windows must be active, no windows is open', () => {
    const night = window('deny', '0 22 * * *', 2 * hour);
    const office = window('allow', '0 9 * * mon-fri', 8 * hour);
    assert.equal(syncWindowOpen([], at('2024-05-06T23:00:00Z')), true);
    assert.equal(syncWindowOpen([night], at('2024-05-06T23:00:00Z')), false);
    assert.equal(syncWindowOpen([night], at('2024-05-06T12:00:00Z')), true);
    assert.equal(syncWindowOpen([office], at('2024-05-06T12:00:00Z')), true);
    assert.equal(syncWindowOpen([office], at('2024-05-06T18:00:00Z')), false);
    assert.equal(syncWindowOpen([office], at('2024-05-05T12:00:00Z')), false, 'Sunday');
    assert.equal(syncWindowOpen([office, window('deny', '0 12 * * *', hour)], at('2024-05-06T12:30:00Z')), false, 'deny wins over allow');
  });
});
