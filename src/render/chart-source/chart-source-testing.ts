/**
 * Test helpers for chart sources: charts packaged by the real `helm package`, a Helm chart
 * repository served on 127.0.0.1 by a node http server (index.yaml written by `helm repo index`),
 * and Debian's docker-registry as an OCI registry, with charts pushed by `helm push`. Every helm
 * run gets a throw-away HOME and HELM_* directories.
 */
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import { stringify } from 'yaml';

export const dockerRegistryBinary = '/usr/bin/docker-registry';

export async function tempDir(prefix = 'capstan-charts-test-'): Promise<string> {
  return mkdtemp(path.join(tmpdir(), prefix));
}

export function runHelm(helm: string, args: string[], home: string): Promise<string> {
  const env: NodeJS.ProcessEnv = {
    PATH: process.env.PATH ?? '',
    HOME: home,
    HELM_CACHE_HOME: path.join(home, 'cache'),
    HELM_CONFIG_HOME: path.join(home, 'config'),
    HELM_DATA_HOME: path.join(home, 'data'),
    HELM_REGISTRY_CONFIG: path.join(home, 'registry.json'),
    HELM_REPOSITORY_CONFIG: path.join(home, 'repositories.yaml'),
    HELM_REPOSITORY_CACHE: path.join(home, 'repository'),
    NO_PROXY: '127.0.0.1,localhost',
  };
  return new Promise((resolve, reject) => {
    execFile(helm, args, { env, cwd: home, encoding: 'utf8' }, (error, stdout, stderr) => {
      if (error) reject(new Error(`helm ${args.join(' ')} failed: ${stderr}`));
      else resolve(stdout);
    });
  });
}

export interface ChartFiles {
  name: string;
  version: string;
  /** Chart.yaml fields beyond apiVersion, name and version (dependencies, …). */
  chart?: Record<string, unknown>;
  /** Files by chart-relative path (templates/cm.yaml, values.yaml, …). */
  files?: Record<string, string>;
}

/** Writes a chart folder into `dir` (`dir/<name>`) and returns its path. */
export async function writeChart(dir: string, spec: ChartFiles): Promise<string> {
  const root = path.join(dir, spec.name);
  await mkdir(path.join(root, 'templates'), { recursive: true });
  await writeFile(path.join(root, 'Chart.yaml'), stringify({ apiVersion: 'v2', name: spec.name, version: spec.version, ...spec.chart }));
  const files = spec.files ?? { 'templates/configmap.yaml': configMapTemplate(spec.name, spec.version) };
  for (const [file, text] of Object.entries(files)) {
    await mkdir(path.dirname(path.join(root, file)), { recursive: true });
    await writeFile(path.join(root, file), text);
  }
  return root;
}

/** A template rendering `ConfigMap/<release>-<name>` that says which chart version made it. */
export function configMapTemplate(name: string, version: string): string {
  return `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: {{ .Release.Name }}-${name}\ndata:\n  chart: ${name}\n  version: "${version}"\n`;
}

/** `helm package` of a chart folder into `out`; returns the archive's path. */
export async function packageChart(helm: string, chartDir: string, out: string, home: string): Promise<string> {
  await mkdir(out, { recursive: true });
  const stdout = await runHelm(helm, ['package', chartDir, '--destination', out], home);
  const match = /saved it to: (.+\.tgz)/.exec(stdout);
  if (!match) throw new Error(`helm package said: ${stdout}`);
  return match[1]!.trim();
}

export interface ServedRepository {
  url: string;
  /** Every request: method, path and the Authorization header it carried. */
  requests: Array<{ path: string; authorization?: string }>;
  /** Files served besides the repository folder (path → body), set by tests. */
  extra: Map<string, { status?: number; body?: Buffer | string; headers?: Record<string, string> }>;
  close(): Promise<void>;
}

/**
 * Serves a folder of chart archives as a Helm repository on 127.0.0.1 (`helm repo index` writes its
 * index.yaml); with `auth`, every request needs that Basic username and password.
 */
