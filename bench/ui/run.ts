/**
 * bench/ui: the web UI's overview with 200 apps × 3 environments (600 app states), served by the
 * real HTTP server (createServer) over an in-memory FakeAgent, in Debian's chromium (headless,
 * playwright-core). Goals (the issue's performance acceptance):
 *  1. interactive within 1 s of navigation. "Interactive" is measured in the page, from
 *     performance.timeOrigin (navigation start): every one of the 600 rows is in the list and
 *     painted, AND a keypress in the search box, sent as soon as the harness sees the rows, is
 *     answered with the filtered list painted. The harness's reaction time is inside the figure
 *     (it can only make it worse); a fresh browser context (no cache, no session) per round.
 *  2. responsive while 50 status events a second arrive (10 s, the FakeAgent changing the sync and
 *     health of random apps): the longest main-thread task (PerformanceObserver 'longtask') at
 *     most 100 ms; the keys typed into the search box during the storm (one every 200 ms) answered
 *     (keydown → the next frame painted after the input was handled) within 100 ms at the 95th
 *     percentile and 200 ms at most (the "good" bound of Interaction to Next Paint); and after
 *     the storm the counts and every row of the list show each app's last emitted state.
 *  3. the UI's JavaScript under 300 KB gzipped (every .js of dist/ui, gzip level 9).
 * BENCH_ROUNDS (default 5) rounds; the goals are judged on the median round for (1) and on the
 * worst for (2). BENCH_TRACE=<file> writes a chromium trace of the first round (chrome://tracing or
 * the DevTools performance panel open it), BENCH_CPU_PROFILE=<file> a .cpuprofile of its JavaScript.
 * CAPSTAN_CHROMIUM names the browser (else chromium on PATH).
 */
import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { chromium, type Browser, type Page } from 'playwright-core';
import type { AppState } from '../../src/agent/index.ts';
import { appState, FakeAgent } from '../../src/server/fake-agent.ts';
import { createServer, TokenStore } from '../../src/server/index.ts';
import { findOnPath } from '../../src/cli/provide-tools.ts';

const root = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const uiDir = path.join(root, 'dist', 'ui');
const rounds = Number(process.env.BENCH_ROUNDS ?? 5);
const appCount = 200;
const envs = ['dev', 'staging', 'prod'];
const total = appCount * envs.length;
const stormSeconds = 10;
const eventsPerSecond = 50;
const token = 'bench-read-token-0123456789abcdef';
const goals = { interactiveMs: 1000, longestTaskMs: 100, keyP95Ms: 100, keyMaxMs: 200, jsGzipKb: 300 };

/** The newest modification time under a directory (recursively). */
function newest(dir: string): number {
  let latest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true, recursive: true })) {
    if (!entry.isFile()) continue;
    latest = Math.max(latest, statSync(path.join(entry.parentPath, entry.name)).mtimeMs);
  }
  return latest;
}

/** dist/ui, rebuilt when ui/ or the API description is newer than it (npm run bench builds it already). */
function ensureUiBuilt(): void {
  let built = 0;
  try {
    built = statSync(path.join(uiDir, 'index.html')).mtimeMs;
  } catch {
    // not built
  }
  const sources = Math.max(newest(path.join(root, 'ui', 'src')), statSync(path.join(root, 'ui', 'index.html')).mtimeMs, statSync(path.join(root, 'src', 'server', 'openapi.json')).mtimeMs);
  if (built > sources) return;
  const result = spawnSync(process.execPath, [path.join(root, 'scripts', 'build-ui.mjs')], { stdio: 'inherit', cwd: root });
  if (result.status !== 0) throw new Error('scripts/build-ui.mjs failed');
}

