import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { startSandbox, type Sandbox } from './index.ts';
import { maxNestingDepth } from './nesting.ts';
import { tempDir } from './testing.ts';

const token = 'server-test';
const auth = { authorization: `Bearer ${token}` };

interface Status {
  kind: string;
  message: string;
  reason: string;
  code: number;
  details?: unknown;
}

interface WatchLine {
  type: string;
  object: { kind?: string; metadata?: { name?: string; resourceVersion?: string }; code?: number; message?: string };
}

/** A watch over HTTP: its lines as they come, and whether the server has ended the response. */
class WatchStream {
  readonly lines: WatchLine[] = [];
  ended = false;
  private readonly reader: ReadableStreamDefaultReader<Uint8Array>;
  private buffer = '';
  private readonly decoder = new TextDecoder();

  constructor(readonly response: Response) {
    this.reader = response.body!.getReader();
  }

  /** Reads until `until` holds for the lines read so far, or the server ends the response. */
  async read(until: (lines: WatchLine[]) => boolean): Promise<WatchLine[]> {
    while (!until(this.lines) && !this.ended) {
      const { value, done } = await this.reader.read();
      if (done) {
        this.ended = true;
        break;
      }
      this.buffer += this.decoder.decode(value, { stream: true });
      let cut: number;
      while ((cut = this.buffer.indexOf('\n')) >= 0) {
        this.lines.push(JSON.parse(this.buffer.slice(0, cut)) as WatchLine);
        this.buffer = this.buffer.slice(cut + 1);
      }
    }
    return this.lines;
  }

  /** Reads to the end of the response (the server must end it). */
  async readToEnd(): Promise<WatchLine[]> {
    return this.read(() => false);
  }

  async close(): Promise<void> {
    await this.reader.cancel().catch(() => undefined);
  }
}

