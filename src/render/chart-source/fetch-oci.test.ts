import assert from 'node:assert/strict';
import { access, readFile } from 'node:fs/promises';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { findHelm } from '../helm.ts';
import { closeServer, dockerRegistryBinary, makeTarGz, packageChart, removeAll, runHelm, startRegistry, tempDir, writeChart, type RunningRegistry } from './chart-source-testing.ts';
import { sha256 } from './chart-cache.ts';
import { fetchChart } from './index.ts';
import { helmChartLayer, parseChallenge } from './oci-registry.ts';

const helm = await findHelm();
const hasRegistry = await access(dockerRegistryBinary).then(() => true, () => false);

describe('fetchChart from an OCI registry (docker-registry, charts pushed by helm push)', {
  skip: (helm === undefined && 'helm is not installed (node scripts/setup-tools.mjs)') || (!hasRegistry && `docker-registry is not installed (${dockerRegistryBinary}; apt-get install docker-registry)`),
}, () => {
  let work: string;
  let registry: RunningRegistry;
  before(async () => {
    work = await tempDir();
    registry = await startRegistry(path.join(work, 'registry'));
    for (const version of ['1.0.0', '1.1.0', '2.0.0', '1.2.0+build.7']) {
      const archive = await packageChart(helm!, await writeChart(path.join(work, `src-${version}`), { name: 'api', version }), path.join(work, 'out'), work);
      await runHelm(helm!, ['push', archive, `oci://${registry.host}/charts`, '--plain-http'], work);
    }
  });
  after(async () => {
    await registry?.stop();
    await removeAll(work);
  });

  it('a range picks the highest tag (`_` read as `+`); an exact version is fetched by its tag, checked against its digest, and cached', async () => {
    const cacheDir = await tempDir('capstan-chart-cache-');
    const repository = `oci://${registry.host}/charts`;
    const ranged = await fetchChart({ repository, name: 'api', version: '^1' }, { cacheDir });
    assert.equal(ranged.version, '1.2.0+build.7');
    assert.equal(ranged.digest, `sha256:${sha256(await readFile(ranged.archive))}`);
    assert.equal((await fetchChart({ repository, name: 'api', version: '>=1.0.0, <1.2.0' }, { cacheDir })).version, '1.1.0');
    const exact = await fetchChart({ repository, name: 'api', version: '2.0.0' }, { cacheDir });
    assert.equal(exact.version, '2.0.0');
    // cached: found again with the registry gone
    await registry.stop();
    assert.deepEqual(await fetchChart({ repository, name: 'api', version: '2.0.0' }, { cacheDir }), exact);
    await assert.rejects(fetchChart({ repository, name: 'api', version: '^2' }, { cacheDir: await tempDir(), timeoutMs: 5000 }), /the tag list: cannot reach http:\/\/127.0.0.1:\d+\/v2\/charts\/api\/tags\/list \(ECONNREFUSED\)/);
  });
});

