import { Command } from 'commander';
import { CapstanError, ValidationError, formatKey, type Change } from '../core/index.ts';
import type { SyncResult } from '../engine/index.ts';
import { addClusterOptions, createEngine, duration, envOption, outputOption, remoteOf, type ClusterOptions, type OutputFormat } from './engine-options.ts';
import { reportResults } from './apply-command.ts';
import { confirm } from './confirm.ts';
import { printData } from './output.ts';
import { createProgress } from './progress.ts';
import { reportOf, type SyncReport } from './sync-report.ts';

interface DeleteOptions extends ClusterOptions {
  env: string;
  waitForLock?: number;
  output: OutputFormat;
  yes?: boolean;
  dryRun?: boolean;
}

export function deleteCommand(): Command {
  return addClusterOptions(new Command('delete'))
    .description('Delete everything an app applied in an environment, in reverse order (objects marked capstan.dev/prune: disabled are kept); asks first on a terminal')
    .argument('<app>', 'app name')
    .addOption(envOption())
    .option('-y, --yes', 'delete without asking (needed when stdin is not a terminal)')
    .option('--dry-run', 'print what would be deleted and what kept, and delete nothing')
    .option('--wait-for-lock <duration>', 'when another capstan is syncing the app, wait this long for it instead of failing at once', duration)
    .addOption(outputOption())
    .addHelpText('after', '\nExamples:\n  capstan delete guestbook --env dev --dry-run\n  capstan delete guestbook --env dev --yes')
    .action(async (appName: string, opts: DeleteOptions) => {
      const what = `app "${appName}" in environment "${opts.env}"`;
      if (!opts.yes && !opts.dryRun && process.stdin.isTTY !== true) {
        throw new ValidationError(`not deleting ${what} without a confirmation, and stdin is not a terminal to ask on: pass --yes (or --dry-run to see what it would delete)`);
      }
      const { engine, close } = await createEngine(opts);
      const progress = createProgress(opts.output === 'table');
      try {
        const request = { repo: remoteOf(opts), app: appName, env: opts.env };
        if (opts.dryRun || !opts.yes) {
          const preview = await engine.delete({ ...request, dryRun: true });
          if (preview.result === 'Failed') return reportResults([preview], opts.output);
          if (opts.dryRun) return printPreview(preview, opts.output);
          process.stderr.write(describePreview(preview, { summary: false }));
          const deleting = preview.counts.deleted ?? 0;
          if (!(await confirm(`Delete ${deleting === 1 ? '1 object' : `${deleting} objects`} of ${what}?`))) {
            throw new CapstanError(`nothing deleted: ${what} is left as it is`);
          }
        }
        const result = await engine.delete({ ...request, waitForLockMs: opts.waitForLock, onProgress: progress.onProgress, onLockWait: progress.onLockWait });
        progress.done();
        reportResults([result], opts.output);
      } finally {
        progress.done();
        close();
      }
    });
}

/** `--dry-run`: the lines of describePreview on stdout, or the SyncReport (with `dryRun: true`) as JSON/YAML. */
function printPreview(preview: SyncResult, output: OutputFormat): void {
  if (output !== 'table') return printData(output, { ...reportOf(preview), dryRun: true } satisfies SyncReport);
  process.stdout.write(describePreview(preview));
}

/**
 * What a delete would do, an object a line, then a summary:
 * `delete   Deployment/web/web`, `keep     Namespace/web: not deleted: …`,
 * `app "web" in environment "dev": 4 objects would be deleted, 1 kept (dry run: nothing was deleted)`.
 */
export function describePreview(preview: SyncResult, options: { summary?: boolean } = {}): string {
  const line = (verb: string, change: Change): string => `${verb.padEnd(8)} ${formatKey(change.key)}${change.message ? `: ${change.message}` : ''}\n`;
  const deleted = preview.changeSet.changes.filter((c) => c.action === 'deleted');
  const kept = preview.changeSet.changes.filter((c) => c.action !== 'deleted');
  const objects = (n: number): string => (n === 1 ? '1 object' : `${n} objects`);
  return [
    ...deleted.map((c) => line('delete', c)),
    ...kept.map((c) => line('keep', c)),
    options.summary === false ? '' : `app "${preview.app}" in environment "${preview.env}": ${objects(deleted.length)} would be deleted${kept.length ? `, ${kept.length} kept` : ''} (dry run: nothing was deleted)\n`,
  ].join('');
}
