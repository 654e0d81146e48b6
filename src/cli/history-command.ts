import { Command } from 'commander';
import { addClusterOptions, createEngine, envOption, openForReading, outputOption, type ClusterOptions, type OutputFormat } from './engine-options.ts';
import { age, printData, printTable, shortRevision } from './output.ts';

export function historyCommand(): Command {
  return addClusterOptions(new Command('history'))
    .description('List the recent syncs of an app in an environment (recorded in the cluster)')
    .argument('<app>', 'app name')
    .addOption(envOption())
    .addOption(outputOption())
    .action(async (appName: string, opts: ClusterOptions & { env: string; output: OutputFormat }) => {
      const { engine, close } = await createEngine(opts);
      try {
        const checkout = await openForReading(engine, opts);
        const inventory = await engine.history(checkout, appName, opts.env);
        if (opts.output !== 'table') return printData(opts.output, inventory.history);
        if (inventory.history.length === 0) return console.error(`${appName} has not been synced to ${opts.env} yet`);
        printTable(
          ['id', 'operation', 'revision', 'result', 'age', 'who', 'changes'],
          [...inventory.history].reverse().map((h) => [
            String(h.id),
            h.operation + (h.rollbackOf ? ` (to ${h.rollbackOf})` : ''),
            shortRevision(h.revision),
            h.result,
            age(h.time),
            h.who,
            Object.entries(h.changes).filter(([, n]) => n > 0).map(([a, n]) => `${n} ${a}`).join(', ') || 'none',
          ]),
        );
      } finally {
        close();
      }
    });
}
