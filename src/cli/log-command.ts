import { Command } from 'commander';
import { releaseLog } from '../release/index.ts';
import { GitCache } from '../source/index.ts';
import { addRepoOptions, outputOption, positiveInt, remoteOf, type OutputFormat, type RepoOptions } from './engine-options.ts';
import { age, printData, printTable, shortRevision } from './output.ts';

export function logCommand(): Command {
  return addRepoOptions(new Command('log'))
    .description('The release history, read from git: every release, promote, rollback, auto-release and policy change, newest first, with who and when')
    .option('--service <name>', 'only this service')
    .option('--env <name>', 'only this environment')
    .option('-n, --max-count <n>', 'at most this many entries', positiveInt, 50)
    .addOption(outputOption(['table', 'json']))
    .action(async (opts: RepoOptions & { service?: string; env?: string; maxCount: number; output: OutputFormat }) => {
      const git = new GitCache({ dir: process.env.CAPSTAN_CACHE_DIR });
      // the commits that touch releases/ (release files and policies), read through the cache
      const entries = await git.log(remoteOf(opts), opts.revision ?? 'HEAD', { path: 'releases', maxCount: Math.max(opts.maxCount * 4, 200), fetch: 'always' });
      const log = releaseLog(entries, { service: opts.service, env: opts.env }).slice(0, opts.maxCount);
      if (opts.output === 'json') return printData('json', log);
      if (log.length === 0) return console.log('no releases yet');
      printTable(
        ['commit', 'age', 'who', 'action', 'service', 'env', 'artifact', 'detail'],
        log.map((e) => [
          shortRevision(e.commit),
          age(e.date),
          e.author,
          e.action,
          e.service ?? '-',
          e.env ?? '-',
          e.artifact ?? '-',
          [e.from ? `from ${e.from}` : '', e.previous ? `was ${e.previous}` : '', e.forced ? `forced: ${e.forced}` : ''].filter(Boolean).join('; ') || e.subject,
        ]),
      );
    });
}