/** The gzipped size of every script of the built UI, in bytes. */
function jsGzipBytes(): { files: number; raw: number; gzip: number } {
  const assets = path.join(uiDir, 'assets');
  const files = readdirSync(assets).filter((f) => f.endsWith('.js') || f.endsWith('.mjs'));
  let raw = 0;
  let gzip = 0;
  for (const file of files) {
    const bytes = readFileSync(path.join(assets, file));
    raw += bytes.length;
    gzip += gzipSync(bytes, { level: 9 }).length;
  }
  return { files: files.length, raw, gzip };
}

const syncCodes = ['Synced', 'OutOfSync', 'Unknown'] as const;
const healthCodes = ['Healthy', 'Progressing', 'Degraded', 'Suspended', 'Missing', 'Unknown'] as const;
const names = ['api', 'web', 'worker', 'billing', 'search', 'auth', 'cart', 'mailer', 'reports', 'gateway'];

/** A small deterministic random source (mulberry32), so that every run sees the same states and storm. */
function random(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const sha = (n: number): string => (n.toString(16).padStart(8, '0') + 'c0ffee').repeat(3).slice(0, 40);

/** The branch head: the target commit of every app, whose subject and author the overview shows. */
const head = sha(0);

/** 200 apps × dev/staging/prod: mostly Synced and Healthy, some out of sync, drifted, failing, syncing. */
function fleet(): AppState[] {
  const rand = random(42);
  const states: AppState[] = [];
  for (const env of envs) {
    for (let i = 0; i < appCount; i++) {
      const app = `${names[i % names.length]}-${String(i).padStart(3, '0')}`;
      const r = rand();
      // the agent follows one branch: every app's target is its head; the apps out of sync applied an older commit
      const revision = head;
      const fields: Partial<AppState> = { sync: 'Synced', health: 'Healthy', revision, targetRevision: head, lastSync: { revision, result: 'Succeeded', startedAt: '2026-12-07T04:00:00Z', finishedAt: '2026-12-07T04:00:05Z', trigger: 'poll' } as AppState['lastSync'] };
      if (r < 0.15) Object.assign(fields, { sync: 'OutOfSync', revision: sha(1 + (i % 3)) });
      else if (r < 0.22) Object.assign(fields, { health: 'Degraded', healthMessage: 'Deployment/app/web: 0 of 3 replicas available' });
      else if (r < 0.27) Object.assign(fields, { health: 'Progressing', operation: { phase: 'running', trigger: 'poll', since: '2026-12-07T04:10:00Z' } });
      else if (r < 0.31) Object.assign(fields, { sync: 'OutOfSync', drift: { detectedAt: '2026-12-07T04:20:00Z', objects: ['apps/Deployment/app/web', 'v1/ConfigMap/app/settings'] } });
      else if (r < 0.34) Object.assign(fields, { sync: 'OutOfSync', failures: 1 + Math.floor(rand() * 4), nextRetryAt: '2026-12-07T05:00:00Z', error: 'Deployment/app/web apply failed: the server rejected the object' });
      else if (r < 0.36) Object.assign(fields, { health: 'Missing', sync: 'Unknown' });
      states.push(appState(app, env, fields));
    }
  }
  return states;
}

/**
 * Installed in every page before its scripts (as text: tsx would wrap a function's inner functions
 * in a helper the page does not have): long tasks and the latency of every input are recorded from
 * the start, and the time the list first holds every row, painted.
 */
const pageProbe = (total: number): string => `(() => {
  const probe = { longTasks: [], keys: [] };
  window.__bench = probe;
  new PerformanceObserver((list) => {
    for (const e of list.getEntries()) probe.longTasks.push({ start: e.startTime, duration: e.duration });
  }).observe({ type: 'longtask', buffered: true });
  // calls back once the next frame is painted: a message posted from requestAnimationFrame runs after that frame
  const afterPaint = (fn) => requestAnimationFrame(() => {
    const channel = new MessageChannel();
    channel.port1.onmessage = () => fn(performance.now());
    channel.port2.postMessage(0);
  });
  // the apps the list holds (the table's aria-rowcount, less the header: the list renders only the rows in view)
  const rows = () => Number(document.querySelector('table.apps')?.getAttribute('aria-rowcount') ?? 1) - 1;
  // the list holds every app, and its rendered rows reach the bottom of the viewport (or the last row)
  const listed = () => {
    if (rows() < ${total}) return false;
    const rendered = document.querySelectorAll('table.apps tbody tr[aria-rowindex]');
    const last = rendered[rendered.length - 1];
    return !!last && (Number(last.getAttribute('aria-rowindex')) === ${total + 1} || last.getBoundingClientRect().bottom >= window.innerHeight);
  };
  const watcher = new MutationObserver(() => {
    if (probe.rowsInDomAt !== undefined || !listed()) return;
    probe.rowsInDomAt = performance.now();
    watcher.disconnect();
    afterPaint((at) => (probe.rowsPaintedAt = at));
  });
  document.addEventListener('DOMContentLoaded', () => watcher.observe(document.body, { childList: true, subtree: true }));
  let pendingKey;
  window.addEventListener('keydown', (e) => (pendingKey = { key: e.key, at: e.timeStamp }), true);
  // React handles the input event (a discrete event) before the next frame: the frame after it shows the answer
  window.addEventListener('input', () => {
    const key = pendingKey;
    pendingKey = undefined;
    if (!key) return;
    afterPaint((at) => probe.keys.push({ key: key.key, at, latency: at - key.at, rows: rows() }));
  }, true);
})();`;

interface Probe {
  longTasks: { start: number; duration: number }[];
  keys: { key: string; at: number; latency: number; rows: number }[];
  rowsPaintedAt?: number;
  rowsInDomAt?: number;
}

const readProbe = (page: Page): Promise<Probe> => page.evaluate(() => (window as unknown as { __bench: Probe }).__bench);

async function waitFor<T>(what: string, check: () => Promise<T | undefined>, timeoutMs: number, everyMs = 5): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, everyMs));
  }
}