export async function serveChartRepository(helm: string, folder: string, home: string, auth?: { username: string; password: string }): Promise<ServedRepository> {
  await runHelm(helm, ['repo', 'index', folder], home);
  const requests: ServedRepository['requests'] = [];
  const extra: ServedRepository['extra'] = new Map();
  const expected = auth && `Basic ${Buffer.from(`${auth.username}:${auth.password}`).toString('base64')}`;
  const server = createServer((req: IncomingMessage, res) => {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    requests.push({ path: url.pathname, ...(req.headers.authorization ? { authorization: req.headers.authorization } : {}) });
    const special = extra.get(url.pathname);
    if (special) {
      res.writeHead(special.status ?? 200, special.headers ?? {});
      res.end(special.body ?? '');
      return;
    }
    if (expected && req.headers.authorization !== expected) {
      res.writeHead(401, { 'www-authenticate': 'Basic realm="charts"' });
      res.end('unauthorized');
      return;
    }
    const name = path.posix.normalize(url.pathname).replace(/^\/+/, '');
    readFile(path.join(folder, name)).then(
      (body) => {
        res.writeHead(200, { 'content-type': name.endsWith('.yaml') ? 'text/yaml' : 'application/gzip' });
        res.end(body);
      },
      () => {
        res.writeHead(404);
        res.end('not found');
      },
    );
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, requests, extra, close: () => closeServer(server) };
}

export function closeServer(server: Server): Promise<void> {
  server.closeAllConnections();
  return new Promise((resolve) => server.close(() => resolve()));
}

export interface RunningRegistry {
  /** `127.0.0.1:PORT` */
  host: string;
  stop(): Promise<void>;
}

/** Starts docker-registry on a free loopback port with its storage in `dir`; ready when `/v2/` answers. */
export async function startRegistry(dir: string): Promise<RunningRegistry> {
  const port = await freePort();
  await mkdir(dir, { recursive: true });
  const config = path.join(dir, 'config.yml');
  await writeFile(
    config,
    stringify({
      version: 0.1,
      log: { level: 'error' },
      storage: { filesystem: { rootdirectory: path.join(dir, 'data') }, delete: { enabled: true } },
      http: { addr: `127.0.0.1:${port}` },
    }),
  );
  const child: ChildProcess = spawn(dockerRegistryBinary, ['serve', config], { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => {
    stderr = (stderr + chunk.toString()).slice(-4000);
  });
  const exited = new Promise<never>((_, reject) => child.once('exit', (code) => reject(new Error(`docker-registry exited (${code}): ${stderr}`))));
  exited.catch(() => undefined);
  const host = `127.0.0.1:${port}`;
  for (let attempt = 0; ; attempt++) {
    const ready = await Promise.race([
      fetch(`http://${host}/v2/`).then(
        (r) => r.status === 200,
        () => false,
      ),
      exited,
    ]);
    if (ready) break;
    if (attempt > 100_000) throw new Error(`docker-registry did not answer on ${host}: ${stderr}`);
    await new Promise((resolve) => setImmediate(resolve));
  }
  return {
    host,
    stop: async () => {
      if (child.exitCode === null && child.signalCode === null) {
        const gone = new Promise((resolve) => child.once('exit', resolve));
        child.kill('SIGTERM');
        await gone;
      }
    },
  };
}

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await closeServer(server);
  return port;
}

export async function removeAll(...dirs: string[]): Promise<void> {
  for (const dir of dirs) await rm(dir, { recursive: true, force: true });
}

/** The names in a folder, sorted (to assert nothing was written into a repo checkout). */
export async function listNames(dir: string): Promise<string[]> {
  return (await readdir(dir, { recursive: true })).map(String).sort();
}

/** A gzipped tar of the given entries (`type` `0` file, `2` symlink, `5` directory), for hostile archives. */
export function makeTarGz(entries: Array<{ name: string; type?: string; data?: string; linkName?: string }>): Buffer {
  const blocks: Buffer[] = [];
  for (const entry of entries) {
    const data = Buffer.from(entry.data ?? '');
    const header = Buffer.alloc(512);
    header.write(entry.name, 0, 100, 'utf8');
    header.write('0000644\0', 100, 'latin1');
    header.write('0000000\0', 108, 'latin1');
    header.write('0000000\0', 116, 'latin1');
    header.write(`${data.length.toString(8).padStart(11, '0')}\0`, 124, 'latin1');
    header.write('00000000000\0', 136, 'latin1');
    header.write('        ', 148, 'latin1');
    header.write(entry.type ?? '0', 156, 'latin1');
    if (entry.linkName) header.write(entry.linkName, 157, 100, 'utf8');
    header.write('ustar\0', 257, 'latin1');
    header.write('00', 263, 'latin1');
    let sum = 0;
    for (const byte of header) sum += byte;
    header.write(`${sum.toString(8).padStart(6, '0')}\0 `, 148, 'latin1');
    blocks.push(header, data, Buffer.alloc((512 - (data.length % 512)) % 512));
  }
  blocks.push(Buffer.alloc(1024));
  return gzipSync(Buffer.concat(blocks));
}