describe('fetchChart from an OCI registry that asks for a Bearer token', () => {
  const password = 's3cret-registry-password';
  let server: ReturnType<typeof createServer>;
  let origin: string;
  const seen: Array<{ path: string; authorization?: string }> = [];
  const archive = makeTarGz([{ name: 'db/Chart.yaml', data: 'apiVersion: v2\nname: db\nversion: 3.1.0\n' }, { name: 'db/templates/cm.yaml', data: 'apiVersion: v1\nkind: ConfigMap\nmetadata: { name: db }\n' }]);
  const digest = `sha256:${sha256(archive)}`;

  before(async () => {
    server = createServer((req, res) => {
      const url = new URL(req.url ?? '/', 'http://127.0.0.1');
      seen.push({ path: `${url.pathname}${url.search}`, ...(req.headers.authorization ? { authorization: req.headers.authorization } : {}) });
      if (url.pathname === '/token') {
        const basic = `Basic ${Buffer.from(`robot:${password}`).toString('base64')}`;
        if (req.headers.authorization !== basic) return void res.writeHead(401).end();
        return void res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ token: 'the-token' }));
      }
      if (req.headers.authorization !== 'Bearer the-token') {
        return void res.writeHead(401, { 'www-authenticate': `Bearer realm="${origin}/token",service="test-registry",scope="repository:team/db:pull"` }).end();
      }
      if (url.pathname === '/v2/team/db/tags/list') return void res.end(JSON.stringify({ name: 'team/db', tags: ['3.0.0', '3.1.0', 'latest'] }));
      if (url.pathname === '/v2/team/db/manifests/3.1.0') {
        return void res.writeHead(200, { 'content-type': 'application/vnd.oci.image.manifest.v1+json' }).end(JSON.stringify({ schemaVersion: 2, layers: [{ mediaType: helmChartLayer, digest, size: archive.length }] }));
      }
      if (url.pathname === `/v2/team/db/blobs/${digest}`) return void res.end(archive);
      res.writeHead(404).end();
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  after(() => closeServer(server));

  it('gets a token from the realm with the credentials as Basic auth, and uses it for the tag list, manifest and blob', async () => {
    const work = await tempDir();
    try {
      const readSecret = async () => ({ username: 'robot', password });
      const fetched = await fetchChart({ repository: `oci://${origin.slice('http://'.length)}/team`, name: 'db', version: '~3', credentials: { secret: 'registry' } }, { cacheDir: work, readSecret });
      assert.equal(fetched.version, '3.1.0');
      assert.equal(fetched.digest, digest);
      assert.deepEqual(
        seen.map((s) => `${s.path} ${s.authorization?.split(' ')[0] ?? '-'}`),
        [
          '/v2/team/db/tags/list -',
          '/token?service=test-registry&scope=repository%3Ateam%2Fdb%3Apull Basic',
          '/v2/team/db/tags/list Bearer',
          '/v2/team/db/manifests/3.1.0 Bearer',
          `/v2/team/db/blobs/${digest} Bearer`,
        ],
      );
      await assert.rejects(fetchChart({ repository: `oci://${origin.slice('http://'.length)}/team`, name: 'db', version: '~3' }, { cacheDir: await tempDir() }), {
        message: `chart db ~3 from oci://${origin.slice('http://'.length)}/team: the tag list: the registry's token service answered 401 Unauthorized: set credentials ({ file } or { secret }) for this repository: helm.chart.credentials, or helm.repositories for a dependency's`,
      });
    } finally {
      await removeAll(work);
    }
  });

  it('reads challenges as registries write them', () => {
    assert.deepEqual(parseChallenge('Bearer realm="https://auth.docker.io/token",service="registry.docker.io",scope="repository:library/nginx:pull"'), {
      scheme: 'bearer',
      params: { realm: 'https://auth.docker.io/token', service: 'registry.docker.io', scope: 'repository:library/nginx:pull' },
    });
    assert.deepEqual(parseChallenge('Basic realm="Registry Realm"'), { scheme: 'basic', params: { realm: 'Registry Realm' } });
  });
});

describe('hostile OCI registries', () => {
  const password = 'basic-registry-password';
  const basic = `Basic ${Buffer.from(`robot:${password}`).toString('base64')}`;
  const archive = makeTarGz([{ name: 'app/Chart.yaml', data: 'apiVersion: v2\nname: app\nversion: 1.0.0\n' }]);
  const digest = `sha256:${sha256(archive)}`;
  const wrongDigest = `sha256:${'1'.repeat(64)}`;
  let registry: ReturnType<typeof createServer>;
  let cdn: ReturnType<typeof createServer>;
  let registryHost: string;
  let cdnOrigin: string;
  const cdnSaw: Array<string | undefined> = [];

  before(async () => {
    cdn = createServer((req, res) => {
      cdnSaw.push(req.headers.authorization);
      res.end(archive);
    });
    await new Promise<void>((resolve) => cdn.listen(0, '127.0.0.1', resolve));
    cdnOrigin = `http://localhost:${(cdn.address() as AddressInfo).port}`;
    registry = createServer((req, res) => {
      const url = new URL(req.url ?? '/', 'http://127.0.0.1');
      if (req.headers.authorization !== basic) return void res.writeHead(401, { 'www-authenticate': 'Basic realm="registry"' }).end();
      const manifest = (layerDigest: string, mediaType = helmChartLayer) => res.end(JSON.stringify({ schemaVersion: 2, layers: [{ mediaType, digest: layerDigest }] }));
      if (url.pathname === '/v2/app/manifests/1.0.0') return void manifest(digest);
      if (url.pathname === '/v2/app/manifests/2.0.0') return void manifest(wrongDigest);
      if (url.pathname === '/v2/app/manifests/3.0.0') return void manifest(digest, 'application/vnd.oci.image.layer.v1.tar+gzip');
      // blobs live on a CDN, as registries redirect them
      if (url.pathname.startsWith('/v2/app/blobs/')) return void res.writeHead(307, { location: `${cdnOrigin}/blob?sig=secret-signature` }).end();
      res.writeHead(404).end();
    });
    await new Promise<void>((resolve) => registry.listen(0, '127.0.0.1', resolve));
    registryHost = `127.0.0.1:${(registry.address() as AddressInfo).port}`;
  });
  after(async () => {
    await closeServer(registry);
    await closeServer(cdn);
  });

  it('Basic auth goes to the registry, never to the host a blob is redirected to; a digest mismatch and a layer that is not a chart are refused', async () => {
    const work = await tempDir();
    try {
      const readSecret = async () => ({ username: 'robot', password });
      const request = (version: string) => ({ repository: `oci://${registryHost}`, name: 'app', version, credentials: { secret: 'reg' } });
      const fetched = await fetchChart(request('1.0.0'), { cacheDir: work, readSecret });
      assert.equal(fetched.digest, digest);
      assert.deepEqual(cdnSaw, [undefined]);
      await assert.rejects(fetchChart(request('2.0.0'), { cacheDir: work, readSecret }), (error: Error) => {
        assert.equal(error.message, `chart app 2.0.0 from oci://${registryHost}: app 2.0.0: the chart archive's sha256 is ${digest.slice(7)} but the manifest says ${'1'.repeat(64)}: refused`);
        assert.ok(!error.message.includes('secret-signature'), 'a signed URL is shown without its query');
        return true;
      });
      await assert.rejects(fetchChart(request('3.0.0'), { cacheDir: work, readSecret }), /the manifest has no layer of type application\/vnd.cncf.helm.chart.content.v1.tar\+gzip: is app:3.0.0 a Helm chart \(pushed with helm push\)\?/);
    } finally {
      await removeAll(work);
    }
  });
});
