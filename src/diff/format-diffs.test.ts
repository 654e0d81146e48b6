import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Manifest } from '../core/index.ts';
import { computeDiff, formatDiffs, type DiffResult } from './index.ts';

const configMap = (name: string, data: Record<string, string>): Manifest => ({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name, namespace: 'shop' }, data });
const key = (name: string) => ({ group: '', kind: 'ConfigMap', namespace: 'shop', name });

const results: DiffResult[] = [
  computeDiff({ key: key('same'), desired: configMap('same', { a: '1' }), live: configMap('same', { a: '1' }) }),
  computeDiff({ key: key('changed'), desired: configMap('changed', { LOG_LEVEL: 'debug' }), live: configMap('changed', { LOG_LEVEL: 'info' }) }),
  computeDiff({ key: key('new'), desired: configMap('new', { a: '1' }) }),
  computeDiff({ key: key('old'), live: configMap('old', { a: '1' }) }),
];

describe('formatDiffs', () => {
  it('prints one block per changed object, in order, unchanged ones left out', () => {
    assert.equal(
      formatDiffs(results),
      [
        'update ConfigMap/shop/changed',
        '--- live/ConfigMap/shop/changed',
        '+++ desired/ConfigMap/shop/changed',
        '@@ -4,4 +4,4 @@',
        '   name: changed',
        '   namespace: shop',
        ' data:',
        '-  LOG_LEVEL: info',
        '+  LOG_LEVEL: debug',
        '',
        'create ConfigMap/shop/new',
        '--- live/ConfigMap/shop/new',
        '+++ desired/ConfigMap/shop/new',
        '@@ -0,0 +1,7 @@',
        '+apiVersion: v1',
        '+kind: ConfigMap',
        '+metadata:',
        '+  name: new',
        '+  namespace: shop',
        '+data:',
        '+  a: "1"',
        '',
        'delete ConfigMap/shop/old',
        '--- live/ConfigMap/shop/old',
        '+++ desired/ConfigMap/shop/old',
        '@@ -1,7 +0,0 @@',
        '-apiVersion: v1',
        '-kind: ConfigMap',
        '-metadata:',
        '-  name: old',
        '-  namespace: shop',
        '-data:',
        '-  a: "1"',
        '',
      ].join('\n'),
    );
  });

  it('colours titles, headers, hunks, additions and removals when asked', () => {
    const esc = '\x1b[';
    assert.equal(
      formatDiffs(results.slice(0, 2), { color: true }),
      [
        `${esc}1m${esc}33mupdate ConfigMap/shop/changed${esc}0m`,
        `${esc}1m--- live/ConfigMap/shop/changed${esc}0m`,
        `${esc}1m+++ desired/ConfigMap/shop/changed${esc}0m`,
        `${esc}36m@@ -4,4 +4,4 @@${esc}0m`,
        '   name: changed',
        '   namespace: shop',
        ' data:',
        `${esc}31m-  LOG_LEVEL: info${esc}0m`,
        `${esc}32m+  LOG_LEVEL: debug${esc}0m`,
        '',
      ].join('\n'),
    );
  });

  it('prints nothing when nothing changes', () => {
    assert.equal(formatDiffs(results.slice(0, 1)), '');
    assert.equal(formatDiffs([]), '');
  });
});
