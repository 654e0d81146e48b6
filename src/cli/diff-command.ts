import { Command, Option } from 'commander';
import { formatDiffs } from '../diff/index.ts';
import { addClusterOptions, createEngine, envOption, openForReading, type ClusterOptions } from './engine-options.ts';
import { printData } from './output.ts';

/** Exit status of `capstan diff` when something differs (0: nothing, 1: error). */
export const DIFF_FOUND_EXIT_CODE = 2;

export function diffCommand(): Command {
  return addClusterOptions(new Command('diff'))
    .description("Show what applying would change: the server's dry-run of every object against live, and what would be pruned")
    .argument('<app>', 'app name')
    .addOption(envOption())
    .addOption(new Option('-o, --output <format>', 'output format: diff (unified YAML), json or yaml').choices(['diff', 'json', 'yaml']).default('diff'))
    .option('--no-color', 'no ANSI colours even on a terminal')
    .addHelpText('after', '\nExit status: 0 no difference, 1 error, 2 differences found.\n\nExample:\n  capstan diff guestbook --env prod')
    .action(async (appName: string, opts: ClusterOptions & { env: string; output: string; color: boolean }) => {
      const { engine, close } = await createEngine(opts);
      try {
        const checkout = await openForReading(engine, opts);
        const report = await engine.diff(checkout, appName, opts.env);
        if (opts.output === 'json' || opts.output === 'yaml') printData(opts.output, report);
        else if (report.changed) process.stdout.write(formatDiffs(report.diffs, { color: opts.color && process.stdout.isTTY === true }));
        else console.error(`${appName} in ${opts.env}: no differences`);
        if (report.changed) process.exitCode = DIFF_FOUND_EXIT_CODE;
      } finally {
        close();
      }
    });
}