interface LoadFigures {
  rowsInDom: number;
  rowsPainted: number;
  keySent: number;
  interactive: number;
  keyLatency: number;
}

interface StormFigures {
  events: number;
  longestTask: number;
  longTasks: number;
  keys: number;
  latencies: number[];
  keyP50: number;
  keyMax: number;
  /** From the last event emitted to the counts showing every app's last state. */
  settleMs: number;
}

/** Navigation to the overview with a signed-in session, to interactive (see the file's comment). */
async function load(page: Page, url: string, expectedRows: number): Promise<LoadFigures> {
  await page.goto(url, { waitUntil: 'commit' });
  // as soon as the list is there (checked every frame, in the page), the search box is focused and the key sent
  await page.waitForFunction(
    () => {
      if ((window as unknown as { __bench?: Probe }).__bench?.rowsInDomAt === undefined) return false;
      document.querySelector<HTMLInputElement>('input[type=search]')!.focus();
      return true;
    },
    undefined,
    { polling: 'raf', timeout: 30_000 },
  );
  // the keypress: typing "7" keeps the apps whose name has a 7
  await page.keyboard.press('7');
  const probe = await waitFor('the answered keypress', async () => {
    const p = await readProbe(page);
    return p.keys.length > 0 && p.rowsPaintedAt !== undefined ? p : undefined;
  }, 10_000);
  const key = probe.keys[0]!;
  if (key.rows !== expectedRows) throw new Error(`the keypress was answered with a list of ${key.rows} apps, expected the ${expectedRows} whose name has a 7`);
  return { rowsInDom: probe.rowsInDomAt!, rowsPainted: probe.rowsPaintedAt!, keySent: key.at - key.latency, interactive: Math.max(key.at, probe.rowsPaintedAt!), keyLatency: key.latency };
}

/**
 * The sync and health the list shows, by `env/app`: the page is scrolled from top to bottom (the
 * list renders only the rows in view), reading the rows of each screen after it is painted.
 */
