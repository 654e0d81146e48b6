import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { makeRepo } from '../source/testing.ts';
import { healthyForGate } from './promotion-gate.ts';
import { startEngineFixture } from './testing.ts';

const project = `apiVersion: capstan.dev/v1alpha1
kind: Project
environments:
  - name: staging
    promotion: { requireHealthyFor: 10m }
  - name: prod
    promotesFrom: staging
apps:
  - name: web
    source: web
    namespace: gate-web
    createNamespace: true
`;

describe('the promotion gate read from the cluster', () => {
  test('refuses before the first sync, says how long is left after it, and opens once that long has passed', async (t) => {
    const fx = await startEngineFixture();
    t.after(() => fx.stop());
    const { dir } = await makeRepo({ 'capstan.yaml': project, 'web/config.yaml': 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: web\ndata:\n  v: "1"\n' });
    const checkout = await fx.engine.open({ url: dir });
    let now = Date.now();
    const gate = healthyForGate(fx.engine, () => now);
    const input = { service: 'web', env: 'staging', requireHealthyForMs: 600_000, project: checkout.project, dir: checkout.dir, commit: checkout.commit, apps: ['web'] };
    assert.match((await gate(input))!, /^app web in staging is OutOfSync and Missing/);
    const synced = await fx.engine.sync({ repo: { url: dir }, app: 'web', env: 'staging' });
    assert.equal(synced.result, 'Succeeded');
    now = Date.parse(synced.recorded!.time) + 3 * 60_000;
    assert.equal(await gate(input), 'app web has been Synced and Healthy in staging for 3m of the 10m required: 7m left');
    now += 7 * 60_000;
    assert.equal(await gate(input), undefined);
    // without named apps the gate looks for apps of type: artifact
    assert.match((await gate({ ...input, apps: undefined }))!, /no app of type: artifact renders web in staging/);
  });
});
