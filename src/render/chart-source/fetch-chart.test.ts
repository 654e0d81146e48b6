import assert from 'node:assert/strict';
import { readFile, rename, stat, writeFile } from 'node:fs/promises';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { stringify } from 'yaml';
import { findHelm } from '../helm.ts';
import { closeServer, makeTarGz, packageChart, removeAll, serveChartRepository, tempDir, writeChart, type ServedRepository } from './chart-source-testing.ts';
import { fetchChart, type ChartFetchOptions } from './index.ts';
import { sha256 } from './chart-cache.ts';

const helm = await findHelm();
const skip = helm === undefined && 'helm is not installed (node scripts/setup-tools.mjs)';

describe('fetchChart from a Helm chart repository', { skip }, () => {
  let work: string;
  let home: string;
  let folder: string;
  let repo: ServedRepository;
  const versions = ['1.0.0', '1.2.0', '1.4.1', '2.0.0-rc.1', '0.9.0'];

  before(async () => {
    work = await tempDir();
    home = path.join(work, 'home');
    folder = path.join(work, 'repo');
    for (const version of versions) await packageChart(helm!, await writeChart(path.join(work, `src-${version}`), { name: 'web', version }), folder, work);
    repo = await serveChartRepository(helm!, folder, work);
    void home;
  });
  after(async () => {
    await repo?.close();
    await removeAll(work);
  });
  const options = async (extra: Partial<ChartFetchOptions> = {}): Promise<ChartFetchOptions> => ({ cacheDir: await tempDir('capstan-chart-cache-'), ...extra });

  it('picks the highest version a Helm range allows (prereleases only when asked for), from the index, relative URL resolved', async () => {
    const opts = await options();
    const cases: Array<[string, string]> = [
      ['^1.2', '1.4.1'],
      ['>=1.0, <1.4', '1.2.0'],
      ['~1.2.0', '1.2.0'],
      ['1.0.0', '1.0.0'],
      ['>=2.0.0-0', '2.0.0-rc.1'],
      ['*', '1.4.1'],
    ];
    for (const [range, expected] of cases) {
      const fetched = await fetchChart({ repository: repo.url, name: 'web', version: range }, opts);
      assert.equal(fetched.version, expected, range);
      const data = await readFile(fetched.archive);
      assert.equal(fetched.digest, `sha256:${sha256(data)}`);
      assert.equal(fetched.archive, path.join(opts.cacheDir!, 'sha256', `${sha256(data)}.tgz`));
    }
    assert.equal((await stat(opts.cacheDir!)).mode & 0o777, 0o700);
  });

  it('an exact version already in the cache needs no network; a range reads the index again only after its TTL', async () => {
    let now = 0;
    const opts = await options({ now: () => now, indexTtlMs: 1000 });
    const start = repo.requests.length;
    await fetchChart({ repository: repo.url, name: 'web', version: '1.2.0' }, opts);
    await fetchChart({ repository: repo.url, name: 'web', version: '1.2.0' }, opts);
    assert.deepEqual(repo.requests.slice(start).map((r) => r.path), ['/index.yaml', '/web-1.2.0.tgz']);

    const before = repo.requests.length;
    // the same repository (written with a trailing slash): its index, read at 0, is used until the TTL
    await fetchChart({ repository: `${repo.url}/`, name: 'web', version: '^1.0' }, opts);
    await fetchChart({ repository: `${repo.url}/`, name: 'web', version: '^1.0' }, opts);
    now = 999;
    await fetchChart({ repository: `${repo.url}/`, name: 'web', version: '^1.0' }, opts);
    now = 1000;
    await fetchChart({ repository: `${repo.url}/`, name: 'web', version: '^1.0' }, opts);
    assert.deepEqual(repo.requests.slice(before).map((r) => r.path), ['/web-1.4.1.tgz', '/index.yaml']);
  });

  it('hostile: a repository outside what the operator allows is refused before any request; one under an allowed prefix is fetched', async () => {
    const before = repo.requests.length;
    const allowedRepositories = ['https://charts.example.com/', 'oci://registry.example.com/team'];
    await assert.rejects(fetchChart({ repository: repo.url, name: 'web', version: '1.2.0' }, await options({ allowedRepositories })), {
      name: 'ValidationError',
      message: `chart web 1.2.0 from ${repo.url}: the repository is not one capstan may fetch charts from (allowed: https://charts.example.com/, oci://registry.example.com/team): whoever runs capstan adds it to --chart-repositories or CAPSTAN_CHART_REPOSITORIES, or vendor the chart into the config repo`,
    });
    // a prefix is matched at a path boundary: /team does not allow /team-b
    await assert.rejects(fetchChart({ repository: 'oci://registry.example.com/team-b', name: 'web', version: '1.2.0' }, await options({ allowedRepositories })), /is not one capstan may fetch charts from/);
    assert.equal(repo.requests.length, before, 'no request was made');
    const fetched = await fetchChart({ repository: repo.url, name: 'web', version: '1.2.0' }, await options({ allowedRepositories: [`${repo.url}/`] }));
    assert.equal(fetched.version, '1.2.0');
  });

  it('no version in the range: the error names the app, the repository and the newest versions, and says what to change', async () => {
    await assert.rejects(fetchChart({ repository: repo.url, name: 'web', version: '^3', requestedBy: 'app web (environment prod)' }, await options()), {
      message: `app web (environment prod): chart web ^3 from ${repo.url}: no version of web satisfies "^3" (newest available: 2.0.0-rc.1, 1.4.1, 1.2.0, 1.0.0, 0.9.0): change helm.chart.version`,
    });
    await assert.rejects(fetchChart({ repository: repo.url, name: 'api', version: '1.0.0' }, await options()), {
      message: `chart api 1.0.0 from ${repo.url}: the repository has no chart named api (it has web): check helm.chart.name`,
    });
    await assert.rejects(fetchChart({ repository: `${repo.url}/nothing`, name: 'web', version: '1.0.0' }, await options()), {
      message: `chart web 1.0.0 from ${repo.url}/nothing: ${repo.url}/nothing/index.yaml does not exist (404): check helm.chart.repository (an OCI registry is written oci://host/path)`,
    });
    await assert.rejects(fetchChart({ repository: repo.url, name: 'web', version: '>>1' }, await options()), /the version is not a version range Helm understands/);
    await assert.rejects(fetchChart({ repository: 'file:///etc', name: 'web', version: '1.0.0' }, await options()), /the repository uses file:\/\/, which capstan does not fetch charts from/);
    await assert.rejects(fetchChart({ repository: '@stable', name: 'web', version: '1.0.0' }, await options()), /is a repository alias of `helm repo add`, which capstan does not read: write the repository's URL/);
  });

  it('refuses an archive whose digest differs from the index, a bad index, and an archive with a link, an absolute path or ..', async () => {
    const index = (digest: string, url = 'evil.tgz'): string => stringify({ apiVersion: 'v1', entries: { evil: [{ name: 'evil', version: '1.0.0', urls: [url], digest }] } });
    const serve = async (archive: Buffer, digest = sha256(archive)): Promise<ServedRepository> => {
      const served = await serveChartRepository(helm!, await tempDir(), work);
      served.extra.set('/index.yaml', { body: index(digest) });
      served.extra.set('/evil.tgz', { body: archive });
      return served;
    };
    const good = makeTarGz([{ name: 'evil/Chart.yaml', data: 'apiVersion: v2\nname: evil\nversion: 1.0.0\n' }]);
    const cases: Array<[Buffer, string | undefined, RegExp]> = [
      [good, '0'.repeat(64), /the archive's sha256 is [0-9a-f]{64} but the index says 0{64}: refused/],
      [makeTarGz([{ name: 'evil/Chart.yaml', data: 'apiVersion: v2\nname: evil\nversion: 1.0.0\n' }, { name: 'evil/templates/x.yaml', type: '2', linkName: '/etc/passwd' }]), undefined, /the archive is refused: "evil\/templates\/x.yaml" is a link \(to "\/etc\/passwd"\)/],
      [makeTarGz([{ name: 'evil/Chart.yaml', data: 'apiVersion: v2\nname: evil\nversion: 1.0.0\n' }, { name: 'evil/../../x', data: 'x' }]), undefined, /"evil\/..\/..\/x" climbs out with \.\./],
      [makeTarGz([{ name: '/etc/evil', data: 'x' }]), undefined, /"\/etc\/evil" is an absolute path/],
      [Buffer.from('not gzip'), undefined, /is not a chart archive \(a gzipped tar\)/],
    ];
    for (const [archive, digest, expected] of cases) {
      const served = await serve(archive, digest);
      try {
        const opts = await options();
        await assert.rejects(fetchChart({ repository: served.url, name: 'evil', version: '1.0.0' }, opts), expected);
        assert.deepEqual(await readFile(path.join(opts.cacheDir!, 'sha256')).catch((e: NodeJS.ErrnoException) => e.code), 'ENOENT', 'nothing refused is cached');
      } finally {
        await served.close();
      }
    }
    const served = await serveChartRepository(helm!, await tempDir(), work);
    try {
      served.extra.set('/index.yaml', { body: 'entries: [1, 2' });
      await assert.rejects(fetchChart({ repository: served.url, name: 'web', version: '1.0.0' }, await options()), /index.yaml is not valid YAML .*: is this a Helm chart repository\?/);
      served.extra.set('/index.yaml', { body: '<html>hello</html>' });
      await assert.rejects(fetchChart({ repository: served.url, name: 'web', version: '1.0.0' }, await options()), /is not a Helm repository index \(no entries\)/);
      served.extra.set('/index.yaml', { body: index(sha256(good), 'file:///etc/passwd') });
      await assert.rejects(fetchChart({ repository: served.url, name: 'evil', version: '1.0.0' }, await options()), /the index points to a file URL, which is refused: only http and https/);
    } finally {
      await served.close();
    }
  });

  it('limits sizes and redirects', async () => {
    await assert.rejects(fetchChart({ repository: repo.url, name: 'web', version: '1.0.0' }, await options({ maxIndexBytes: 100 })), {
      message: `chart web 1.0.0 from ${repo.url}: the repository index: ${repo.url}/index.yaml is larger than 0 kB, the most capstan downloads for it`,
    });
    await assert.rejects(fetchChart({ repository: repo.url, name: 'web', version: '1.0.0' }, await options({ maxChartBytes: 10 })), /web 1.0.0: the chart archive: .*\/web-1.0.0.tgz is larger than 0 kB/);
    const served = await serveChartRepository(helm!, await tempDir(), work);
    try {
      served.extra.set('/index.yaml', { status: 302, headers: { location: '/index.yaml' } });
      await assert.rejects(fetchChart({ repository: served.url, name: 'web', version: '1.0.0' }, await options()), /more than 5 redirects from/);
      assert.equal(served.requests.length, 6);
    } finally {
      await served.close();
    }
  });
});

describe('fetchChart with credentials', { skip }, () => {
  const password = 'hunter2-very-secret';
  const username = 'robot';
  let work: string;
  let repo: ServedRepository;
  let credFile: string;
  let elsewhere: { url: string; close(): Promise<void>; seen: Array<string | undefined> };

  before(async () => {
    work = await tempDir();
    const folder = path.join(work, 'repo');
    await packageChart(helm!, await writeChart(path.join(work, 'src'), { name: 'private', version: '1.0.0' }), folder, work);
    await packageChart(helm!, await writeChart(path.join(work, 'src2'), { name: 'moved', version: '1.0.0' }), folder, work);
    repo = await serveChartRepository(helm!, folder, work, { username, password });
    credFile = path.join(work, 'cred.json');
    await writeFile(credFile, JSON.stringify({ username, password }), { mode: 0o600 });
    // another host (another port of the loopback) holding an archive the index points to
    const seen: Array<string | undefined> = [];
    const archive = await readFile(path.join(folder, 'moved-1.0.0.tgz'));
    const server = createServer((req, res) => {
      seen.push(req.headers.authorization);
      res.end(archive);
    });
    await new Promise<void>((resolve) => server.listen(0, 'localhost', resolve));
    elsewhere = { url: `http://localhost:${(server.address() as AddressInfo).port}`, close: () => closeServer(server), seen };
    const index = await readFile(path.join(folder, 'index.yaml'), 'utf8');
    await rename(path.join(folder, 'index.yaml'), path.join(folder, 'index.orig'));
    await writeFile(path.join(folder, 'index.yaml'), index.replace('- moved-1.0.0.tgz', `- ${elsewhere.url}/moved-1.0.0.tgz`));
  });
  after(async () => {
    await repo?.close();
    await elsewhere?.close();
    await removeAll(work);
  });

  it('without credentials: a 401 that says to set them; with a credentials file or Secret: the chart', async () => {
    const cacheDir = await tempDir('capstan-chart-cache-');
    await assert.rejects(fetchChart({ repository: repo.url, name: 'private', version: '1.0.0', requestedBy: 'app p (environment dev)' }, { cacheDir }), {
      message: `app p (environment dev): chart private 1.0.0 from ${repo.url}: ${repo.url}/index.yaml answered 401 Unauthorized: set credentials ({ file } or { secret }) for this repository: helm.chart.credentials, or helm.repositories for a dependency's`,
    });
    const fetched = await fetchChart({ repository: repo.url, name: 'private', version: '1.0.0', credentials: { file: credFile } }, { cacheDir });
    assert.equal(fetched.version, '1.0.0');
    const secretCache = await tempDir('capstan-chart-cache-');
    const readSecret = async (name: string) => (name === 'charts' ? { username, password } : undefined);
    assert.equal((await fetchChart({ repository: repo.url, name: 'private', version: '^1', credentials: { secret: 'charts' } }, { cacheDir: secretCache, readSecret })).version, '1.0.0');
  });

  it('hostile: the password goes only to the repository host, and never into an error or a result', async () => {
    const errors: string[] = [];
    const collect = async (promise: Promise<unknown>): Promise<unknown> => promise.then(
      (value) => value,
      (error: Error) => {
        errors.push(`${error.message} ${String(error.cause ?? '')} ${error.stack ?? ''}`);
        return undefined;
      },
    );
    const cacheDir = await tempDir('capstan-chart-cache-');
    const fetched = await fetchChart({ repository: repo.url, name: 'moved', version: '1.0.0', credentials: { file: credFile } }, { cacheDir });
    assert.deepEqual(elsewhere.seen, [undefined], 'the archive on another host was fetched without the credentials');
    assert.ok(repo.requests.some((r) => r.authorization?.startsWith('Basic ')), 'the repository itself got them');
    // wrong password, unreadable file, a file that is not JSON but holds the password, a Secret without a key
    const wrong = path.join(work, 'wrong.json');
    await writeFile(wrong, JSON.stringify({ username, password: `${password}-wrong` }));
    const notJson = path.join(work, 'not-json');
    await writeFile(notJson, `username=${username} password=${password}`);
    await collect(fetchChart({ repository: repo.url, name: 'private', version: '^1', credentials: { file: wrong } }, { cacheDir: await tempDir() }));
    await collect(fetchChart({ repository: repo.url, name: 'private', version: '^1', credentials: { file: notJson } }, { cacheDir: await tempDir() }));
    await collect(fetchChart({ repository: repo.url, name: 'private', version: '^1', credentials: { file: path.join(work, 'missing.json') } }, { cacheDir: await tempDir() }));
    await collect(fetchChart({ repository: repo.url, name: 'private', version: '^1', credentials: { secret: 'charts' } }, { cacheDir: await tempDir(), readSecret: async () => ({ username: password }) }));
    await collect(fetchChart({ repository: `http://${username}:${password}@127.0.0.1:1`, name: 'private', version: '^1' }, { cacheDir: await tempDir() }));
    assert.equal(errors.length, 5);
    assert.match(errors[0]!, /answered 401 Unauthorized with the credentials file .*wrong.json: check the username and password there/);
    assert.match(errors[1]!, /credentials file .*not-json is not a JSON object such as/);
    assert.match(errors[2]!, /credentials file .*missing.json cannot be read \(ENOENT\)/);
    assert.match(errors[3]!, /credentials Secret charts \(in capstan's namespace\) has no password: it needs the keys username and password/);
    assert.match(errors[4]!, /holds a username or password: put them in credentials/);
    const basic = Buffer.from(`${username}:${password}`).toString('base64');
    for (const text of [...errors, JSON.stringify(fetched)]) {
      assert.ok(!text.includes(password) && !text.includes(basic), `no secret in: ${text}`);
    }
  });
});
