// The sandbox (packages/sandbox, `@capstan/sandbox`) is a test target, never part of the product:
// of the modules under src/, only the two commands that start it (`capstan sandbox` and
// `capstan up`) may import it. Tests and their helpers (*.test.ts, testing.ts) may; every other
// module is read and must reach it neither by the package name nor by a path into packages/sandbox.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { atLine, moduleReferences, parseModule, productFiles, repoRoot as root } from '../module-rules-testing.ts';

const sandboxDir = path.join(root, 'packages', 'sandbox');

/** The commands that run the sandbox, lazily, each behind its own dynamic import in main.ts. */
const STARTERS = new Set([path.join(root, 'src', 'cli', 'sandbox-command.ts'), path.join(root, 'src', 'cli', 'up-command.ts')]);

/** `@capstan/sandbox`, a subpath of it, or a relative path that lands in packages/sandbox. */
function reachesSandbox(file: string, specifier: string): boolean {
  if (specifier === '@capstan/sandbox' || specifier.startsWith('@capstan/sandbox/')) return true;
  if (!specifier.startsWith('.')) return false;
  const target = path.resolve(path.dirname(file), specifier);
  return target === sandboxDir || target.startsWith(sandboxDir + path.sep);
}

/** Where a file imports the sandbox (statically, re-exporting, or with import()): `line: specifier`. */
function sandboxImports(file: string, text: string): string[] {
  const sf = parseModule(file, text);
  return [...moduleReferences(sf)].filter(([, specifier]) => reachesSandbox(file, specifier)).map(([node, specifier]) => atLine(sf, node, specifier));
}

test('sandboxImports finds the sandbox reached by name or by path, and nothing else', () => {
  const file = path.join(root, 'src', 'engine', 'x.ts');
  const uses = (text: string): string[] => sandboxImports(file, text);
  assert.deepEqual(uses("import { startSandbox } from '@capstan/sandbox';"), ['1: @capstan/sandbox']);
  assert.deepEqual(uses("export { eventually } from '@capstan/sandbox/testing';"), ['1: @capstan/sandbox/testing']);
  assert.deepEqual(uses("const m = await import('@capstan/sandbox');"), ['1: @capstan/sandbox']);
  assert.deepEqual(uses("type S = import('@capstan/sandbox').Sandbox;"), ['1: @capstan/sandbox']);
  assert.deepEqual(uses("import { Store } from '../../packages/sandbox/src/store.ts';"), ['1: ../../packages/sandbox/src/store.ts']);
  assert.deepEqual(uses("import { x } from '../kube/index.ts';\nimport y from '@capstan/sandboxes';\nconst where = '@capstan/sandbox';"), []);
});

test('no product module imports the sandbox: only the sandbox and up commands start it', () => {
  const files = productFiles(path.join(root, 'src'), (full) => path.basename(full) === 'testdata' || STARTERS.has(full));
  assert.ok(files.length > 100, `read ${files.length} files`);
  const found = files.flatMap((file) => sandboxImports(file, readFileSync(file, 'utf8')).map((use) => `${path.relative(root, file)}:${use}`));
  assert.deepEqual(found, [], 'the sandbox is a test target: import it from a test or a testing.ts helper, not from the product');
});

test('the commands that start the sandbox import it, and main.ts loads them only when they run', () => {
  for (const file of STARTERS) assert.ok(sandboxImports(file, readFileSync(file, 'utf8')).length > 0, `${path.relative(root, file)} imports @capstan/sandbox`);
  const main = readFileSync(path.join(root, 'src', 'cli', 'main.ts'), 'utf8');
  assert.match(main, /await import\('\.\/sandbox-command\.ts'\)/);
  assert.match(main, /await import\('\.\/up-command\.ts'\)/);
  assert.doesNotMatch(main, /^import .*(sandbox-command|up-command)/m);
});
