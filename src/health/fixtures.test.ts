import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';
import { healthOrder, type Manifest } from '../core/index.ts';
import { assessHealth } from './index.ts';

// One fixture per state: the object as the API server returns it, with the expected health in
// annotations (absent message annotation: the result must have no message).
const expectedHealth = 'test.capstan.dev/expected-health';
const expectedMessage = 'test.capstan.dev/expected-message';
const testdata = fileURLToPath(new URL('./testdata/', import.meta.url));

const kindPrefixes = ['deployment', 'stateful-set', 'daemon-set', 'replica-set', 'pod', 'job', 'cron-job', 'service', 'ingress', 'pvc', 'hpa', 'crd', 'generic'];
const namePattern = new RegExp(`^(${kindPrefixes.join('|')})-(${healthOrder.map((s) => s.toLowerCase()).join('|')})(-[a-z0-9-]+)?\\.yaml$`);

const files = readdirSync(testdata).filter((f) => f.endsWith('.yaml')).sort();

function load(file: string): Manifest {
  return parse(readFileSync(testdata + file, 'utf8')) as Manifest;
}

describe('health fixtures', () => {
  it('has fixtures named <kind>-<status>[-detail].yaml for every kind', () => {
    assert.ok(files.length > 0);
    for (const file of files) assert.match(file, namePattern);
    for (const prefix of kindPrefixes) {
      assert.ok(files.some((f) => f.startsWith(`${prefix}-`) && namePattern.exec(f)?.[1] === prefix), `no fixture for ${prefix}`);
    }
  });

  for (const file of files) {
    it(file, () => {
      const object = load(file);
      const status = object.metadata.annotations?.[expectedHealth];
      assert.ok(status, `${file} lacks the ${expectedHealth} annotation`);
      assert.equal(namePattern.exec(file)?.[2], status.toLowerCase(), `${file}: the file name and the annotation disagree`);

      const result = assessHealth(object);
      assert.deepEqual(result, { status, ...(object.metadata.annotations?.[expectedMessage] ? { message: object.metadata.annotations[expectedMessage] } : {}) });
    });
  }
});
