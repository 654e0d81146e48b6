import { setTimeout as sleep } from 'node:timers/promises';
import { Command } from 'commander';
import { TimeoutError } from '../core/index.ts';
import { formatDuration } from '../config/index.ts';
import type { AppState } from '../agent/index.ts';
import { AgentClient, addAgentOptions, type AgentOptions } from './agent-client.ts';
import { duration, envOption, outputOption, type OutputFormat } from './engine-options.ts';
import { age, printData, shortRevision } from './output.ts';

interface WaitOptions extends AgentOptions {
  env: string;
  sync?: boolean;
  health?: boolean;
  operation?: boolean;
  timeout: number;
  output: OutputFormat;
}

/** What `wait` waits for; none named on the command line means all three. */
export interface WaitFor {
  sync: boolean;
  health: boolean;
  operation: boolean;
}

export function waitCommand(): Command {
  return addAgentOptions(new Command('wait'))
    .description('Wait until an app is synced and healthy, with no sync running, as its agent reports it (like argocd app wait)')
    .argument('<app>', 'app name')
    .addOption(envOption())
    .option('--sync', 'wait until it is Synced')
    .option('--health', 'wait until it is Healthy')
    .option('--operation', 'wait until no sync of it is queued or running')
    .option('--timeout <duration>', 'give up after this long (exit 1), saying what it still waited for', duration, 5 * 60_000)
    .addOption(outputOption())
    .addHelpText('after', '\nWithout --sync, --health or --operation it waits for all three.\n\nExamples:\n  capstan wait guestbook --env dev\n  git push && capstan wait guestbook --env dev --health --timeout 2m')
    .action(async (app: string, opts: WaitOptions) => {
      const any = opts.sync === true || opts.health === true || opts.operation === true;
      const wanted: WaitFor = { sync: !any || opts.sync === true, health: !any || opts.health === true, operation: !any || opts.operation === true };
      const agent = AgentClient.from(opts);
      let state: AppState;
      try {
        state = await waitForApp(agent, { app, env: opts.env }, wanted, opts.timeout, (s) => showProgress(s, wanted));
      } finally {
        clearProgress();
      }
      if (opts.output !== 'table') return printData(opts.output, state);
      console.log(`${state.app} (${state.env}): ${state.sync}, ${state.health} at ${shortRevision(state.revision) || '-'}`);
    });
}

/**
 * The app's state once it meets `wanted`. Follows the agent's event stream (reconnecting should it
 * end); throws a TimeoutError naming what was still missing when `timeoutMs` runs out.
 */
export async function waitForApp(agent: AgentClient, ref: { app: string; env: string }, wanted: WaitFor, timeoutMs: number, onChange: (state: AppState) => void = () => {}): Promise<AppState> {
  let state = await agent.call<AppState>(`/api/v1/apps/${encodeURIComponent(ref.env)}/${encodeURIComponent(ref.app)}`);
  if (unmet(state, wanted).length === 0) return state;
  onChange(state);
  const stop = new AbortController();
  const timer = setTimeout(() => stop.abort(), timeoutMs);
  let met = false;
  try {
    while (!stop.signal.aborted) {
      try {
        await agent.events((event) => {
          if (event.type === 'revision' || event.state.app !== ref.app || event.state.env !== ref.env) return;
          state = event.state;
          if (unmet(state, wanted).length > 0) return onChange(state);
          met = true;
          stop.abort();
        }, stop.signal);
      } catch {
        // the agent restarted or the connection dropped: connect again (its first events are every app's state)
        await sleep(1000, undefined, { signal: stop.signal }).catch(() => undefined);
      }
    }
  } finally {
    clearTimeout(timer);
  }
  if (met) return state;
  throw new TimeoutError(`timed out after ${formatDuration(timeoutMs)} waiting for app "${ref.app}" in environment "${ref.env}": ${unmet(state, wanted).join('; ')}`);
}

/** What the state still lacks, in words: `sync is OutOfSync (applied …, target …)`, `health is Degraded: …`, `a sync is running …`. */
export function unmet(state: AppState, wanted: WaitFor, now = Date.now()): string[] {
  const out: string[] = [];
  if (wanted.sync && (state.sync !== 'Synced' || state.orphaned)) {
    const revisions = `applied ${shortRevision(state.revision) || 'nothing'}, target ${shortRevision(state.targetRevision) || 'unknown'}`;
    const failed = state.lastSync?.result === 'Failed' ? `; its last sync failed: ${(state.lastSync.message ?? '').split('\n')[0]}` : '';
    out.push(state.orphaned ? 'it is orphaned (removed from capstan.yaml)' : `sync is ${state.sync} (${revisions})${failed}`);
  }
  if (wanted.health && state.health !== 'Healthy') out.push(`health is ${state.health}${state.healthMessage ? `: ${state.healthMessage.split('\n')[0]}` : ''}`);
  if (wanted.operation && state.operation) out.push(`a sync is ${state.operation.phase} (${state.operation.trigger}, for ${age(state.operation.since, now)})`);
  return out;
}

let progressShown = false;

/** On a terminal, one status line on stderr, redrawn as the app changes; nothing otherwise. */
function showProgress(state: AppState, wanted: WaitFor): void {
  if (process.stderr.isTTY !== true) return;
  const text = `waiting for ${state.app} (${state.env}): ${unmet(state, wanted).join('; ')}`;
  process.stderr.write(`\r\x1b[2K${text.slice(0, (process.stderr.columns ?? 120) - 1)}`);
  progressShown = true;
}

function clearProgress(): void {
  if (progressShown) process.stderr.write('\r\x1b[2K');
  progressShown = false;
}
