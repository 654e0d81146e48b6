import { Command } from 'commander';
import { CapstanError } from '../core/index.ts';
import type { SyncActionResult } from '../agent/index.ts';
import { AgentClient, addAgentOptions, type AgentOptions } from './agent-client.ts';
import { envOption, outputOption, type OutputFormat } from './engine-options.ts';
import { printReports, reportOfAgentSync } from './sync-report.ts';

interface SyncCommandOptions extends AgentOptions {
  env: string;
  revision?: string;
  prune?: boolean;
  forceConflicts?: boolean;
  output: OutputFormat;
}

export function syncCommand(): Command {
  return addAgentOptions(new Command('sync'))
    .description('Ask a running agent to sync an app now (manual apps and closed sync windows included), and wait for the result')
    .argument('<app>', 'app name')
    .addOption(envOption())
    .option('--revision <rev>', 'apply this revision instead of the branch\'s newest commit')
    .option('--no-prune', 'do not delete objects the app no longer renders')
    .option('--force-conflicts', 'take the fields git declares that other field managers hold (the default, unless the app sets syncOptions.conflicts: fail)')
    .option('--no-force-conflicts', 'stop on fields that other field managers hold instead of taking them')
    .addOption(outputOption())
    .addHelpText('after', '\nThe token needs the deploy role.\n\nExamples:\n  capstan sync guestbook --env dev                  # the agent of capstan login, or of capstan up\n  capstan sync guestbook --env prod --server https://capstan.example.com --token-file ci.token')
    .action(async (app: string, opts: SyncCommandOptions) => {
      const agent = AgentClient.from(opts);
      const body = { revision: opts.revision, prune: opts.prune === false ? false : undefined, force: opts.forceConflicts };
      const answer = await agent.call<SyncActionResult>(`/api/v1/apps/${encodeURIComponent(opts.env)}/${encodeURIComponent(app)}/sync`, { method: 'POST', body });
      const report = reportOfAgentSync(answer);
      printReports([report], opts.output, { list: false });
      if (report.error) throw new CapstanError(report.error.message);
    });
}
