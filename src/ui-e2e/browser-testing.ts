// The web UI's end-to-end tests: Debian's chromium driven by playwright-core (no browser download)
// against a real agent and sandbox on the example repo, as `capstan up` runs them, behind a small
// TCP relay that a test can cut to drop the events stream.
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { createServer, connect, type Server, type Socket } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { startSandbox, type Sandbox } from '@capstan/sandbox';
import type { AppState } from '../agent/index.ts';
import { createKubeClient } from '../kube/index.ts';
import { capstanRoot, findOnPath } from '../cli/provide-tools.ts';
import { startAgent, type RunningAgent } from '../cli/start-agent.ts';
import { until } from '../cli/cli-testing.ts';
import { exampleAgeKeyFile, exampleRepo } from '../engine/testing.ts';
import { loadSopsKeys } from '../render/index.ts';
import { TokenStore } from '../server/index.ts';
import { commit, git, type FileSpec } from '../source/testing.ts';

export { until };

/** The tokens the agent accepts: an admin and a read-only one. */
export const e2eTokens = {
  admin: 'e2e-admin-token-0123456789abcdef',
  read: 'e2e-read-token-0123456789abcdef',
} as const;

/** The built UI the agent serves (`npm run build`). */
export const uiDir = path.join(capstanRoot, 'dist', 'ui');

/** chromium: `$CAPSTAN_CHROMIUM`, else `chromium` or `chromium-browser` on PATH. */
export function findChromium(): string | undefined {
  const given = process.env.CAPSTAN_CHROMIUM;
  if (given) return existsSync(given) ? given : undefined;
  return findOnPath('chromium') ?? findOnPath('chromium-browser');
}

/**
 * Why the browser tests cannot run here, for `describe(…, { skip })`; undefined when they can. A
 * missing chromium skips them (CI installs it: .ci/run); a missing UI build is a failure, not a skip
 * (npm test builds it first).
 */
export function browserTestsSkipped(): string | undefined {
  return findChromium() ? undefined : 'chromium is not installed (apt-get install chromium, as .ci/run does; or set CAPSTAN_CHROMIUM): the web UI end-to-end tests are skipped';
}

const chromiumArgs = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync'];

/**
 * A TCP relay in front of the agent: the browser talks to the agent through it, so a test can
 * drop every connection (the events stream with them) and refuse new ones, then let them through.
 */
export class Relay {
  private readonly sockets = new Set<Socket>();
  private readonly server: Server;
  private refusing = false;
  /** The relay's address, as the agent's URL with the relay's port. */
  url = '';

  private constructor(private readonly target: URL) {
    this.server = createServer((client) => this.accept(client));
  }

  static async start(target: string): Promise<Relay> {
    const relay = new Relay(new URL(target));
    await new Promise<void>((resolve) => relay.server.listen(0, '127.0.0.1', resolve));
    relay.url = `http://127.0.0.1:${(relay.server.address() as { port: number }).port}`;
    return relay;
  }

  private accept(client: Socket): void {
    if (this.refusing) return void client.destroy();
    const upstream = connect(Number(this.target.port), this.target.hostname);
    for (const socket of [client, upstream]) {
      this.sockets.add(socket);
      socket.on('close', () => this.sockets.delete(socket));
      socket.on('error', () => undefined);
    }
    client.pipe(upstream).pipe(client);
    client.on('close', () => upstream.destroy());
    upstream.on('close', () => client.destroy());
  }

  /** Cuts every open connection and refuses new ones until `restore`. */
  drop(): void {
    this.refusing = true;
    for (const socket of this.sockets) socket.destroy();
  }

  restore(): void {
    this.refusing = false;
  }

