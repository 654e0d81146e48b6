// Runs every *.test.ts under src/ (and bench/ smoke tests) with node:test through tsx.
// Node 20 does not discover .ts files itself, so the list is built here and passed explicitly.
import { readdirSync, statSync } from 'node:fs';
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

const roots = process.argv.length > 2 ? process.argv.slice(2) : ['src'];
const files = roots.flatMap((r) => (r.endsWith('.ts') ? [r] : findTests(r))).sort();
const child = spawn(process.execPath, ['--import', 'tsx', '--test', '--test-concurrency=2', ...files], { stdio: 'inherit' });
child.on('exit', (code) => process.exit(code ?? 1));
