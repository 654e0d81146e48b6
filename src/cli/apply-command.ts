import { Command } from 'commander';
import { ValidationError } from '../core/index.ts';
import type { SyncResult } from '../engine/index.ts';
import path from 'node:path';
import { workingTreeCommit } from '../engine/index.ts';
import { addClusterOptions, createEngine, duration, envOption, isLocalRepo, outputOption, remoteOf, type ClusterOptions, type OutputFormat } from './engine-options.ts';
import { createProgress } from './progress.ts';
import { printReports, reportOf } from './sync-report.ts';

interface ApplyCommandOptions extends ClusterOptions {
  env: string;
  all?: boolean;
  forceConflicts?: boolean;
  prune?: boolean;
  allowEmpty?: boolean;
  timeout?: number;
  waitForLock?: number;
  output: OutputFormat;
}

export function applyCommand(): Command {
  return addClusterOptions(new Command('apply'))
    .description('Render, diff, apply in order, prune and wait for health: one app, or every app of an environment')
    .argument('[app]', 'app name (or --all)')
    .addOption(envOption())
    .option('--all', 'every app of the environment, each after the apps it depends on')
    .option('--force-conflicts', 'take the fields git declares that other field managers hold (the default, unless the app sets syncOptions.conflicts: fail)')
    .option('--no-force-conflicts', 'stop on fields that other field managers hold instead of taking them')
    .option('--no-prune', 'do not delete objects the app no longer renders')
    .option('--allow-empty', 'let an empty render prune everything the app applied before')
    .option('--timeout <duration>', 'health wait per wave (default: the app\'s syncOptions.timeout)', duration)
    .option('--wait-for-lock <duration>', 'when another capstan is syncing the app, wait this long for it instead of failing at once', duration)
    .addOption(outputOption())
    .addHelpText('after', '\nExamples:\n  capstan apply guestbook --env dev\n  capstan apply --all --env prod --revision v1.4.2 -o json')
    .action(async (appName: string | undefined, opts: ApplyCommandOptions) => {
      if (!appName && !opts.all) throw new ValidationError('name an app, or pass --all to apply every app of the environment');
      if (appName && opts.all) throw new ValidationError('name an app or pass --all, not both');
      const { engine, close } = await createEngine(opts);
      const progress = createProgress(opts.output === 'table');
      // the check (git status) runs beside the sync, which does not need it: its note is printed when it is known
      const note = warnIfUncommitted(opts).catch(() => undefined);
      try {
        const request = {
          repo: remoteOf(opts),
          revision: opts.revision,
          env: opts.env,
          force: opts.forceConflicts,
          prune: opts.prune === false ? false : undefined,
          allowEmpty: opts.allowEmpty,
          timeoutMs: opts.timeout,
          waitForLockMs: opts.waitForLock,
          onProgress: progress.onProgress, onStart: progress.onStart, onLockWait: progress.onLockWait,
        };
        const results = appName ? [await engine.sync({ ...request, app: appName })] : await engine.syncAll(request);
        await note;
        progress.done();
        reportResults(results, opts.output, { list: opts.all === true });
      } finally {
        progress.done();
        close();
      }
    });
}

/** `apply` renders a commit, never the working tree: say so when a local repo has edits it will not see. */
async function warnIfUncommitted(opts: ApplyCommandOptions): Promise<void> {
  if (opts.revision !== undefined || !isLocalRepo(opts.repo)) return;
  const commit = await workingTreeCommit(path.resolve(opts.repo));
  if (commit.endsWith('+dirty')) console.error(`note: ${opts.repo} has uncommitted changes; capstan applies its last commit, ${commit.slice(0, 12)}, without them`);
}

/**
 * Prints results (a summary line per app, or the SyncReport JSON/YAML: one object for one app, a
 * list with `list`) and throws the first failure, which main turns into exit code 1.
 */
export function reportResults(results: SyncResult[], output: OutputFormat, options: { list?: boolean } = {}): void {
  printReports(results.map(reportOf), output, { list: options.list ?? false });
  const failed = results.find((r) => r.result === 'Failed');
  if (failed?.error) throw failed.error;
}
