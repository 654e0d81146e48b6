import assert from 'node:assert/strict';
import { mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import { ConfigValidationError } from '../config/index.ts';
import { ValidationError } from '../core/index.ts';
import { parseKbldLock, renderApp } from './index.ts';
import { testApp } from './testing.ts';

const digest = (c: string): string => `sha256:${c.repeat(64)}`;
const nginxLocked = `index.docker.io/library/nginx@${digest('a')}`;
const redisLocked = `index.docker.io/library/redis@${digest('b')}`;
const apiLocked = `ghcr.io/org/api@${digest('c')}`;

const lockFile = `apiVersion: kbld.k14s.io/v1alpha1
kind: Config
minimumRequiredVersion: 0.17.0
overrides:
- image: nginx:1.27
  newImage: ${nginxLocked}
  preresolved: true
- image: redis:7
  newImage: ${redisLocked}
  preresolved: true
- imageRepo: ghcr.io/org/api
  newImage: ${apiLocked}
`;

const podSpec = (containers: string, init = ''): string => `    spec:
${init}      containers:
${containers}`;

const workloads = `apiVersion: apps/v1
kind: Deployment
metadata: { name: web }
spec:
  selector: { matchLabels: { app: web } }
  template:
    metadata: { labels: { app: web } }
${podSpec('        - { name: web, image: "nginx:1.27" }\n        - { name: side, image: "nginx:1.26" }\n', '      initContainers:\n        - { name: init, image: "redis:7" }\n')}---
apiVersion: apps/v1
kind: StatefulSet
metadata: { name: db }
spec:
  serviceName: db
  selector: { matchLabels: { app: db } }
  template:
    metadata: { labels: { app: db } }
${podSpec('        - { name: db, image: "redis:7" }\n')}---
apiVersion: batch/v1
kind: CronJob
metadata: { name: report }
spec:
  schedule: "0 * * * *"
  jobTemplate:
    spec:
      template:
        spec:
          restartPolicy: Never
          containers:
            - { name: report, image: "ghcr.io/org/api:v3" }
---
apiVersion: v1
kind: Pod
metadata: { name: debug }
spec:
  containers:
    - { name: debug, image: "nginx:1.27" }
`;

const temps: string[] = [];
after(async () => {
  for (const dir of temps) await rm(dir, { recursive: true, force: true });
});

async function repo(files: Record<string, string>): Promise<string> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'capstan-kbld-'));
  temps.push(dir);
  for (const [file, text] of Object.entries(files)) {
    await mkdir(path.dirname(path.join(dir, file)), { recursive: true });
    await writeFile(path.join(dir, file), text);
  }
  return dir;
}

function images(manifest: unknown): string[] {
  const found: string[] = [];
  const walk = (node: unknown): void => {
    if (Array.isArray(node)) node.forEach(walk);
    else if (node && typeof node === 'object') {
      for (const [key, value] of Object.entries(node)) {
        if (key === 'image' && typeof value === 'string') found.push(value);
        else walk(value);
      }
    }
  };
  walk(manifest);
  return found;
}

