import assert from 'node:assert/strict';
import { test } from 'node:test';
import { chartRepositories, duration, port } from './engine-options.ts';

test('command-line durations read as capstan.yaml writes them, and a bare number is seconds', () => {
  assert.deepEqual(['90s', '5m', '1h30m', '250ms', '30', '0'].map(duration), [90_000, 300_000, 5_400_000, 250, 30_000, 0]);
  assert.throws(() => duration('soon'), /"soon" is not a duration like 90s, 5m or 1h/);
  assert.throws(() => duration('-5s'), /is not a duration/);
});

test('ports are 0 to 65535', () => {
  assert.equal(port('0'), 0);
  assert.equal(port('8080'), 8080);
  assert.throws(() => port('65536'), /"65536" is not a port number \(0-65535\)/);
});

test('the chart repositories an operator allows: comma- or space-separated prefixes; none set means any', () => {
  assert.deepEqual(chartRepositories('https://charts.example.com, oci://registry.example.com/team  https://b.example'), ['https://charts.example.com', 'oci://registry.example.com/team', 'https://b.example']);
  assert.equal(chartRepositories(''), undefined);
  assert.equal(chartRepositories(undefined), undefined);
});
