import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { atLine, moduleReferences, parseModule, repoRoot } from '../module-rules-testing.ts';

const src = path.join(repoRoot, 'src');

test('config and render reach repository paths through repo-path, never through source (which is git)', () => {
  const found: string[] = [];
  for (const module of ['config', 'render', 'repo-path']) {
    // every module, its test helpers included
    for (const name of readdirSync(path.join(src, module), { recursive: true }) as string[]) {
      if (!name.endsWith('.ts') || name.endsWith('.test.ts')) continue;
      const file = path.join(src, module, name);
      const sf = parseModule(file, readFileSync(file, 'utf8'));
      for (const [node, specifier] of moduleReferences(sf)) {
        if (/^(\.\.\/)+source\//.test(specifier)) found.push(`${path.relative(repoRoot, file)}:${atLine(sf, node, specifier)}`);
      }
    }
  }
  assert.deepEqual(found, []);
});