describe('kbld lock files', () => {
  it('parses the overrides kbld --lock-output writes', () => {
    assert.deepEqual(parseKbldLock(lockFile, 'images.kbld.lock.yml'), [
      { image: 'nginx:1.27', newImage: nginxLocked },
      { image: 'redis:7', newImage: redisLocked },
      { imageRepo: 'ghcr.io/org/api', newImage: apiLocked },
    ]);
  });

  it('refuses a malformed lock file at its line and column, every problem at once', () => {
    const text = `apiVersion: kbld.k14s.io/v1alpha1
kind: Config
overrides:
- image: nginx:1.27
- image: redis:7
  newImage: redis@${digest('b')}
  tag: x
sources: []
`;
    assert.throws(() => parseKbldLock(text, 'locks/web.kbld.lock.yml'), {
      name: ConfigValidationError.name,
      message: [
        'locks/web.kbld.lock.yml has 3 problems:',
        '  locks/web.kbld.lock.yml:4:3: overrides[0].newImage: is required: the image to use instead, such as index.docker.io/library/nginx@sha256:…',
        '  locks/web.kbld.lock.yml:7:3: overrides[1].tag: unknown field (known fields: image, imageRepo, newImage, preresolved)',
        "  locks/web.kbld.lock.yml:8:1: sources: unknown field: capstan reads only the overrides of a kbld lock file: keep searchRules, sources and destinations in kbld's own config",
      ].join('\n'),
    });
    assert.throws(() => parseKbldLock('apiVersion: v1\nkind: ConfigMap\n', 'x.yml'), {
      message: 'x.yml has 3 problems:\n  x.yml:1:1: overrides: is required: the images kbld resolved, e.g. "- { image: nginx:1.27, newImage: index.docker.io/library/nginx@sha256:… }"\n  x.yml:1:13: apiVersion: must be kbld.k14s.io/v1alpha1, got "v1": is this a kbld lock file?\n  x.yml:2:7: kind: must be "Config" or "ImageOverrides", got "ConfigMap"',
    });
    assert.throws(() => parseKbldLock('overrides: [\n', 'y.yml'), /^ConfigValidationError: y\.yml:2:1: YAML syntax error/);
  });

  it('replaces every image the lock names in Deployments, StatefulSets, CronJobs and Pods, init containers included, after the images list', async () => {
    const dir = await repo({ 'apps/web/all.yaml': workloads, 'locks/web.kbld.lock.yml': lockFile });
    const app = testApp('apps/web', { imageLockFile: 'locks/web.kbld.lock.yml', images: [{ name: 'nginx', newTag: '1.27' }] });
    const { objects } = await renderApp(dir, app, {});
    const byKind = Object.fromEntries(objects.map((o) => [o.manifest.kind, images(o.manifest)]));
    // nginx:1.26 becomes nginx:1.27 by the images list, then the lock resolves it
    assert.deepEqual(byKind.Deployment, [redisLocked, nginxLocked, nginxLocked]);
    assert.deepEqual(byKind.StatefulSet, [redisLocked]);
    assert.deepEqual(byKind.CronJob, [apiLocked]);
    assert.deepEqual(byKind.Pod, [nginxLocked]);
    const plain = await renderApp(dir, testApp('apps/web'), {});
    assert.deepEqual(images(plain.objects.find((o) => o.manifest.kind === 'Deployment')!.manifest), ['redis:7', 'nginx:1.27', 'nginx:1.26'], 'no lock file, no change');
  });

  it('names the app and the file when the lock file is missing, malformed, or leaves the repository', async () => {
    const dir = await repo({ 'apps/web/all.yaml': workloads, 'bad.kbld.lock.yml': 'apiVersion: kbld.k14s.io/v1alpha1\nkind: Config\noverrides: {}\n' });
    await assert.rejects(renderApp(dir, testApp('apps/web', { imageLockFile: 'missing.kbld.lock.yml' }), {}), {
      name: 'ValidationError',
      message: 'app web (environment dev): images.lockFile "missing.kbld.lock.yml" does not exist in the config repo: commit it (kbld --lock-output missing.kbld.lock.yml), or fix the path in capstan.yaml',
    });
    await assert.rejects(renderApp(dir, testApp('apps/web', { imageLockFile: 'bad.kbld.lock.yml' }), {}), {
      message: 'bad.kbld.lock.yml:3:12: overrides: must be a list of overrides, got a mapping',
    });
    const outside = await repo({ 'secret.kbld.lock.yml': lockFile });
    await symlink(path.join(outside, 'secret.kbld.lock.yml'), path.join(dir, 'link.kbld.lock.yml'));
    const refused = await renderApp(dir, testApp('apps/web', { imageLockFile: 'link.kbld.lock.yml' }), {}).catch((error: unknown) => error);
    assert.ok(refused instanceof ValidationError);
    assert.match(refused.message, /^app web \(environment dev\): images\.lockFile "link\.kbld\.lock\.yml" is refused: /);
  });
});