async function shownStates(page: Page): Promise<Map<string, string>> {
  const rows = (await page.evaluate(`(async () => {
    const shown = [];
    for (let y = 0; ; y += Math.floor(window.innerHeight / 2)) {
      window.scrollTo(0, y);
      await new Promise((resolve) => requestAnimationFrame(() => requestAnimationFrame(resolve)));
      for (const tr of document.querySelectorAll('table.apps tbody tr[aria-rowindex]')) {
        const cells = [...tr.querySelectorAll('th, td')].map((c) => c.textContent);
        shown.push([cells[1] + '/' + tr.querySelector('th a').textContent, cells[2] + ' ' + cells[3]]);
      }
      if (window.scrollY + window.innerHeight >= document.documentElement.scrollHeight - 1 || y > document.documentElement.scrollHeight) break;
    }
    window.scrollTo(0, 0);
    return shown;
  })()`)) as [string, string][];
  return new Map(rows);
}

/** `Healthy 3, Degraded 1 | Synced 2, …` as the Counts buttons say it, in their order. */
function countsOf(states: AppState[]): string {
  const tally = (values: string[], order: readonly string[]): string =>
    order
      .map((code) => [code, values.filter((v) => v === code).length] as const)
      .filter(([, n]) => n > 0)
      .map(([code, n]) => `${code} ${n}`)
      .join(', ');
  return `${tally(states.map((s) => s.health), ['Healthy', 'Suspended', 'Progressing', 'Missing', 'Degraded', 'Unknown'])} | ${tally(states.map((s) => (s.notReleased ? 'NotReleased' : s.sync)), ['Synced', 'OutOfSync', 'Unknown', 'NotReleased'])}`;
}

const shownCounts = (page: Page): Promise<string> =>
  page.evaluate(`['Counts by health', 'Counts by sync'].map((label) => [...document.querySelectorAll('[aria-label="' + label + '"] button')].map((b) => b.textContent).join(', ')).join(' | ')`) as Promise<string>;

