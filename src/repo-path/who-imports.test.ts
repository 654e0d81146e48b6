import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';

const src = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

test('config and render reach repository paths through repo-path, never through source (which is git)', () => {
  const found: string[] = [];
  for (const module of ['config', 'render', 'repo-path']) {
    for (const name of readdirSync(path.join(src, module), { recursive: true }) as string[]) {
      if (!name.endsWith('.ts') || name.endsWith('.test.ts')) continue;
      const text = readFileSync(path.join(src, module, name), 'utf8');
      for (const match of text.matchAll(/from\s+['"](\.\.\/)+source\/[^'"]*['"]/g)) found.push(`src/${module}/${name}: ${match[0]}`);
    }
  }
  assert.deepEqual(found, []);
});
