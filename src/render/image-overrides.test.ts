import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { overrideImage, parseImage, renderApp } from './index.ts';
import { fixtureRepo, testApp } from './testing.ts';

const sha = `sha256:${'2'.repeat(64)}`;

describe('parseImage / overrideImage', () => {
  it('splits name, tag and digest, the tag after the last slash', () => {
    assert.deepEqual(parseImage('nginx'), { name: 'nginx' });
    assert.deepEqual(parseImage('localhost:5000/team/api:1.2'), { name: 'localhost:5000/team/api', tag: '1.2' });
    assert.deepEqual(parseImage('localhost:5000/team/api'), { name: 'localhost:5000/team/api' });
    assert.deepEqual(parseImage(`ghcr.io/org/app:1.0@${sha}`), { name: 'ghcr.io/org/app', tag: '1.0', digest: sha });
  });

  it('works like kustomize images: newName keeps tag and digest, newTag drops a digest, digest drops a tag', () => {
    assert.equal(overrideImage('nginx:1.25', { name: 'nginx', newName: 'mirror/nginx' }), 'mirror/nginx:1.25');
    assert.equal(overrideImage(`app@${sha}`, { name: 'app', newName: 'ghcr.io/app' }), `ghcr.io/app@${sha}`);
    assert.equal(overrideImage(`app@${sha}`, { name: 'app', newTag: '2' }), 'app:2');
    assert.equal(overrideImage('app:1', { name: 'app', digest: sha }), `app@${sha}`);
    assert.equal(overrideImage('app', { name: 'app', newName: 'b', newTag: '3' }), 'b:3');
  });
});

describe('renderApp: image overrides', () => {
  it('rewrites containers and initContainers of every workload kind, matching the name without tag or digest', async () => {
    const app = testApp('apps/workloads', {
      images: [
        { name: 'nginx', newTag: '1.27' },
        { name: 'busybox', newName: 'mirror.example.com/busybox' },
        { name: 'ghcr.io/org/sidecar', newTag: 'v2' },
        { name: 'localhost:5000/exporter', digest: sha },
        { name: 'redis', newName: 'valkey/valkey', newTag: '8' },
      ],
    });
    const { objects } = await renderApp(fixtureRepo('overrides'), app, {});
    const images = Object.fromEntries(
      objects.map(({ manifest: m }) => {
        const text = JSON.stringify(m);
        return [`${m.kind}/${m.metadata.name}`, [...text.matchAll(/"image":"([^"]+)"/g)].map((match) => match[1])];
      }),
    );
    assert.deepEqual(images, {
      'ConfigMap/not-a-workload': ['nginx:1.25'],
      'Pod/debug': ['mirror.example.com/busybox:1.36'],
      'Deployment/web': ['mirror.example.com/busybox:1.36', 'nginx:1.27', 'ghcr.io/org/sidecar:v2', `localhost:5000/exporter@${sha}`],
      'StatefulSet/cache': ['valkey/valkey:8'],
      'CronJob/report': ['nginx:1.27'],
    });
  });

  it('leaves images alone when no override matches the exact name', async () => {
    const { objects } = await renderApp(fixtureRepo('overrides'), testApp('apps/workloads', { images: [{ name: 'docker.io/library/nginx', newTag: '9' }] }), {});
    assert.doesNotMatch(JSON.stringify(objects), /:9"/);
  });
});
