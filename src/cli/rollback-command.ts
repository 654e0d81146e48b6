import { Command } from 'commander';
import { addClusterOptions, createEngine, duration, envOption, outputOption, positiveInt, remoteOf, type ClusterOptions, type OutputFormat } from './engine-options.ts';
import { reportResults } from './apply-command.ts';
import { createProgress } from './progress.ts';

export function rollbackCommand(): Command {
  return addClusterOptions(new Command('rollback'))
    .description('Re-apply the revision of an earlier sync (default: the last successful one before the current) and record the rollback')
    .argument('<app>', 'app name')
    .addOption(envOption())
    .option('--to <id>', 'the history entry to roll back to (see capstan history)', positiveInt)
    .option('--force-conflicts', 'take fields that other field managers own')
    .option('--timeout <duration>', 'health wait per wave', duration)
    .option('--wait-for-lock <duration>', 'when another capstan is syncing the app, wait this long for it instead of failing at once', duration)
    .addOption(outputOption())
    .action(async (appName: string, opts: ClusterOptions & { env: string; to?: number; forceConflicts?: boolean; timeout?: number; waitForLock?: number; output: OutputFormat }) => {
      const { engine, close } = await createEngine(opts);
      const progress = createProgress(opts.output === 'table');
      try {
        const result = await engine.rollback({ repo: remoteOf(opts), app: appName, env: opts.env, to: opts.to, force: opts.forceConflicts, timeoutMs: opts.timeout, waitForLockMs: opts.waitForLock, onProgress: progress.onProgress, onStart: progress.onStart, onLockWait: progress.onLockWait });
        progress.done();
        reportResults([result], opts.output);
      } finally {
        progress.done();
        close();
      }
    });
}
