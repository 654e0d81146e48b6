import { readFileSync } from 'node:fs';
import { Command } from 'commander';
import { CapstanError, NotFoundError, ValidationError, summarizeChangeSet } from '../core/index.ts';
import type { SyncActionResult } from '../agent/index.ts';
import { envOption, outputOption, type OutputFormat } from './engine-options.ts';
import { printData, shortRevision } from './output.ts';

interface SyncCommandOptions {
  env: string;
  server: string;
  tokenFile?: string;
  revision?: string;
  prune?: boolean;
  forceConflicts?: boolean;
  output: OutputFormat;
}

/** Where an agent answers: `--server`, `$CAPSTAN_SERVER`, or the address `capstan up` uses. */
export function serverOption(command: Command): Command {
  return command
    .option('--server <url>', 'the agent\'s HTTP API (default: $CAPSTAN_SERVER or http://127.0.0.1:8080)', process.env.CAPSTAN_SERVER ?? 'http://127.0.0.1:8080')
    .option('--token-file <file>', 'file holding an API token with the deploy role (default: $CAPSTAN_TOKEN)');
}

export function syncCommand(): Command {
  return serverOption(new Command('sync'))
    .description('Ask a running agent to sync an app now (manual apps and closed sync windows included), and wait for the result')
    .argument('<app>', 'app name')
    .addOption(envOption())
    .option('--revision <rev>', 'apply this revision instead of the branch\'s newest commit')
    .option('--no-prune', 'do not delete objects the app no longer renders')
    .option('--force-conflicts', 'take the fields git declares that other field managers hold (the default, unless the app sets syncOptions.conflicts: fail)')
    .option('--no-force-conflicts', 'stop on fields that other field managers hold instead of taking them')
    .addOption(outputOption())
    .addHelpText('after', '\nExample:\n  CAPSTAN_TOKEN=$(cat .capstan/token) capstan sync guestbook --env prod')
    .action(async (app: string, opts: SyncCommandOptions) => {
      const token = opts.tokenFile ? readFileSync(opts.tokenFile, 'utf8').trim() : process.env.CAPSTAN_TOKEN;
      if (!token) throw new ValidationError('no API token: pass --token-file or set CAPSTAN_TOKEN');
      const body = { revision: opts.revision, prune: opts.prune === false ? false : undefined, force: opts.forceConflicts };
      const url = `${opts.server.replace(/\/+$/, '')}/api/v1/apps/${encodeURIComponent(opts.env)}/${encodeURIComponent(app)}/sync`;
      let response: Response;
      try {
        response = await fetch(url, { method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, body: JSON.stringify(body) });
      } catch (error) {
        throw new CapstanError(`cannot reach the agent at ${opts.server}: ${(error as Error).message} (is it running? see --server)`, { cause: error });
      }
      const answer = (await response.json().catch(() => ({}))) as SyncActionResult & { error?: { message: string } };
      if (!response.ok) {
        const message = answer.error?.message ?? `${response.status} ${response.statusText}`;
        if (response.status === 404) throw new NotFoundError(message);
        throw new CapstanError(`the agent refused the sync (${response.status}): ${message}`);
      }
      if (opts.output !== 'table') printData(opts.output, answer);
      else console.log(`${answer.app} (${answer.env}) at ${shortRevision(answer.revision)}: ${answer.result === 'Succeeded' ? '' : 'FAILED '}${summarizeChangeSet(answer.changeSet)}`);
      if (answer.result !== 'Succeeded') throw new CapstanError(answer.message ?? 'the sync failed');
    });
}
