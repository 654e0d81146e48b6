import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const run = promisify(execFile);
const repoRoot = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', '..');

describe('bin/capstan.js: the bundle while it is fresh, else the sources', () => {
  // a copy of bin/capstan.js in a tree of its own, whose "bundle" and "sources" only say which ran
  const root = mkdtempSync(path.join(tmpdir(), 'capstan-bin-'));
  after(() => rmSync(root, { recursive: true, force: true }));
  writeFileSync(path.join(root, 'package.json'), JSON.stringify({ type: 'module' }));
  mkdirSync(path.join(root, 'bin'));
  copyFileSync(path.join(repoRoot, 'bin', 'capstan.js'), path.join(root, 'bin', 'capstan.js'));
  symlinkSync(path.join(repoRoot, 'node_modules'), path.join(root, 'node_modules'));
  mkdirSync(path.join(root, 'src', 'cli'), { recursive: true });
  writeFileSync(path.join(root, 'src', 'cli', 'main.ts'), "const ran: string = 'sources';\nconsole.log(ran);\n");
  writeFileSync(path.join(root, 'src', 'cli', 'unbundled.test.ts'), '// not one of the bundle\'s sources\n');
  mkdirSync(path.join(root, 'dist', 'cli'), { recursive: true });
  const bundle = path.join(root, 'dist', 'cli', 'capstan.mjs');
  const at = (file: string, seconds: number) => utimesSync(file, seconds, seconds);
  const which = async () => (await run(process.execPath, [path.join(root, 'bin', 'capstan.js')])).stdout.trim();

  test('a bundle newer than every source it lists runs; a file it does not list does not matter', async () => {
    writeFileSync(bundle, "console.log('bundle');\n");
    writeFileSync(path.join(root, 'dist', 'cli', 'sources.json'), JSON.stringify(['src/cli/main.ts']));
    at(path.join(root, 'src', 'cli', 'main.ts'), 1_000);
    at(bundle, 2_000);
    at(path.join(root, 'src', 'cli', 'unbundled.test.ts'), 3_000);
    assert.equal(await which(), 'bundle');
  });

  test('a listed source edited after the build, a listed source gone, or no list: the sources run', async () => {
    at(path.join(root, 'src', 'cli', 'main.ts'), 3_000);
    assert.equal(await which(), 'sources');
    at(path.join(root, 'src', 'cli', 'main.ts'), 1_000);
    writeFileSync(path.join(root, 'dist', 'cli', 'sources.json'), JSON.stringify(['src/cli/main.ts', 'src/cli/removed.ts']));
    at(bundle, 2_000);
    assert.equal(await which(), 'sources');
    rmSync(path.join(root, 'dist', 'cli', 'sources.json'));
    assert.equal(await which(), 'sources');
  });
});

test('the package carries the built CLI and web UI (dist/ is ignored by git, not by npm), the example repo, and no node_modules', async () => {
  const { stdout } = await run('npm', ['pack', '--dry-run', '--ignore-scripts', '--json'], { cwd: repoRoot, maxBuffer: 64 * 1024 * 1024 });
  const files = new Set((JSON.parse(stdout) as { files: { path: string }[] }[])[0]!.files.map((f) => f.path));
  for (const needed of ['bin/capstan.js', 'dist/cli/capstan.mjs', 'dist/cli/sources.json', 'dist/ui/index.html', 'examples/capstan.yaml', 'packages/sandbox/package.json']) {
    assert.ok(files.has(needed), `the package lacks ${needed}`);
  }
  assert.ok([...files].some((f) => /^dist\/ui\/assets\/.+\.js$/.test(f)), 'the package has the UI script');
  assert.deepEqual([...files].filter((f) => f.includes('node_modules/')), []);
});
