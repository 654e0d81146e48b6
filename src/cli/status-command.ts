import { Command } from 'commander';
import { addClusterOptions, createEngine, openForReading, outputOption, type ClusterOptions, type OutputFormat } from './engine-options.ts';
import { age, printData, printTable, shortRevision } from './output.ts';
import { ValidationError } from '../core/index.ts';
import type { Engine, RepoRevision } from '../engine/index.ts';
import { readServiceStatus } from '../release/index.ts';

export function statusCommand(): Command {
  return addClusterOptions(new Command('status'))
    .description('Show every app in every environment: revision applied, Synced or OutOfSync, health, last result; or, given a service, which artifact runs where')
    .argument('[service]', 'a service of release management: per environment its artifact, branch, commit, author, release, sync and health')
    .option('--env <name...>', 'only these environments')
    .addOption(outputOption())
    .action(async (service: string | undefined, opts: ClusterOptions & { env?: string[]; output: OutputFormat }) => {
      const { engine, close } = await createEngine(opts);
      try {
        const checkout = await openForReading(engine, opts);
        if (service !== undefined) return await printServiceStatus(engine, checkout, service, opts);
        const statuses = await engine.status(checkout, opts.env);
        if (opts.output !== 'table') return printData(opts.output, statuses);
        printTable(
          ['app', 'env', 'revision', 'sync', 'health', 'last result', 'age', 'message'],
          statuses.map((s) => [
            s.app,
            s.env,
            shortRevision(s.revision) || '-',
            s.orphaned ? 'Orphaned' : s.notReleased ? 'NotReleased' : s.sync,
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

async function printServiceStatus(engine: Engine, checkout: RepoRevision, service: string, opts: { env?: string[]; output: OutputFormat }): Promise<void> {
  const status = await readServiceStatus(checkout.dir, checkout.project, service);
  const envs = status.environments.filter((e) => !opts.env || opts.env.includes(e.env));
  if (status.artifacts.length === 0 && envs.every((e) => !e.release)) {
    throw new ValidationError(`service "${service}" has no artifacts and no releases in the config repo: push one with capstan artifact push --service ${service} --branch <b> <dir>`);
  }
  const rows = await Promise.all(
    envs.map(async (e) => {
      const live = await Promise.all(e.apps.map((app) => engine.appStatusOf(checkout, app, e.env)));
      return { ...e, live: live.map((l) => ({ app: l.app, sync: l.notReleased ? 'NotReleased' : l.sync, health: l.health, ...(l.error ? { error: l.error } : {}) })) };
    }),
  );
  if (opts.output !== 'table') return printData(opts.output, { service, environments: rows, artifacts: status.artifacts, policies: status.policies });
  printTable(
    ['env', 'artifact', 'branch', 'commit', 'author', 'released', 'by', 'sync', 'health'],
    rows.map((r) => [
      r.env,
      r.release?.artifact ?? 'not released',
      r.artifact?.branch ?? '-',
      r.artifact?.commit ? shortRevision(r.artifact.commit) : '-',
      r.artifact?.author ?? '-',
      r.release ? `${r.release.action} ${age(r.release.releasedAt)} ago${r.release.from ? ` from ${r.release.from}` : ''}` : '-',
      r.release?.releasedBy ?? '-',
      r.live.map((l) => l.sync).join(',') || '-',
      r.live.map((l) => l.health).join(',') || '-',
    ]),
  );
  const newest = status.artifacts.slice(0, 5);
  if (newest.length > 0) console.log(`\nnewest artifacts: ${newest.map((a) => `${a.id} (${a.branch}, ${age(a.builtAt)} ago)`).join(', ')}`);
}
