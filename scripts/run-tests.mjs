// Runs every *.test.ts under src/ and under each workspace package's src/ (packages/*/src) with
// node:test through tsx, or under the directories (or the files) given as arguments.
// Node 20 does not discover .ts files itself, so the list is built here and passed explicitly.
import { existsSync, readdirSync, statSync } from 'node:fs';
import { spawn } from 'node:child_process';
import path from 'node:path';

function findTests(dir, out = []) {
  for (const name of readdirSync(dir)) {
    if (name === 'node_modules' || name.startsWith('.')) continue;
    const full = path.join(dir, name);
    if (statSync(full).isDirectory()) findTests(full, out);
    else if (name.endsWith('.test.ts')) out.push(full);
  }
  return out;
}

/** src/ and the sources of every workspace package (packages/sandbox/src, …). */
function defaultRoots() {
  const packages = existsSync('packages') ? readdirSync('packages').map((name) => path.join('packages', name, 'src')).filter(existsSync) : [];
  return ['src', ...packages.sort()];
}

const roots = process.argv.length > 2 ? process.argv.slice(2) : defaultRoots();
const files = roots.flatMap((r) => (r.endsWith('.ts') ? [r] : findTests(r))).sort();
const child = spawn(process.execPath, ['--import', 'tsx', '--test', '--test-concurrency=2', ...files], { stdio: 'inherit' });
child.on('exit', (code) => process.exit(code ?? 1));