  async close(): Promise<void> {
    this.drop();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}

export interface UiFixture {
  /** The agent's address, through the relay: what the browser opens. */
  url: string;
  /** The agent's own address (no relay), for API calls a test makes itself. */
  agentUrl: string;
  agent: RunningAgent;
  sandbox: Sandbox;
  relay: Relay;
  browser: Browser;
  /** A fresh browser context (its own sessionStorage) and a page in it; closed with the fixture. */
  newPage(): Promise<Page>;
  /** The apps of the environment, as the agent has them. */
  apps(): AppState[];
  /** Commits files to the repository the agent follows (a clone, pushed to it); resolves to the SHA. */
  commit(files: Record<string, FileSpec>, message: string): Promise<string>;
  close(): Promise<void>;
}

/**
 * Starts a sandbox, the example repo as a bare repository the agent follows (environment dev),
 * the agent serving the built UI, the relay and chromium; resolves once the agent's first pass
 * is done. Fails when the UI is not built.
 */
export async function startUiFixture(): Promise<UiFixture> {
  if (!existsSync(path.join(uiDir, 'index.html'))) throw new Error(`the web UI is not built (${path.join(uiDir, 'index.html')} is missing): run npm run build`);
  const executablePath = findChromium();
  if (!executablePath) throw new Error(browserTestsSkipped());
  const dir = mkdtempSync(path.join(os.tmpdir(), 'capstan-ui-e2e-'));
  const cleanups: (() => Promise<unknown> | unknown)[] = [() => rmSync(dir, { recursive: true, force: true, maxRetries: 10, retryDelay: 100 })];
  const close = async (): Promise<void> => {
    for (const cleanup of cleanups.splice(0).reverse()) await Promise.resolve().then(cleanup).catch(() => undefined);
  };
  try {
    // chromium starts while the sandbox and the agent do
    const launching = chromium.launch({ executablePath, args: chromiumArgs });
    cleanups.push(async () => (await launching.catch(() => undefined))?.close());
    const sandbox = await startSandbox({ port: 0, token: 'ui-e2e', podReadyDelayMs: 30 });
    cleanups.push(() => sandbox.stop());
    const repo = await exampleRepo();
    cleanups.push(() => rmSync(repo.dir, { recursive: true, force: true }));
    const gitDir = path.join(dir, 'git');
    const bare = path.join(gitDir, 'config.git');
    await git(dir, 'clone', '--quiet', '--bare', repo.dir, bare);
    const agent = await startAgent({
      repo: { url: bare },
      branch: 'main',
      envs: ['dev'],
      host: '127.0.0.1',
      port: 0,
      kubeconfig: sandbox.kubeconfig,
      tokens: new TokenStore([
        { name: 'ops', role: 'admin', token: e2eTokens.admin },
        { name: 'viewer', role: 'read', token: e2eTokens.read },
      ]),
      webhookSecrets: {},
      gitReposDir: gitDir,
      pollIntervalMs: 0,
      cacheDir: path.join(dir, 'cache'),
      sopsKeys: await loadSopsKeys({}, { keyFiles: [exampleAgeKeyFile] }),
      version: 'e2e',
      uiDir,
    });
    cleanups.push(() => agent.stop());
    const relay = await Relay.start(agent.url);
    cleanups.push(() => relay.close());
    const browser = await launching;
    await until('the agent\'s first pass', () => (agent.agent.ready() ? true : undefined), 120_000);
    const contexts: BrowserContext[] = [];
    let commits = 0;
    cleanups.push(() => Promise.all(contexts.map((c) => c.close())));
    return {
      url: relay.url,
      agentUrl: agent.url,
      agent,
      sandbox,
      relay,
      browser,
      async newPage() {
        const context = await browser.newContext({ baseURL: relay.url, viewport: { width: 1280, height: 800 } });
        contexts.push(context);
        return context.newPage();
      },
      apps: () => agent.agent.apps(),
      async commit(files, message) {
        const work = path.join(dir, `work-${++commits}`);
        await git(dir, 'clone', '--quiet', bare, work);
        const sha = await commit(work, files, message);
        await git(work, 'push', '--quiet', 'origin', 'HEAD:main');
        return sha;
      },
      close,
    };
  } catch (error) {
    await close();
    throw error;
  }
}

/** An accessibility violation axe-core found: its rule, impact and the elements it names. */
export interface AxeViolation {
  id: string;
  impact: string | null;
  help: string;
  targets: string[];
}

let axeSource: string | undefined;

/**
 * The serious and critical accessibility violations axe-core finds on the page as it is (WCAG 2.x
 * A and AA rules and best practices). axe is evaluated through the DevTools protocol, which the
 * page's Content-Security-Policy does not govern, so the page is tested with its real headers.
 */
export async function seriousAxeViolations(page: Page): Promise<AxeViolation[]> {
  axeSource ??= readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');
  await page.evaluate(`${axeSource};undefined`);
  const violations = await page.evaluate(async () => {
    type Result = { id: string; impact: string | null; help: string; nodes: { target: unknown[] }[] };
    const axe = (window as unknown as { axe: { run(context: Document, options: object): Promise<{ violations: Result[] }> } }).axe;
    const { violations } = await axe.run(document, { resultTypes: ['violations'] });
    return violations.map((v) => ({ id: v.id, impact: v.impact, help: v.help, targets: v.nodes.map((n) => n.target.join(' ')) }));
  });
  return violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
}

/** Signs in through the form with `token`; resolves once the overview is shown. */
export async function signIn(page: Page, token: string): Promise<void> {
  await page.goto('/');
  await page.getByLabel('API token').fill(token);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByRole('heading', { name: 'Applications' }).waitFor();
}

/** A person edits guestbook's Deployment image by hand (another field manager, forced): the app drifts. */
export async function editGuestbookByHand(fx: UiFixture): Promise<void> {
  const client = await createKubeClient({ kubeconfig: fx.sandbox.kubeconfig });
  try {
    await client.apply(
      { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'guestbook', namespace: 'guestbook' }, spec: { template: { spec: { containers: [{ name: 'guestbook', image: 'registry.example.com/guestbook:hand-edited' }] } } } },
      { fieldManager: 'kubectl-edit', force: true },
    );
  } finally {
    client.close();
  }
}
