import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { renderApp, RenderValidationError } from './index.ts';
import { fixtureRepo, keys, testApp } from './testing.ts';

type PodTemplate = { spec: { template: { metadata: { labels: Record<string, string> }; spec: { initContainers?: { name: string; image: string }[]; containers: { name: string; image: string }[] } } } };

describe('renderApp: image pins', () => {
  it('sets pinned images, generates missing Deployments and defaults namespaces to the folder', async () => {
    const result = await renderApp(fixtureRepo('pins'), testApp('deploy'), {});
    assert.equal(result.type, 'pins');
    assert.deepEqual(keys(result.objects), ['Namespace/web', 'Deployment/jobs/report', 'Service/web/api', 'Deployment/web/api', 'Deployment/web/worker']);

    const api = result.objects[3].manifest as unknown as PodTemplate;
    assert.deepEqual(
      api.spec.template.spec.containers.map((c) => c.image),
      ['registry.example.com/team/api:3f2a9c1d8e7b6a5f4e3d2c1b0a9f8e7d6c5b4a39', 'envoyproxy/envoy:v1.30.0'],
    );
    assert.equal(api.spec.template.spec.initContainers![0].image, 'registry.example.com/team/migrate:1.0');
    assert.equal(result.objects[3].source, 'deploy/web/api.yaml#0');

    assert.deepEqual(result.objects[4], {
      source: 'deploy/web/worker',
      manifest: {
        apiVersion: 'apps/v1',
        kind: 'Deployment',
        metadata: { name: 'worker', namespace: 'web', labels: { app: 'worker' } },
        spec: {
          replicas: 1,
          selector: { matchLabels: { app: 'worker' } },
          template: { metadata: { labels: { app: 'worker' } }, spec: { containers: [{ name: 'worker', image: 'registry.example.com/team/worker:abc1234' }] } },
        },
      },
    });
    assert.equal((result.objects[1].manifest as unknown as PodTemplate).spec.template.spec.containers[0].image, 'registry.example.com/team/report:deadbeef');
  });

  it('applies image overrides after the pins', async () => {
    const app = testApp('deploy', { images: [{ name: 'registry.example.com/team/worker', newName: 'mirror.example.com/worker' }] });
    const { objects } = await renderApp(fixtureRepo('pins'), app, {});
    const worker = objects.find((o) => o.manifest.metadata.name === 'worker')!.manifest as unknown as PodTemplate;
    assert.equal(worker.spec.template.spec.containers[0].image, 'mirror.example.com/worker:abc1234');
  });

  it('reports a bad hash and a Deployment without the pinned container together', async () => {
    const error = await renderApp(fixtureRepo('pins-bad'), testApp('deploy'), {}).catch((e: unknown) => e);
    assert.ok(error instanceof RenderValidationError);
    assert.equal(
      error.message,
      [
        'deploy has 2 problems:',
        '  deploy/web/api: an image pin must hold the image\'s git hash (7 to 40 hex characters), got "latest": write the commit hash the image was built from',
        '  deploy/web/db: Deployment/web/db: the image pin needs a container named "db" in the Deployment (defined in deploy/web/db.yaml): rename the container or remove the pin',
      ].join('\n'),
    );
  });

  it('needs images_path when the type is set to pins', async () => {
    await assert.rejects(renderApp(fixtureRepo('directory'), testApp('apps/web', { type: 'pins' }), {}), {
      message: 'apps/web/images_path does not exist: the image-pins layout needs it to hold the registry prefix, e.g. "registry.example.com/team"',
    });
  });
});
