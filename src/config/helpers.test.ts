import assert from 'node:assert/strict';
import { test } from 'node:test';
import { checkCronSchedule } from './cron-schedule.ts';
import { findCycles, sortByDependencies } from './dependency-graph.ts';
import { formatDuration, parseDuration } from './duration.ts';
import { editDistance, suggestName } from './suggest-name.ts';
import { parseProject, selectEnvironments } from './index.ts';

test('Go-style durations', () => {
  assert.equal(parseDuration('90s'), 90_000);
  assert.equal(parseDuration('1h30m'), 5_400_000);
  assert.equal(parseDuration('1.5h'), 5_400_000);
  assert.equal(parseDuration('250ms'), 250);
  assert.equal(parseDuration('0'), 0);
  for (const bad of ['', '5', '1 h', '1d', 'h', '-1s', '1h 30m']) assert.equal(parseDuration(bad), undefined, bad);
  assert.equal(formatDuration(5_400_000), '1h30m');
  assert.equal(formatDuration(61_500), '1m1s500ms');
});

test('cron schedules', () => {
  for (const ok of ['* * * * *', '0 22 * * *', '*/5 0-6,22-23 1,15 jan-jun mon-fri', '@hourly', '0 0 ? * 7']) assert.equal(checkCronSchedule(ok), undefined, ok);
  assert.equal(checkCronSchedule('0 0 32 * *'), 'day-of-month 32 is out of range 1-31');
  assert.equal(checkCronSchedule('0 0 * 13 *'), 'month 13 is out of range 1-12');
  assert.equal(checkCronSchedule('0 ? * * *'), 'hour "?" is not valid: use *, a number 0-23, a range a-b, a list a,b or a step */n');
  assert.equal(checkCronSchedule('0 0 * foo *'), 'month "foo" is not valid: use *, a number 1-12 or a name, a range a-b, a list a,b or a step */n');
});

test('suggestions stay within two edits', () => {
  assert.equal(editDistance('kitten', 'sitting'), 3);
  assert.equal(suggestName('namspace', ['name', 'namespace']), 'namespace');
  assert.equal(suggestName('Source', ['source']), 'source');
  assert.equal(suggestName('region', ['name', 'cluster']), undefined);
  assert.equal(suggestName('ab', ['a', 'b']), 'a', 'ties go to the first');
  assert.equal(suggestName('x', ['y']), undefined, 'a one-letter guess is no hint');
});

test('cycles and dependency order', () => {
  const edges: Record<string, string[]> = { a: ['b'], b: ['c', 'a'], c: ['a'], d: ['d'] };
  assert.deepEqual(findCycles(['a', 'b', 'c', 'd'], (n) => edges[n] ?? []), [['a', 'b', 'c', 'a'], ['a', 'b', 'a']]);
  assert.deepEqual(sortByDependencies(['x', 'y', 'z'], (n) => (n === 'x' ? ['z'] : [])), ['y', 'z', 'x']);
  assert.equal(sortByDependencies(['a', 'b'], (n) => (n === 'a' ? ['b'] : ['a'])), undefined);
});

test('environments selected by name: all when none is named, every unknown name refused in one line', () => {
  const project = parseProject('apiVersion: capstan.dev/v1alpha1\nkind: Project\nenvironments: [{ name: dev }, { name: staging }, { name: prod }]\napps: []\n');
  assert.deepEqual(selectEnvironments(project, undefined).map((e) => e.name), ['dev', 'staging', 'prod']);
  assert.deepEqual(selectEnvironments(project, ['prod', 'dev']).map((e) => e.name), ['dev', 'prod']);
  assert.throws(() => selectEnvironments(project, ['prd']), { name: 'NotFoundError', message: 'unknown environment "prd"; did you mean "prod"?: the project declares dev, staging, prod' });
  assert.throws(() => selectEnvironments(project, ['dev', 'nope', 'qa', 'nope']), { message: 'unknown environments "nope", "qa": the project declares dev, staging, prod' });
});
