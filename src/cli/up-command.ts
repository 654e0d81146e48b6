import { randomBytes } from 'node:crypto';
import { chmodSync, cpSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Command, Option } from 'commander';
import pino from 'pino';
import { loadSopsKeys } from '../render/index.ts';
import { runGit } from '../source/index.ts';
import { startSandbox } from '../sandbox/index.ts';
import { TokenStore } from '../server/index.ts';
import { port } from './engine-options.ts';
import { startAgent } from './start-agent.ts';
import { capstanVersion } from './version.ts';

const root = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', '..');

export interface UpOptions {
  dir: string;
  port: number;
  sandboxPort: number;
  env: string;
}

export function upCommand(): Command {
  return new Command('up')
    .description('Try capstan in one command: a sandbox cluster, the example config repo in a local git repository, and an agent reconciling it')
    .option('--dir <dir>', 'where the sandbox, the repositories and the token are kept (reused on the next run)', '.capstan')
    .addOption(new Option('--port <port>', 'port of the agent\'s HTTP API').default(8080).argParser(port))
    .addOption(new Option('--sandbox-port <port>', 'port of the sandbox API server').default(6443).argParser(port))
    .option('--env <name>', 'the environment of the example repo to run', 'dev')
    .action(async (opts: UpOptions) => {
      const stop = await up(opts, (line) => console.log(line));
      await new Promise<void>((resolve) => {
        const end = (): void => {
          process.off('SIGINT', end);
          process.off('SIGTERM', end);
          console.log('\nstopping capstan…');
          void stop().finally(resolve);
        };
        process.on('SIGINT', end);
        process.on('SIGTERM', end);
      });
    });
}

/** Starts everything `capstan up` runs; returns the function that stops it. */
export async function up(options: UpOptions, print: (line: string) => void): Promise<() => Promise<void>> {
  const dir = path.resolve(options.dir);
  mkdirSync(dir, { recursive: true });
  const kubeconfigPath = path.join(dir, 'kubeconfig');
  const sandbox = await startSandbox({ port: options.sandboxPort, data: path.join(dir, 'sandbox.db'), kubeconfigOut: kubeconfigPath, podReadyDelayMs: 300 });
  try {
    const token = readOrCreateToken(path.join(dir, 'token'));
    const gitDir = path.join(dir, 'git');
    const bare = path.join(gitDir, 'example.git');
    const work = path.join(dir, 'example');
    if (!existsSync(bare)) await createExampleRepo(bare, work);
    const running = await startAgent({
      repo: { url: bare },
      branch: 'main',
      envs: [options.env],
      host: '127.0.0.1',
      port: options.port,
      kubeconfig: sandbox.kubeconfig,
      tokens: new TokenStore([{ name: 'you', role: 'admin', token }]),
      webhookSecrets: {},
      gitReposDir: gitDir,
      pollIntervalMs: 5_000,
      cacheDir: path.join(dir, 'cache'),
      sopsKeys: await loadSopsKeys({}, { keyFiles: [path.join(root, 'demo-keys', 'example-age.key')] }),
      logger: pino({ level: 'warn' }, pino.destination(2)),
      version: capstanVersion,
    });
    print(`capstan ${capstanVersion}: sandbox at ${sandbox.url}, agent at ${running.url}; reconciling the example repo…`);
    // The first pass syncs every app and waits for it to be healthy (the sandbox's pods take a moment).
    for (const deadline = Date.now() + 180_000; !running.agent.ready() && Date.now() < deadline; ) await new Promise((r) => setTimeout(r, 200));
    const remote = `http://you:${token}@127.0.0.1:${new URL(running.url).port}/git/example`;
    await runGit(['remote', 'set-url', 'origin', remote], { cwd: work });
    const apps = running.agent.apps();
    const rel = (p: string): string => path.relative(process.cwd(), p) || '.';
    print(`capstan is up: ${apps.length} apps of environment "${options.env}" reconciled by the agent`);
    for (const app of apps) print(`  ${app.app.padEnd(10)} ${app.sync.padEnd(9)} ${app.health}`);
    print('');
    print(`  API           ${running.url}/api/v1/apps   (token: ${rel(path.join(dir, 'token'))}, role admin)`);
    print(`  live events   curl -N -H "Authorization: Bearer $(cat ${rel(path.join(dir, 'token'))})" ${running.url}/api/v1/events`);
    print(`  kubeconfig    ${rel(kubeconfigPath)}   (the sandbox cluster at ${sandbox.url})`);
    print(`  config repo   ${rel(work)}   (a clone; its origin is the agent)`);
    print('');
    print('Three things to try:');
    print(`  1. Edit and commit a file, then push it to the agent; it is applied at once:`);
    print(`       cd ${rel(work)} && sed -i 's/replicas: 2/replicas: 3/' apps/web/web.yaml && git commit -qam "web: 3 replicas" && git push -q origin main`);
    print(`  2. Push any clone of the repo straight to the agent: git push ${running.url}/git/example main`);
    print(`  3. Change an object behind capstan's back and watch it heal (the api app has selfHeal):`);
    print(`       kubectl --kubeconfig ${rel(kubeconfigPath)} -n api scale deployment api --replicas 5`);
    print(`       kubectl --kubeconfig ${rel(kubeconfigPath)} -n api get deployment api -w`);
    print('');
    print('Ctrl-C stops everything; the next `capstan up` carries on from the same state.');
    return async () => {
      await running.stop();
      await sandbox.stop();
    };
  } catch (error) {
    await sandbox.stop();
    throw error;
  }
}

function readOrCreateToken(file: string): string {
  if (existsSync(file)) return readFileSync(file, 'utf8').trim();
  const token = randomBytes(24).toString('base64url');
  writeFileSync(file, `${token}\n`, { mode: 0o600 });
  chmodSync(file, 0o600);
  return token;
}

/** The example repo as a bare repository the agent follows, and a working clone for the user. */
async function createExampleRepo(bare: string, work: string): Promise<void> {
  const identity = ['-c', 'user.name=capstan up', '-c', 'user.email=up@capstan.invalid', '-c', 'init.defaultBranch=main', '-c', 'commit.gpgsign=false'];
  mkdirSync(work, { recursive: true });
  cpSync(path.join(root, 'examples'), work, { recursive: true, filter: (src) => !src.includes(`${path.sep}.unencrypted`) });
  await runGit([...identity, 'init', '--quiet'], { cwd: work });
  await runGit([...identity, 'add', '--all'], { cwd: work });
  await runGit([...identity, 'commit', '--quiet', '-m', 'The capstan example config repo'], { cwd: work });
  mkdirSync(path.dirname(bare), { recursive: true });
  await runGit(['clone', '--quiet', '--bare', work, bare], {});
  await runGit(['remote', 'add', 'origin', bare], { cwd: work });
  await runGit(['config', 'user.name', 'you'], { cwd: work });
  await runGit(['config', 'user.email', 'you@capstan.invalid'], { cwd: work });
}
