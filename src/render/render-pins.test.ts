import assert from 'node:assert/strict';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
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

  describe('the image-hash state repo: a folder per namespace with its images_path and <service>.deployment pins', () => {
    const existing = (namespace: string, service: string, image: string, source: string) => ({
      source,
      manifest: {
        apiVersion: 'apps/v1',
        kind: 'Deployment',
        metadata: { name: service, namespace, annotations: { 'capstan.dev/patch-existing': 'true' } },
        spec: { template: { spec: { containers: [{ name: service, image }] } } },
      },
    });

    it('sets only the image of each Deployment when the app points at the namespace folder', async () => {
      const result = await renderApp(fixtureRepo('pins-namespaces'), testApp('state/development', { type: 'pins', namespace: 'development' }), {});
      assert.equal(result.type, 'pins');
      assert.deepEqual(result.objects, [
        existing('development', 'api', 'registry.example.com/team/development/api:3f2a9c1d8e7b6a5f4e3d2c1b0a9f8e7d6c5b4a39', 'state/development/api.deployment'),
        existing('development', 'worker', 'registry.example.com/team/development/worker:abc1234', 'state/development/worker.deployment'),
      ]);
    });

    it('reads each folder\'s own images_path when the app points above them, and pins a Deployment the folder defines in it', async () => {
      const { objects } = await renderApp(fixtureRepo('pins-namespaces'), testApp('state', { type: 'pins' }), {});
      assert.deepEqual(keys(objects), ['Deployment/development/api', 'Deployment/development/worker', 'Deployment/production/api', 'Deployment/production/worker']);
      assert.deepEqual(objects[2], existing('production', 'api', 'registry.example.com/team/production/api:1111111', 'state/production/api.deployment'));
      const worker = objects[3]!;
      assert.equal(worker.source, 'state/production/worker.yaml');
      assert.equal(worker.manifest.metadata.annotations, undefined, 'a Deployment of the repo is the app\'s, whole');
      assert.equal((worker.manifest as unknown as PodTemplate).spec.template.spec.containers[0].image, 'registry.example.com/team/production/worker:2222222');
    });

    it('reports a service pinned twice and a pin without a registry prefix', async () => {
      const repo = await mkdtemp(path.join(tmpdir(), 'capstan-pins-'));
      try {
        const files: Record<string, string> = {
          'state/dev/images_path': 'registry.example.com/dev\n',
          'state/dev/api': 'abc1234\n',
          'state/dev/api.deployment': 'abc1234\n',
          'state/qa/api.deployment': 'abc1234\n',
        };
        for (const [file, text] of Object.entries(files)) {
          await mkdir(path.join(repo, path.dirname(file)), { recursive: true });
          await writeFile(path.join(repo, file), text);
        }
        const error = await renderApp(repo, testApp('state', { type: 'pins' }), {}).catch((e: unknown) => e);
        assert.ok(error instanceof RenderValidationError);
        assert.equal(
          error.message,
          [
            'state has 2 problems:',
            '  state/dev/api.deployment: pins api a second time (also state/dev/api): keep one of the two files',
            '  state/qa/api.deployment: has no registry prefix: write it (e.g. "registry.example.com/team") into state/qa/images_path or state/images_path',
          ].join('\n'),
        );
      } finally {
        await rm(repo, { recursive: true, force: true });
      }
    });
  });
});
