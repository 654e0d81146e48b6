import { Command } from 'commander';
import { addClusterOptions, createEngine, openForReading, outputOption, type ClusterOptions, type OutputFormat } from './engine-options.ts';
import { age, printData, printTable, shortRevision } from './output.ts';

export function statusCommand(): Command {
  return addClusterOptions(new Command('status'))
    .description('Show every app in every environment: revision applied, Synced or OutOfSync, health, last result')
    .option('--env <name...>', 'only these environments')
    .addOption(outputOption())
    .action(async (opts: ClusterOptions & { env?: string[]; output: OutputFormat }) => {
      const { engine, close } = await createEngine(opts);
      try {
        const checkout = await openForReading(engine, opts);
        const statuses = await engine.status(checkout, opts.env);
        if (opts.output !== 'table') return printData(opts.output, statuses);
        printTable(
          ['app', 'env', 'revision', 'sync', 'health', 'last result', 'age', 'message'],
          statuses.map((s) => [
            s.app,
            s.env,
            shortRevision(s.revision) || '-',
            s.orphaned ? 'Orphaned' : s.sync,
            s.health,
            s.lastResult ? `${s.lastResult.operation} ${s.lastResult.result}` : '-',
            age(s.lastResult?.time) || '-',
            (s.error ?? s.healthMessage ?? '').split('\n')[0]!,
          ]),
        );
      } finally {
        close();
      }
    });
}
