import { Command } from 'commander';
import { formatKey } from '../core/index.ts';
import type { AppState, ResourceNode, ResourceState } from '../agent/index.ts';
import { AgentClient, addAgentOptions, type AgentOptions } from './agent-client.ts';
import { envOption, outputOption, type OutputFormat } from './engine-options.ts';
import { age, formatTable, printData, shortRevision } from './output.ts';

/** What `get -o json|yaml` prints: the agent's state of the app, and its objects as a tree. */
export type AppDetails = AppState & { resources: ResourceState[] };

export function getCommand(): Command {
  return addAgentOptions(new Command('get'))
    .description("Show one app in one environment as its agent sees it: sync, health, revisions, last sync, conditions, and its objects with what they own (like argocd app get)")
    .argument('<app>', 'app name')
    .addOption(envOption())
    .addOption(outputOption())
    .addHelpText('after', '\nExamples:\n  capstan get guestbook --env dev\n  capstan get guestbook --env prod -o json | jq .resources')
    .action(async (app: string, opts: AgentOptions & { env: string; output: OutputFormat }) => {
      const agent = AgentClient.from(opts);
      const base = `/api/v1/apps/${encodeURIComponent(opts.env)}/${encodeURIComponent(app)}`;
      const [state, resources] = await Promise.all([agent.call<AppState>(base), agent.call<ResourceState[]>(`${base}/resources`)]);
      if (opts.output !== 'table') return printData(opts.output, { ...state, resources } satisfies AppDetails);
      process.stdout.write(formatApp(state, resources));
    });
}

/** The text of `capstan get`: a summary, the conditions (when there are any), and the object tree. */
export function formatApp(state: AppState, resources: readonly ResourceState[], now = Date.now()): string {
  const ago = (iso: string): string => `${age(iso, now)} ago`;
  const policy = state.automated ? `automated${[state.prune ? 'prune' : '', state.selfHeal ? 'self-heal' : ''].filter(Boolean).map((p, i) => (i === 0 ? ` (${p}` : `, ${p}`)).join('')}${state.prune || state.selfHeal ? ')' : ''}` : 'manual';
  const last = state.lastSync;
  const fields: [string, string][] = [
    ['Name', state.app],
    ['Environment', state.env],
    ['Sync Policy', `${policy}${state.syncWindowOpen ? '' : '; sync window closed'}`],
    ['Sync Status', state.orphaned ? 'OutOfSync (orphaned)' : state.sync],
    ['Health Status', `${state.health}${state.healthMessage ? `: ${firstLine(state.healthMessage)}` : ''}`],
    ['Applied Revision', state.revision ? shortRevision(state.revision) : '- (never synced)'],
    ['Target Revision', state.targetRevision ? shortRevision(state.targetRevision) : '-'],
    ['Last Sync', last ? `${last.result} ${ago(last.finishedAt)} by ${last.who} (${last.trigger}) at ${shortRevision(last.revision)}: ${counts(last.counts)}` : '-'],
  ];
  if (last?.message) fields.push(['Last Sync Message', firstLine(last.message)]);
  if (state.owner) fields.push(['Reconciled By', state.owner]);
  // labels in a column of 20, as argocd app get prints them
  let out = fields.map(([label, value]) => `${`${label}:`.padEnd(20)}${value}`.trimEnd()).join('\n') + '\n';

  const inTime = (iso: string): string => age(new Date(2 * now - Date.parse(iso)).toISOString(), now);
  const conditions = conditionsOf(state, ago, inTime);
  if (conditions.length > 0) out += `\n${formatTable(['condition', 'message'], conditions)}`;

  const rows: string[][] = [];
  const addNodes = (nodes: readonly ResourceNode[], indent: string): void => {
    nodes.forEach((node, i) => {
      const lastOne = i === nodes.length - 1;
      rows.push([`${indent}${lastOne ? '└─' : '├─'}${formatKey(node.key)}`, '', node.health, firstLine(node.healthMessage ?? '')]);
      if (node.children) addNodes(node.children, `${indent}${lastOne ? '  ' : '│ '}`);
    });
  };
  for (const resource of resources) {
    rows.push([formatKey(resource.key), resource.sync, resource.health, firstLine(resource.healthMessage ?? '')]);
    if (resource.children) addNodes(resource.children, '');
  }
  out += rows.length > 0 ? `\n${formatTable(['kind/name', 'sync', 'health', 'message'], rows)}` : '\nno objects: the app renders nothing, or has not been synced\n';
  return out;
}

/** What needs attention, one row each: `[condition, message]`. */
function conditionsOf(state: AppState, ago: (iso: string) => string, inTime: (iso: string) => string): string[][] {
  const rows: string[][] = [];
  const last = state.lastSync;
  if (state.orphaned) rows.push(['Orphaned', `not in capstan.yaml for environment "${state.env}", yet its objects are still in the cluster: capstan delete ${state.app} --env ${state.env} removes them`]);
  if (last?.result === 'Failed') {
    const retry = state.nextRetryAt ? `; next retry in ${inTime(state.nextRetryAt)}` : '';
    rows.push(['SyncError', `${firstLine(last.message ?? 'the last sync failed')} (${state.failures} failed in a row${retry})`]);
  }
  if (state.error && state.error !== last?.message) rows.push(['ComparisonError', firstLine(state.error)]);
  if (state.drift) rows.push(['Drift', `${state.drift.objects.join(', ')} changed in the cluster ${ago(state.drift.detectedAt)}, not by capstan`]);
  if (state.operation) rows.push(['OperationInProgress', `sync ${state.operation.phase} since ${ago(state.operation.since)} (${state.operation.trigger})`]);
  if (!state.syncWindowOpen && state.automated) rows.push(['SyncWindowClosed', `automatic syncs wait for a sync window of environment "${state.env}" (a manual sync still runs)`]);
  return rows;
}

function counts(values: Record<string, number>): string {
  const shown = Object.entries(values).filter(([, n]) => n > 0).map(([action, n]) => `${n} ${action}`);
  return shown.join(', ') || 'no changes';
}

function firstLine(text: string): string {
  return text.split('\n')[0]!.trim();
}
