/**
 * Sync windows: whether an environment's cron-style allow/deny windows let the agent sync
 * automatically at a given instant. Pure (the clock is an argument).
 *
 * A window opens at every minute its schedule matches (read in its time zone) and stays open for
 * its duration. As in Argo CD: an active deny window closes the environment; when allow windows
 * exist, one of them must be active; with no windows at all the environment is always open.
 */
import type { SyncWindow } from '../config/index.ts';

const MINUTE = 60_000;
/** Longest duration looked back over (minute by minute); longer windows are treated as this long. */
const MAX_LOOKBACK_MINUTES = 31 * 24 * 60;

/** Whether automatic syncs may run at `at` under these windows. */
export function syncWindowOpen(windows: readonly SyncWindow[], at: Date): boolean {
  if (windows.some((w) => w.kind === 'deny' && windowActive(w, at))) return false;
  const allows = windows.filter((w) => w.kind === 'allow');
  return allows.length === 0 || allows.some((w) => windowActive(w, at));
}

/** Whether a window is open at `at`: a start matched its schedule less than `durationMs` ago. */
export function windowActive(window: SyncWindow, at: Date): boolean {
  if (!(window.durationMs > 0)) return false;
  const start = Math.floor(at.getTime() / MINUTE) * MINUTE;
  // With whole minutes the answer holds for the whole minute: many apps share an environment's windows.
  const memoKey = window.durationMs % MINUTE === 0 ? `${window.schedule}|${window.timeZone}|${window.durationMs}|${start}` : undefined;
  const memo = memoKey === undefined ? undefined : activeMemo.get(memoKey);
  if (memo !== undefined) return memo;
  const active = scanWindow(window, at, start);
  if (memoKey !== undefined) {
    if (activeMemo.size > 1000) activeMemo.clear();
    activeMemo.set(memoKey, active);
  }
  return active;
}

const activeMemo = new Map<string, boolean>();

function scanWindow(window: SyncWindow, at: Date, start: number): boolean {
  const schedule = parseCron(window.schedule);
  const minutes = Math.min(Math.ceil(window.durationMs / MINUTE), MAX_LOOKBACK_MINUTES);
  for (let k = 0; k <= minutes; k++) {
    const candidate = start - k * MINUTE;
    if (at.getTime() - candidate >= window.durationMs) break;
    if (cronMatchesParsed(schedule, wallClock(new Date(candidate), window.timeZone))) return true;
  }
  return false;
}

/** Whether a 5-field cron expression (or descriptor) matches the minute of `at` in `timeZone`. */
export function cronMatches(schedule: string, timeZone: string, at: Date): boolean {
  return cronMatchesParsed(parseCron(schedule), wallClock(at, timeZone));
}

interface ParsedCron {
  minute: Set<number>;
  hour: Set<number>;
  dayOfMonth: Set<number>;
  month: Set<number>;
  dayOfWeek: Set<number>;
  /** Day-of-month or day-of-week was `*` / `?`: then both must match, else either. */
  dayStar: boolean;
}

interface WallClock {
  minute: number;
  hour: number;
  dayOfMonth: number;
  month: number;
  dayOfWeek: number;
}

const descriptors: Record<string, string> = {
  '@yearly': '0 0 1 1 *',
  '@annually': '0 0 1 1 *',
  '@monthly': '0 0 1 * *',
  '@weekly': '0 0 * * 0',
  '@daily': '0 0 * * *',
  '@midnight': '0 0 * * *',
  '@hourly': '0 * * * *',
};

const monthNames = ['jan', 'feb', 'mar', 'apr', 'may', 'jun', 'jul', 'aug', 'sep', 'oct', 'nov', 'dec'];
const dayNames = ['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'];
const parsedCache = new Map<string, ParsedCron>();

function parseCron(text: string): ParsedCron {
  const cached = parsedCache.get(text);
  if (cached) return cached;
  const trimmed = text.trim();
  const expanded = trimmed.startsWith('@') ? descriptors[trimmed.toLowerCase()] : trimmed;
  const parts = (expanded ?? '').split(/\s+/).filter((p) => p !== '');
  // capstan.yaml is validated on load (config's checkCronSchedule); this guards direct callers.
  if (parts.length !== 5) throw new Error(`sync window schedule "${text}" must have 5 fields (minute hour day-of-month month day-of-week)`);
  const [minute, hour, dom, month, dow] = parts as [string, string, string, string, string];
  const dayOfWeek = parseField(dow, 0, 7, dayNames, 0);
  if (dayOfWeek.has(7)) dayOfWeek.add(0);
  const parsed: ParsedCron = {
    minute: parseField(minute, 0, 59),
    hour: parseField(hour, 0, 23),
    dayOfMonth: parseField(dom, 1, 31),
    month: parseField(month, 1, 12, monthNames, 1),
    dayOfWeek,
    dayStar: isStar(dom) || isStar(dow),
  };
  parsedCache.set(text, parsed);
  return parsed;
}

function isStar(field: string): boolean {
  return field.startsWith('*') || field.startsWith('?');
}

function parseField(text: string, min: number, max: number, names?: readonly string[], nameBase = 0): Set<number> {
  const values = new Set<number>();
  const valueOf = (v: string): number => {
    const index = names?.indexOf(v.toLowerCase()) ?? -1;
    const n = index >= 0 ? index + nameBase : Number(v);
    if (!Number.isInteger(n) || n < min || n > max) throw new Error(`cron field "${text}": "${v}" is not in ${min}-${max}`);
    return n;
  };
  for (const item of text.split(',')) {
    const [range = '*', stepText] = item.split('/');
    const step = stepText === undefined ? 1 : Number(stepText);
    if (!Number.isInteger(step) || step < 1) throw new Error(`cron field "${text}": step "${stepText}" must be a whole number above 0`);
    let low: number;
    let high: number;
    if (range === '*' || range === '?') {
      low = min;
      high = max;
    } else if (range.includes('-')) {
      const [a = '', b = ''] = range.split('-');
      low = valueOf(a);
      high = valueOf(b);
    } else {
      low = valueOf(range);
      high = stepText === undefined ? low : max;
    }
    for (let v = low; v <= high; v += step) values.add(v);
  }
  return values;
}

function cronMatchesParsed(cron: ParsedCron, t: WallClock): boolean {
  if (!cron.minute.has(t.minute) || !cron.hour.has(t.hour) || !cron.month.has(t.month)) return false;
  const dom = cron.dayOfMonth.has(t.dayOfMonth);
  const dow = cron.dayOfWeek.has(t.dayOfWeek);
  return cron.dayStar ? dom && dow : dom || dow;
}

const formatters = new Map<string, Intl.DateTimeFormat>();

/** The wall-clock fields of an instant in a time zone. */
function wallClock(at: Date, timeZone: string): WallClock {
  let format = formatters.get(timeZone);
  if (!format) {
    format = new Intl.DateTimeFormat('en-US', { timeZone, hourCycle: 'h23', month: 'numeric', day: 'numeric', hour: 'numeric', minute: 'numeric', weekday: 'short' });
    formatters.set(timeZone, format);
  }
  const parts = Object.fromEntries(format.formatToParts(at).map((p) => [p.type, p.value]));
  return {
    minute: Number(parts.minute),
    hour: Number(parts.hour) % 24,
    dayOfMonth: Number(parts.day),
    month: Number(parts.month),
    dayOfWeek: dayNames.indexOf(String(parts.weekday).slice(0, 3).toLowerCase()),
  };
}
