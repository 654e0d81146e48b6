import { Command } from 'commander';
import { addClusterOptions, createEngine, duration, envOption, outputOption, remoteOf, type ClusterOptions, type OutputFormat } from './engine-options.ts';
import { reportResults } from './apply-command.ts';
import { createProgress } from './progress.ts';

export function deleteCommand(): Command {
  return addClusterOptions(new Command('delete'))
    .description('Delete everything an app applied in an environment, in reverse order (objects marked capstan.dev/prune: disabled are kept)')
    .argument('<app>', 'app name')
    .addOption(envOption())
    .option('--wait-for-lock <duration>', 'when another capstan is syncing the app, wait this long for it instead of failing at once', duration)
    .addOption(outputOption())
    .action(async (appName: string, opts: ClusterOptions & { env: string; waitForLock?: number; output: OutputFormat }) => {
      const { engine, close } = await createEngine(opts);
      const progress = createProgress(opts.output === 'table');
      try {
        const result = await engine.delete({ repo: remoteOf(opts), app: appName, env: opts.env, waitForLockMs: opts.waitForLock, onProgress: progress.onProgress, onLockWait: progress.onLockWait });
        progress.done();
        reportResults([result], opts.output);
      } finally {
        progress.done();
        close();
      }
    });
}
