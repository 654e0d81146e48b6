import { Command } from 'commander';
import { addClusterOptions, createEngine, envOption, outputOption, remoteOf, type ClusterOptions, type OutputFormat } from './engine-options.ts';
import { reportResults } from './apply-command.ts';
import { createProgress } from './progress.ts';

export function deleteCommand(): Command {
  return addClusterOptions(new Command('delete'))
    .description('Delete everything an app applied in an environment, in reverse order (objects marked capstan.dev/prune: disabled are kept)')
    .argument('<app>', 'app name')
    .addOption(envOption())
    .addOption(outputOption())
    .action(async (appName: string, opts: ClusterOptions & { env: string; output: OutputFormat }) => {
      const { engine, close } = await createEngine(opts);
      const progress = createProgress(opts.output === 'table');
      try {
        const result = await engine.delete({ repo: remoteOf(opts), app: appName, env: opts.env, onProgress: progress.onProgress });
        progress.done();
        reportResults([result], opts.output);
      } finally {
        progress.done();
        close();
      }
    });
}
