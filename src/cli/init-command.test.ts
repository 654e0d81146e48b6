// `capstan init` as a new user runs it: in an empty folder, then `capstan validate` right after.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before, describe, test } from 'node:test';

const bin = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', '..', 'bin', 'capstan.js');

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

function capstan(args: string[], cwd: string): Promise<Run> {
  return new Promise((resolve) => {
    execFile(process.execPath, [bin, ...args], { cwd, env: { ...process.env, CAPSTAN_CACHE_DIR: path.join(cwd, '..', 'cache') } }, (error, stdout, stderr) =>
      resolve({ code: error ? ((error as { code?: number }).code ?? 1) : 0, stdout, stderr }),
    );
  });
}

describe('capstan init', () => {
  let work: string;
  before(() => {
    work = mkdtempSync(path.join(os.tmpdir(), 'capstan-init-'));
  });
  after(() => rmSync(work, { recursive: true, force: true }));

  test('in an empty folder: writes capstan.yaml and the app it names, and `capstan validate` passes right after', async () => {
    const dir = path.join(work, 'empty');
    mkdirSync(dir);
    const init = await capstan(['init'], dir);
    assert.deepEqual(init, {
      code: 0,
      stdout: 'wrote capstan.yaml\nwrote apps/guestbook/deployment.yaml\nwrote apps/guestbook/service.yaml\nnext: `capstan validate` checks it; edit the apps, then commit\n',
      stderr: '',
    });
    const validate = await capstan(['validate'], dir);
    assert.equal(validate.code, 0, validate.stderr);
    assert.equal(validate.stdout.split('\n')[0], 'capstan.yaml is valid: 1 apps, 3 environments; 3 renders, 9 objects');
  });

  test('into a new folder: the hint names it; with --force capstan.yaml is replaced, a missing app file written again, one that exists kept', async () => {
    const dir = path.join(work, 'new repo');
    const init = await capstan(['init', dir], work);
    assert.equal(init.code, 0, init.stderr);
    assert.equal(init.stdout.split('\n').at(-2), "next: `capstan validate --repo '" + dir + "'` checks it; edit the apps, then commit");
    assert.equal((await capstan(['validate', '--repo', dir], work)).code, 0);

    const service = path.join(dir, 'apps/guestbook/service.yaml');
    writeFileSync(service, readFileSync(service, 'utf8').replace('port: 80', 'port: 8080'));
    rmSync(path.join(dir, 'apps/guestbook/deployment.yaml'));
    const again = await capstan(['init', '--force', dir], work);
    assert.equal(again.code, 0, again.stderr);
    assert.deepEqual(again.stdout.split('\n').slice(0, 3), [`wrote ${dir}/capstan.yaml`, `wrote ${dir}/apps/guestbook/deployment.yaml`, `kept ${dir}/apps/guestbook/service.yaml: it exists`]);
    assert.match(readFileSync(service, 'utf8'), /port: 8080/);
  });
});
