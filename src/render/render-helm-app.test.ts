import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, it } from 'node:test';
import { renderApp, type DecryptSopsFunction, type HelmRenderOptions, type RenderHelmFunction } from './index.ts';
import { fixtureRepo, keys, testApp } from './testing.ts';

/** A stand-in for renderHelmChart that records what it was given (callbacks left out) and returns one object. */
function fakeHelm(calls: HelmRenderOptions[], onCall?: (options: HelmRenderOptions) => Promise<void>): RenderHelmFunction {
  return async (options) => {
    calls.push(structuredClone(Object.fromEntries(Object.entries(options).filter(([, value]) => typeof value !== 'function')) as unknown as HelmRenderOptions));
    await onCall?.(options);
    return [
      { manifest: { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'web' }, spec: { template: { spec: { containers: [{ name: 'web', image: 'nginx:1.0' }] } } } }, source: `${options.chartPath}: templates/deployment.yaml` },
      { manifest: { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'web' } }, source: `${options.chartPath}: templates/configmap.yaml` },
    ];
  };
}

describe('renderApp: helm', () => {
  const repo = fixtureRepo('helm');
  const helmApp = testApp('charts/web', { helm: { releaseName: 'web-dev', valuesFiles: ['values-prod.yaml', '../../shared/common.yaml'], values: { replicas: 5 } }, images: [{ name: 'nginx', newTag: '1.27' }] });

  it('detects a chart and calls the Helm renderer with values files resolved relative to the chart', async () => {
    const calls: HelmRenderOptions[] = [];
    const result = await renderApp(repo, helmApp, { renderHelm: fakeHelm(calls), helm: { kubeVersion: '1.32.0' } });
    assert.equal(result.type, 'helm');
    assert.deepEqual(calls, [
      {
        chartDir: path.join(repo, 'charts/web'),
        repoDir: repo,
        chartPath: 'charts/web',
        releaseName: 'web-dev',
        namespace: 'web',
        values: { replicas: 5 },
        kubeVersion: '1.32.0',
        valuesFiles: [path.join(repo, 'charts/web/values-prod.yaml'), path.join(repo, 'shared/common.yaml')],
      },
    ]);
    assert.deepEqual(keys(result.objects), ['ConfigMap/web', 'Deployment/web']);
    // image overrides apply to chart output too
    assert.equal((result.objects[1].manifest.spec as { template: { spec: { containers: { image: string }[] } } }).template.spec.containers[0].image, 'nginx:1.27');
  });

  it('refuses a values file that leaves the repository or does not exist', async () => {
    const calls: HelmRenderOptions[] = [];
    await assert.rejects(renderApp(repo, testApp('charts/web', { helm: { releaseName: 'web', valuesFiles: ['../../../kustomize/apps/guestbook/base/service.yaml'], values: {} } }), { renderHelm: fakeHelm(calls) }), {
      message: 'values file "../../../kustomize/apps/guestbook/base/service.yaml" of app web (environment dev, chart charts/web) leaves the repository: name a file inside the config repo, relative to the chart',
    });
    await assert.rejects(renderApp(repo, testApp('charts/web', { helm: { releaseName: 'web', valuesFiles: ['values-staging.yaml'], values: {} } }), { renderHelm: fakeHelm(calls) }), {
      message: 'values file "values-staging.yaml" of app web (environment dev, chart charts/web) does not exist: expected charts/web/values-staging.yaml in the config repo',
    });
    assert.equal(calls.length, 0);
  });

  it('decrypts a SOPS values file into a private temp file that is gone afterwards', async () => {
    const calls: HelmRenderOptions[] = [];
    const decryptSops: DecryptSopsFunction = async (_text, file) => {
      assert.equal(file, 'charts/web/secrets.enc.yaml');
      return 'password: hunter2\n';
    };
    let seen = '';
    const app = testApp('charts/web', { helm: { releaseName: 'web', valuesFiles: ['values.yaml', 'secrets.enc.yaml'], values: {} } });
    await renderApp(repo, app, {
      sopsKeys: { identities: ['k'] },
      decryptSops,
      renderHelm: fakeHelm(calls, async (options) => {
        seen = await readFile(options.valuesFiles[1], 'utf8');
      }),
    });
    assert.equal(seen, 'password: hunter2\n');
    assert.equal(calls[0].valuesFiles[0], path.join(repo, 'charts/web/values.yaml'));
    assert.notEqual(path.dirname(calls[0].valuesFiles[1]), path.join(repo, 'charts/web'));
    await assert.rejects(readFile(calls[0].valuesFiles[1]), { code: 'ENOENT' });
  });
});