/** 50 events a second for 10 s while a key is typed into the search box every 200 ms. */
async function storm(page: Page, agent: FakeAgent, rand: () => number): Promise<StormFigures> {
  const search = page.getByRole('searchbox', { name: 'Name' });
  await search.fill('');
  await waitFor('the whole list', async () => ((await page.evaluate(() => document.querySelector('table.apps')?.getAttribute('aria-rowcount'))) === String(total + 1) ? true : undefined), 5000);
  await page.evaluate(() => {
    const probe = (window as unknown as { __bench: Probe }).__bench;
    probe.keys = [];
  });
  const startedAt = await page.evaluate(() => performance.now());
  const keys = agent.apps();
  let emitted = 0;
  const started = Date.now();
  const typing = ['1', '2', 'Backspace', 'Backspace', 'a', 'Backspace'];
  let typed = 0;
  let lastEmit = 0;
  await new Promise<void>((resolve, reject) => {
    const typer = setInterval(() => {
      page.keyboard.press(typing[typed++ % typing.length]!).catch(reject);
    }, 200);
    const ticker = setInterval(() => {
      const due = Math.min(stormSeconds * eventsPerSecond, Math.floor(((Date.now() - started) / 1000) * eventsPerSecond));
      for (; emitted < due; emitted++) {
        const target = keys[Math.floor(rand() * keys.length)]!;
        const current = agent.app(target)!;
        const state: AppState = { ...current, sync: syncCodes[Math.floor(rand() * syncCodes.length)]!, health: healthCodes[Math.floor(rand() * healthCodes.length)]! };
        if (emitted % 5 === 4) agent.emit({ type: 'sync', state, result: { ...target, revision: state.targetRevision, result: 'Succeeded', changeSet: { changes: [] }, counts: {} } } as never);
        else agent.emit({ type: 'app', state });
      }
      lastEmit = Date.now();
      if (emitted >= stormSeconds * eventsPerSecond) {
        clearInterval(ticker);
        clearInterval(typer);
        resolve();
      }
    }, 20);
  });
  const endedAt = await page.evaluate(() => performance.now());
  // the keys typed leave the search box as it was: empty (every row shown)
  await search.fill('');
  // the counts (every app's sync and health, summed) show the last state: how long after the last event
  const expectedCounts = countsOf(agent.apps());
  await waitFor('the counts of the last states', async () => ((await shownCounts(page)) === expectedCounts ? true : undefined), 5000, 10);
  const settleMs = Date.now() - lastEmit;
  // then every row, read screen by screen
  const expected = new Map(agent.apps().map((s) => [`${s.env}/${s.app}`, `${s.notReleased ? 'NotReleased' : s.sync} ${s.health}`]));
  const shown = await shownStates(page);
  const wrong = [...expected].filter(([key, value]) => shown.get(key) !== value);
  if (shown.size !== expected.size || wrong.length > 0) throw new Error(`after the storm the list shows ${shown.size} apps, ${wrong.length} of them not in their last state (${wrong.slice(0, 3).map(([k, v]) => `${k}: ${shown.get(k)} instead of ${v}`).join('; ')})`);
  const probe = await readProbe(page);
  const tasks = probe.longTasks.filter((t) => t.start >= startedAt && t.start <= endedAt);
  const latencies = probe.keys.filter((k) => k.at <= endedAt + 1000).map((k) => k.latency).sort((a, b) => a - b);
  return {
    events: emitted,
    longestTask: Math.max(0, ...tasks.map((t) => t.duration)),
    longTasks: tasks.length,
    keys: latencies.length,
    latencies,
    keyP50: latencies[latencies.length >> 1] ?? NaN,
    keyMax: latencies[latencies.length - 1] ?? NaN,
    settleMs,
  };
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

const ms = (n: number): string => `${Math.round(n)} ms`;
const verdict = (met: boolean): string => (met ? 'met' : 'NOT MET');

/** chromium: `$CAPSTAN_CHROMIUM`, else `chromium` or `chromium-browser` on PATH (as the UI's end-to-end tests find it). */
const findChromium = (): string | undefined => process.env.CAPSTAN_CHROMIUM ?? findOnPath('chromium') ?? findOnPath('chromium-browser');

async function main(): Promise<void> {
  const executablePath = findChromium();
  if (!executablePath) throw new Error('chromium is not installed (apt-get install chromium, or set CAPSTAN_CHROMIUM)');
  ensureUiBuilt();
  const size = jsGzipBytes();
  const agent = new FakeAgent(fleet());
  agent.isReady = true;
  agent.putCommit({ sha: head, subject: 'Raise the API replicas to 3 in prod', author: 'Ada Lovelace <ada@example.com>', time: '2026-12-07T04:00:00Z' });
  const server = await createServer({ agent, tokens: new TokenStore([{ name: 'bench', role: 'read', token }]), webhookSecrets: {}, version: 'bench', ui: { dir: uiDir } });
  const browser: Browser = await chromium.launch({ executablePath, args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync'] });
  const rand = random(7);
  const loads: LoadFigures[] = [];
  const storms: StormFigures[] = [];
  console.log(`bench/ui: ${appCount} apps × ${envs.length} environments (${total} rows), ${rounds} rounds, chromium ${browser.version()}, load average ${loadavg()[0]!.toFixed(2)}`);
  console.log('interactive = from navigation start (performance.timeOrigin) until all 600 rows are in the list and painted AND a keypress in the search box,');
  console.log('  sent as soon as the rows were seen, is answered with the filtered list painted (keydown → the frame after the input was handled)');
  try {
    for (let r = 0; r < rounds; r++) {
      const context = await browser.newContext({ baseURL: server.url, viewport: { width: 1280, height: 800 } });
      await context.addInitScript((t: string) => window.sessionStorage.setItem('capstan.token', t), token);
      await context.addInitScript({ content: pageProbe(total) });
      const page = await context.newPage();
      try {
        // BENCH_TRACE=<file> writes a chromium trace (devtools timeline) of the first round
        const trace = r === 0 ? process.env.BENCH_TRACE : undefined;
        if (trace) await browser.startTracing(page, { path: trace, categories: ['devtools.timeline', 'disabled-by-default-devtools.timeline'] });
        const l = await load(page, '/', agent.apps().filter((a) => a.app.includes('7')).length);
        loads.push(l);
        console.log(`round ${r + 1}: rows in the DOM ${ms(l.rowsInDom)}, painted ${ms(l.rowsPainted)}, key sent ${ms(l.keySent)}, answered in ${ms(l.keyLatency)}: interactive ${ms(l.interactive)}`);
        // BENCH_CPU_PROFILE=<file> writes the page's JavaScript CPU profile of the first round's storm
        const profile = r === 0 ? process.env.BENCH_CPU_PROFILE : undefined;
        const cdp = profile ? await context.newCDPSession(page) : undefined;
        if (cdp) await cdp.send('Profiler.enable').then(() => cdp.send('Profiler.start'));
        const s = await storm(page, agent, rand);
        if (trace) await browser.stopTracing();
        if (cdp && profile) writeFileSync(profile, JSON.stringify((await cdp.send('Profiler.stop')).profile));
        storms.push(s);
        console.log(`  storm: ${s.events} events in ${stormSeconds} s; longest task ${ms(s.longestTask)} (${s.longTasks} over 50 ms); ${s.keys} keys typed, latency p50 ${ms(s.keyP50)}, max ${ms(s.keyMax)}; every app's last state shown ${ms(s.settleMs)} after the last event; load average ${loadavg()[0]!.toFixed(2)}`);
      } finally {
        await context.close();
      }
    }
  } finally {
    await browser.close();
    await server.close();
  }
  const interactive = median(loads.map((l) => l.interactive));
  const longest = Math.max(...storms.map((s) => s.longestTask));
  const keyMax = Math.max(...storms.map((s) => s.keyMax));
  const allKeys = storms.flatMap((s) => s.latencies).sort((a, b) => a - b);
  const keyP95 = allKeys[Math.min(allKeys.length - 1, Math.floor(allKeys.length * 0.95))]!;
  const gzipKb = size.gzip / 1024;
  const met = {
    interactive: interactive <= goals.interactiveMs,
    longest: longest <= goals.longestTaskMs,
    keys: keyP95 <= goals.keyP95Ms && keyMax <= goals.keyMaxMs,
    size: gzipKb < goals.jsGzipKb,
  };
  console.log('');
  console.log(`interactive: median ${ms(interactive)} (rounds: ${loads.map((l) => Math.round(l.interactive)).join(', ')}); goal ≤ ${goals.interactiveMs} ms: ${verdict(met.interactive)}`);
  console.log(`during the storm: longest task ${ms(longest)} (rounds: ${storms.map((s) => Math.round(s.longestTask)).join(', ')}); goal ≤ ${goals.longestTaskMs} ms: ${verdict(met.longest)}`);
  console.log(`during the storm: keypress → painted, ${allKeys.length} keys: p50 ${ms(allKeys[allKeys.length >> 1]!)}, p95 ${ms(keyP95)}, max ${ms(keyMax)}; goal p95 ≤ ${goals.keyP95Ms} ms and max ≤ ${goals.keyMaxMs} ms: ${verdict(met.keys)}`);
  console.log(`after the storm: the last state of all ${total} apps shown in every round; their counts ${storms.map((s) => s.settleMs).join(', ')} ms after the last event`);
  console.log(`the UI's JavaScript: ${size.files} file(s), ${(size.raw / 1024).toFixed(1)} KB, ${gzipKb.toFixed(1)} KB gzipped; goal < ${goals.jsGzipKb} KB: ${verdict(met.size)}`);
  if (!Object.values(met).every(Boolean)) process.exitCode = 1;
}

await main();
