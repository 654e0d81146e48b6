/**
 * Validation of the cron expressions of sync windows: 5 fields (minute hour day-of-month month
 * day-of-week) with `*`, lists, ranges, steps and month/day names, or a descriptor such as
 * `@daily` — what robfig/cron's standard parser (used by Argo CD sync windows) accepts.
 */

interface CronField {
  name: string;
  min: number;
  max: number;
  names?: readonly string[];
  /** `?` is accepted as `*` in the day fields. */
  question?: boolean;
}

const fields: readonly CronField[] = [
  { name: 'minute', min: 0, max: 59 },
  { name: 'hour', min: 0, max: 23 },
  { name: 'day-of-month', min: 1, max: 31, question: true },
  { name: 'month', min: 1, max: 12, names: ['jan', 'feb', 'mar', 'apr', 'may', 'jun', 'jul', 'aug', 'sep', 'oct', 'nov', 'dec'] },
  { name: 'day-of-week', min: 0, max: 7, names: ['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'], question: true },
];

export const cronDescriptors: readonly string[] = ['@yearly', '@annually', '@monthly', '@weekly', '@daily', '@midnight', '@hourly'];

/** What is wrong with a cron expression, or undefined when it is valid. */
export function checkCronSchedule(text: string): string | undefined {
  const trimmed = text.trim();
  if (trimmed.startsWith('@')) {
    return cronDescriptors.includes(trimmed.toLowerCase()) ? undefined : `unknown descriptor "${trimmed}": use one of ${cronDescriptors.join(', ')}, or 5 fields`;
  }
  const parts = trimmed.split(/\s+/).filter((p) => p !== '');
  if (parts.length !== fields.length) {
    return `must have 5 fields (minute hour day-of-month month day-of-week), e.g. "0 22 * * *"; "${text}" has ${parts.length}`;
  }
  for (let i = 0; i < fields.length; i++) {
    const problem = checkField(parts[i], fields[i]);
    if (problem) return problem;
  }
  return undefined;
}

function checkField(text: string, field: CronField): string | undefined {
  for (const item of text.split(',')) {
    const problem = checkItem(item, field);
    if (problem) return problem;
  }
  return undefined;
}

function checkItem(item: string, field: CronField): string | undefined {
  const bad = `${field.name} "${item}" is not valid: use *, a number ${field.min}-${field.max}${field.names ? ' or a name' : ''}, a range a-b, a list a,b or a step */n`;
  const [range, step, ...extra] = item.split('/');
  if (extra.length > 0) return bad;
  if (step !== undefined && !/^[1-9]\d*$/.test(step)) return `${field.name} step "${step}" must be a whole number above 0`;
  if (range === '*' || (range === '?' && field.question)) return undefined;
  const [low, high, ...rest] = range.split('-');
  if (rest.length > 0) return bad;
  const from = valueOf(low, field);
  const to = high === undefined ? from : valueOf(high, field);
  if (from === undefined || to === undefined) return bad;
  for (const [value, written] of [[from, low], [to, high ?? low]] as const) {
    if (value < field.min || value > field.max) return `${field.name} ${written} is out of range ${field.min}-${field.max}`;
  }
  if (from > to) return `${field.name} range ${range} runs backwards: write ${high}-${low}`;
  return undefined;
}

function valueOf(text: string, field: CronField): number | undefined {
  if (/^\d+$/.test(text)) return Number(text);
  const index = field.names?.indexOf(text.toLowerCase()) ?? -1;
  if (index < 0) return undefined;
  return field.name === 'month' ? index + 1 : index;
}
