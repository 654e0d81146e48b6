// The rule of DESIGN.md's architecture: only `source` runs git, and it offers verbs, not a raw
// runner. Every module outside src/source is read (tests and their helpers excepted: they may set up
// fixture repositories with git of their own) and must neither start git nor reach a git runner.
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import ts from 'typescript';
import { atLine, literalText, moduleReferences, parseModule, productFiles, repoRoot as root } from '../module-rules-testing.ts';

const sourceDir = path.join(root, 'src', 'source');

/** The names of git runners: calling or importing one outside source is running git. */
const RUNNERS = new Set(['runGit', 'gitInvocation', 'safeConfig', 'baseEnvironment', 'classifyGitFailure']);
/** What node starts a program with. */
const PROCESS_STARTERS = new Set(['spawn', 'spawnSync', 'execFile', 'execFileSync', 'exec', 'execSync', 'fork']);

/** `git` itself, by name or path. */
function namesGit(text: string | undefined): boolean {
  return text !== undefined && /^(\S*\/)?git$/.test(text.trim());
}

/** A shell line that starts git (`exec('git status')`). */
function startsGitInShell(text: string | undefined): boolean {
  return text !== undefined && /^(\S*\/)?git\s/.test(text.trim());
}

/** `spawn`, `cp.execSync`, …: the name of what is called, when it is a plain or property name. */
function calleeName(node: ts.CallExpression | ts.NewExpression): string | undefined {
  if (ts.isIdentifier(node.expression)) return node.expression.text;
  if (ts.isPropertyAccessExpression(node.expression)) return node.expression.name.text;
  return undefined;
}

/** A module specifier (relative to `file`) that reaches into source past its public face. */
function reachesIntoSource(file: string, specifier: string): boolean {
  if (!specifier.startsWith('.')) return false;
  const target = path.resolve(path.dirname(file), specifier);
  return path.dirname(target) === sourceDir && path.basename(target) !== 'index.ts';
}

/** Where a file runs git or reaches a git runner: one line per use, `line: what`. */
function gitUses(file: string, text: string): string[] {
  const sf = parseModule(file, text);
  const uses: string[] = [];
  const at = (node: ts.Node, what: string): void => {
    uses.push(atLine(sf, node, what));
  };
  const references = moduleReferences(sf);
  const childProcess = /['"]node:child_process['"]|['"]child_process['"]/.test(text);
  const visit = (node: ts.Node): void => {
    const specifier = references.get(node);
    if (specifier !== undefined && reachesIntoSource(file, specifier)) at(node, `imports ${specifier}, inside source`);
    if (ts.isIdentifier(node) && RUNNERS.has(node.text)) at(node, `names the git runner ${node.text}`);
    if (ts.isCallExpression(node) || ts.isNewExpression(node)) {
      const first = node.arguments?.[0];
      const starter = PROCESS_STARTERS.has(calleeName(node) ?? '');
      const text = literalText(first);
      if (namesGit(text) || (starter && startsGitInShell(text))) at(node, `starts git (${node.expression.getText(sf)}(${first!.getText(sf)}, …))`);
      else if (starter && childProcess && first && ts.isIdentifier(first)) {
        // spawn(GIT, …): a program named through a constant is judged by the constant's value
        const value = constantText(sf, first.text);
        if (namesGit(value) || startsGitInShell(value)) at(node, `starts git (${node.expression.getText(sf)}(${first.text} = '${value}', …))`);
      }
    }
    ts.forEachChild(node, visit);
  };
  visit(sf);
  return uses;
}

/** The string a top-level or local `const NAME = '…'` holds, when there is one. */
function constantText(sf: ts.SourceFile, name: string): string | undefined {
  let found: string | undefined;
  const visit = (node: ts.Node): void => {
    if (ts.isVariableDeclaration(node) && ts.isIdentifier(node.name) && node.name.text === name) found ??= literalText(node.initializer);
    ts.forEachChild(node, visit);
  };
  visit(sf);
  return found;
}

test('gitUses finds git started or its runner reached, and nothing else', () => {
  const file = path.join(root, 'src', 'engine', 'x.ts');
  const uses = (text: string): string[] => gitUses(file, text);
  assert.deepEqual(uses("import { spawn } from 'node:child_process';\nspawn('git', ['status']);"), ["2: starts git (spawn('git', …))"]);
  assert.deepEqual(uses("import { execFile } from 'node:child_process';\nawait promisify(execFile)(\"git\", []);"), ['2: starts git (promisify(execFile)("git", …))']);
  assert.deepEqual(uses("import cp from 'node:child_process';\ncp.execSync(`git status ${x}`);"), ['2: starts git (cp.execSync(`git status ${x}`, …))']);
  assert.deepEqual(uses("import { spawn } from 'node:child_process';\nconst GIT = '/usr/bin/git';\nspawn(GIT, []);"), ["3: starts git (spawn(GIT = '/usr/bin/git', …))"]);
  assert.deepEqual(uses("import { runGit } from '../source/git-runner.ts';"), ["1: imports ../source/git-runner.ts, inside source", '1: names the git runner runGit']);
  assert.deepEqual(uses("import { runGit as run } from '../source/index.ts';"), ['1: names the git runner runGit']);
  assert.deepEqual(uses("const m = await import('../source/git-runner.ts');"), ['1: imports ../source/git-runner.ts, inside source']);
  assert.deepEqual(uses("import { execFile } from 'node:child_process';\nexecFile(helm, ['template']);\nthrow new Error('git is not installed');\nconst where = 'git';"), []);
  assert.deepEqual(uses("import { GitCache, listRefs } from '../source/index.ts';"), []);
});

test('only source runs git: no module outside src/source starts git or reaches a git runner', () => {
  const roots = [path.join(root, 'src'), path.join(root, 'packages')].filter(existsSync);
  // source itself, and bundles, are not read
  const files = roots.flatMap((dir) => productFiles(dir, (full) => full === sourceDir || path.basename(full) === 'dist'));
  assert.ok(files.length > 100, `read ${files.length} files`);
  const found = files.flatMap((file) => gitUses(file, readFileSync(file, 'utf8')).map((use) => `${path.relative(root, file)}:${use}`));
  assert.deepEqual(found, [], 'run git through a verb of src/source (add one there) instead');
});

test('source exports no git runner, only verbs', async () => {
  const source: Record<string, unknown> = await import('./index.ts');
  assert.deepEqual(Object.keys(source).filter((name) => RUNNERS.has(name)), []);
});