describe('the sandbox HTTP server', () => {
  let sandbox: Sandbox;
  let data: string;

  before(async () => {
    data = path.join(tempDir(), 'state.db');
    sandbox = await startSandbox({ port: 0, tls: false, token, data, watchHistory: 20 });
  });
  after(() => sandbox.stop());

  function request(method: string, urlPath: string, body?: string, contentType = 'application/json'): Promise<Response> {
    return fetch(`${sandbox.url}${urlPath}`, { method, headers: { ...auth, 'content-type': contentType }, body });
  }

  async function statusOf(response: Response): Promise<Status> {
    return (await response.json()) as Status;
  }

  async function namespace(name: string): Promise<string> {
    const created = await request('POST', '/api/v1/namespaces', JSON.stringify({ apiVersion: 'v1', kind: 'Namespace', metadata: { name } }));
    assert.equal(created.status, 201);
    return name;
  }

  async function currentResourceVersion(ns: string): Promise<number> {
    const list = (await (await request('GET', `/api/v1/namespaces/${ns}/configmaps`)).json()) as { metadata: { resourceVersion: string } };
    return Number(list.metadata.resourceVersion);
  }

  function watch(query: string): Promise<WatchStream> {
    return fetch(`${sandbox.url}${query}`, { headers: auth }).then((response) => {
      assert.equal(response.status, 200);
      return new WatchStream(response);
    });
  }

  const nested = (depth: number): string => '['.repeat(depth) + ']'.repeat(depth);

  describe('deeply nested bodies', () => {
    test('a ConfigMap with 100,000 nested arrays is refused with 400 before it is stored, and lists, watches and the data file stay whole', async () => {
      const ns = await namespace('deep-configmap');
      const body = `{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"deep"},"data":{"a":${nested(100_000)}}}`;
      const response = await request('POST', `/api/v1/namespaces/${ns}/configmaps`, body);
      assert.equal(response.status, 400);
      assert.deepEqual(await response.json(), {
        kind: 'Status',
        apiVersion: 'v1',
        metadata: {},
        status: 'Failure',
        message: `the object provided is unrecognized (must be of type ConfigMap): couldn't get version/kind; json parse error: invalid character '[' exceeded max depth ({"apiVersion":"v1","kind":"Con ...)`,
        reason: 'BadRequest',
        code: 400,
      });

      assert.equal((await request('GET', `/api/v1/namespaces/${ns}/configmaps/deep`)).status, 404);
      const list = await request('GET', '/api/v1/configmaps');
      assert.equal(list.status, 200);
      assert.equal(((await list.json()) as { items: { metadata: { name: string } }[] }).items.some((i) => i.metadata.name === 'deep'), false);
      const created = await request('POST', `/api/v1/namespaces/${ns}/configmaps`, JSON.stringify({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'after' } }));
      assert.equal(created.status, 201);
      const stream = await watch(`/api/v1/namespaces/${ns}/configmaps?watch=true`);
      const lines = await stream.read((l) => l.length >= 1);
      await stream.close();
      assert.deepEqual(lines.map((l) => [l.type, l.object.metadata?.name]), [['ADDED', 'after']]);

      // read the live data file without opening it as a journal (that would repair what it takes for a torn tail)
      const records = readFileSync(data, 'utf8').split('\n').slice(0, -1).map((line) => JSON.parse(line) as { r: string; k: string });
      assert.deepEqual(records.filter((r) => r.r === 'configmaps' && r.k.startsWith(`${ns}/`)).map((r) => r.k), [`${ns}/after`]);
    });

    test(`a body nested ${maxNestingDepth} levels deep is taken, one level more is refused (a real API server allows 10,000)`, async () => {
      const ns = await namespace('deep-limit');
      // the object is the first level and `x` holds the rest
      const at = (levels: number): string => `{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"c${levels}"},"x":${nested(levels - 1)}}`;
      assert.equal((await request('POST', `/api/v1/namespaces/${ns}/configmaps`, at(maxNestingDepth))).status, 201);
      const refused = await request('POST', `/api/v1/namespaces/${ns}/configmaps`, at(maxNestingDepth + 1));
      assert.equal(refused.status, 400);
      assert.equal((await statusOf(refused)).message, `the object provided is unrecognized (must be of type ConfigMap): couldn't get version/kind; json parse error: invalid character '[' exceeded max depth ({"apiVersion":"v1","kind":"Con ...)`);
    });

    test('a deep YAML body is refused with the words of the YAML decoder', async () => {
      const ns = await namespace('deep-yaml');
      const body = `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: deep\nx: ${nested(100_000)}\n`;
      const response = await request('POST', `/api/v1/namespaces/${ns}/configmaps`, body, 'application/yaml');
      assert.equal(response.status, 400);
      const status = await statusOf(response);
      assert.equal(status.reason, 'BadRequest');
      assert.equal(
        status.message,
        `the object provided is unrecognized (must be of type ConfigMap): error converting YAML to JSON: yaml: exceeded max depth of ${maxNestingDepth} (${Buffer.from(body).subarray(0, 30).toString('hex')} ...)`,
      );
      const blockSequences = `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: deep\nx:\n  ${'- '.repeat(1_000_000)}end\n`;
      const block = await request('POST', `/api/v1/namespaces/${ns}/configmaps`, blockSequences, 'application/yaml');
      assert.equal(block.status, 400);
      assert.match((await statusOf(block)).message, /error converting YAML to JSON: yaml: exceeded max depth of 500/);
      assert.equal((await request('GET', `/api/v1/namespaces/${ns}/configmaps/deep`)).status, 404);
    });

    test('deep patches are refused as the decoder of each patch type words it', async () => {
      const ns = await namespace('deep-patch');
      assert.equal((await request('POST', `/api/v1/namespaces/${ns}/configmaps`, JSON.stringify({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'c' } }))).status, 201);
      const url = `/api/v1/namespaces/${ns}/configmaps/c`;
      const cases: [string, string, string][] = [
        ['application/merge-patch+json', `{"x":${nested(10_000)}}`, `error decoding patch: invalid character '[' exceeded max depth`],
        ['application/strategic-merge-patch+json', `{"x":${nested(10_000)}}`, `invalid character '[' exceeded max depth`],
        ['application/json-patch+json', `[{"op":"add","path":"/x","value":${nested(10_000)}}]`, `error decoding patch: invalid character '[' exceeded max depth`],
        ['application/apply-patch+yaml', `{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"c"},"x":${nested(10_000)}}`, `error decoding YAML: error converting YAML to JSON: yaml: exceeded max depth of ${maxNestingDepth}`],
        ['application/apply-patch+yaml', `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: c\nx: ${nested(10_000)}\n`, `error decoding YAML: error converting YAML to JSON: yaml: exceeded max depth of ${maxNestingDepth}`],
      ];
      for (const [contentType, body, message] of cases) {
        const response = await request('PATCH', `${url}?fieldManager=test`, body, contentType);
        assert.equal(response.status, 400, contentType);
        assert.deepEqual(await response.json(), { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message, reason: 'BadRequest', code: 400 }, contentType);
      }
    });

    test('a JSON patch that builds an object deeper than a body may be is refused with 422 and changes nothing', async () => {
      const ns = await namespace('deep-result');
      const half = Math.ceil(maxNestingDepth / 2);
      const chain = (levels: number): unknown => {
        let value: unknown = {};
        for (let i = 1; i < levels; i++) value = { a: value };
        return value;
      };
      const created = await request('POST', `/api/v1/namespaces/${ns}/configmaps`, JSON.stringify({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'c' }, x: chain(half) }));
      assert.equal(created.status, 201);
      const deepest = '/x' + '/a'.repeat(half - 1);
      const response = await request('PATCH', `/api/v1/namespaces/${ns}/configmaps/c`, JSON.stringify([{ op: 'add', path: `${deepest}/b`, value: chain(half) }]), 'application/json-patch+json');
      assert.equal(response.status, 422);
      const status = await statusOf(response);
      assert.equal(status.reason, 'Invalid');
      assert.equal(status.message, `ConfigMap "c" is invalid: x: Invalid value: "object": must not nest arrays and objects more than ${maxNestingDepth} levels deep`);
      const live = (await (await request('GET', `/api/v1/namespaces/${ns}/configmaps/c`)).json()) as { metadata: { resourceVersion: string } };
      assert.equal(live.metadata.resourceVersion, ((await created.json()) as { metadata: { resourceVersion: string } }).metadata.resourceVersion);
    });
  });

  describe('YAML bodies', () => {
    test('create, update and delete take application/yaml bodies', async () => {
      const ns = await namespace('yaml-bodies');
      const created = await request('POST', `/api/v1/namespaces/${ns}/configmaps`, 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: y\ndata:\n  greeting: hello # a comment\n', 'application/yaml');
      assert.equal(created.status, 201);
      assert.deepEqual(((await created.json()) as { data: unknown }).data, { greeting: 'hello' });
      const updated = await request('PUT', `/api/v1/namespaces/${ns}/configmaps/y`, 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: y\ndata:\n  greeting: bye\n', 'application/yaml; charset=utf-8');
      assert.equal(updated.status, 200);
      assert.deepEqual(((await updated.json()) as { data: unknown }).data, { greeting: 'bye' });
      const dryRun = await request('DELETE', `/api/v1/namespaces/${ns}/configmaps/y`, 'apiVersion: v1\nkind: DeleteOptions\ndryRun: [All]\n', 'application/yaml');
      assert.equal(dryRun.status, 200);
      assert.equal((await request('GET', `/api/v1/namespaces/${ns}/configmaps/y`)).status, 200, 'a dry-run delete from a YAML body keeps the object');
      const broken = await request('POST', `/api/v1/namespaces/${ns}/configmaps`, 'metadata: {name: [', 'application/yaml');
      assert.equal(broken.status, 400);
      assert.match((await statusOf(broken)).message, /^the object provided is unrecognized \(must be of type ConfigMap\): error converting YAML to JSON: yaml: .+ \(6d657461646174613a207b6e616d653a205b\)$/);
    });
  });

  describe('bodies over the limit', () => {
    test('a body over 3 MiB is answered 413 RequestEntityTooLarge, and the sandbox keeps serving', async () => {
      const ns = await namespace('too-large');
      for (const extra of [1, 20 * 1024 * 1024]) {
        const body = 'x'.repeat(3 * 1024 * 1024 + extra);
        const response = await request('POST', `/api/v1/namespaces/${ns}/configmaps`, body);
        assert.equal(response.status, 413);
        assert.deepEqual(await response.json(), {
          kind: 'Status',
          apiVersion: 'v1',
          metadata: {},
          status: 'Failure',
          message: 'Request entity too large: limit is 3145728',
          reason: 'RequestEntityTooLarge',
          code: 413,
        });
      }
      const patch = await request('PATCH', `/api/v1/namespaces/${ns}/configmaps/c?fieldManager=t`, ' '.repeat(3 * 1024 * 1024 + 1), 'application/apply-patch+yaml');
      assert.equal(patch.status, 413);
      assert.equal((await request('GET', `/api/v1/namespaces/${ns}`)).status, 200);
    });
  });

  describe('watches', () => {
    test('a watch from a resourceVersion the store has not reached stays open and sends only the events after that version', async () => {
      const ns = await namespace('future-watch');
      const from = (await currentResourceVersion(ns)) + 3;
      const stream = await watch(`/api/v1/namespaces/${ns}/configmaps?watch=true&resourceVersion=${from}`);
      const created: { name: string; rv: number }[] = [];
      for (let i = 0; created.length === 0 || created[created.length - 1].rv <= from; i++) {
        const response = await request('POST', `/api/v1/namespaces/${ns}/configmaps`, JSON.stringify({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: `c${i}` } }));
        created.push({ name: `c${i}`, rv: Number(((await response.json()) as { metadata: { resourceVersion: string } }).metadata.resourceVersion) });
      }
      const lines = await stream.read((l) => l.length >= 1);
      await stream.close();
      const after = created.filter((c) => c.rv > from);
      assert.deepEqual(lines.map((l) => [l.type, l.object.metadata?.name]), [['ADDED', after[0].name]], `only what came after ${from}: ${JSON.stringify(created)}`);
      assert.equal(stream.ended, false);
    });

    test('a watch for initial events not older than a resourceVersion the store has not reached ends with 504 Too large resource version', { timeout: 60_000 }, async () => {
      const ns = await namespace('future-initial');
      const current = await currentResourceVersion(ns);
      const wanted = current + 1_000_000;
      const stream = await watch(`/api/v1/namespaces/${ns}/configmaps?watch=true&sendInitialEvents=true&allowWatchBookmarks=true&resourceVersionMatch=NotOlderThan&resourceVersion=${wanted}`);
      const lines = await stream.readToEnd();
      assert.equal(lines.length, 1);
      assert.equal(lines[0].type, 'ERROR');
      const status = lines[0].object as Status;
      const reached = Number(/current: (\d+)$/.exec(status.message)?.[1]);
      assert.ok(reached >= current, status.message);
      assert.deepEqual(status, {
        kind: 'Status',
        apiVersion: 'v1',
        metadata: {},
        status: 'Failure',
        message: `Timeout: Too large resource version: ${wanted}, current: ${reached}`,
        reason: 'Timeout',
        details: { causes: [{ reason: 'ResourceVersionTooLarge', message: 'Too large resource version' }], retryAfterSeconds: 1 },
        code: 504,
      });
    });

    test('a watch for initial events not older than a version the store reaches soon sends them once it has', async () => {
      // a wait longer than any test takes, so how fast this machine creates the object does not matter
      const patient = await startSandbox({ port: 0, tls: false, token, resourceVersionWaitMs: 3_600_000 });
      try {
        const headers = { ...auth, 'content-type': 'application/json' };
        const post = (path: string, body: unknown): Promise<Response> => fetch(`${patient.url}${path}`, { method: 'POST', headers, body: JSON.stringify(body) });
        assert.equal((await post('/api/v1/namespaces', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'soon' } })).status, 201);
        const existing = await post('/api/v1/namespaces/soon/configmaps', { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'existing' } });
        // the next write anywhere reaches it: the object below, or one the controllers make first
        const wanted = Number(((await existing.json()) as { metadata: { resourceVersion: string } }).metadata.resourceVersion) + 1;
        const response = await fetch(`${patient.url}/api/v1/namespaces/soon/configmaps?watch=true&sendInitialEvents=true&allowWatchBookmarks=true&resourceVersionMatch=NotOlderThan&resourceVersion=${wanted}`, { headers });
        const stream = new WatchStream(response);
        assert.equal((await post('/api/v1/namespaces/soon/configmaps', { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'first' } })).status, 201);
        const lines = await stream.read((l) => l.some((line) => line.type === 'BOOKMARK') && l.some((line) => line.object.metadata?.name === 'first'));
        await stream.close();
        assert.equal(lines[0].object.metadata?.name, 'existing');
        assert.deepEqual(lines.filter((l) => l.type === 'ADDED').map((l) => l.object.metadata?.name).sort(), ['existing', 'first']);
        const bookmark = lines.find((l) => l.type === 'BOOKMARK')!;
        assert.ok(Number(bookmark.object.metadata?.resourceVersion) >= wanted, `the initial events are as of ${bookmark.object.metadata?.resourceVersion}, not before ${wanted}`);
      } finally {
        await patient.stop();
      }
    });

    test('a watch from a version too old to resume ends after its 410 ERROR event', { timeout: 60_000 }, async () => {
      const ns = await namespace('old-watch');
      const from = await currentResourceVersion(ns);
      for (let i = 0; i < 45; i++) {
        await request('POST', `/api/v1/namespaces/${ns}/configmaps`, JSON.stringify({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: `c${i}` } }));
      }
      const stream = await watch(`/api/v1/namespaces/${ns}/configmaps?watch=true&resourceVersion=${from}`);
      const lines = await stream.readToEnd();
      assert.deepEqual(
        lines.map((l) => [l.type, l.object.code]),
        [['ERROR', 410]],
      );
      assert.match(lines[0].object.message ?? '', new RegExp(`^too old resource version: ${from} \\(\\d+\\)$`));
    });
  });
});
