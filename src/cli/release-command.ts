import { Command, Option } from 'commander';
import { releaseSummary, type ReleaseOutcome, type ReleaseTarget } from '../release/index.ts';
import { addClusterOptions, outputOption, type ClusterOptions, type OutputFormat } from './engine-options.ts';
import { printData, shortRevision } from './output.ts';
import { actorOf, identity, openReleases, type WriteOptions } from './release-options.ts';

interface ReleaseCommandOptions extends ClusterOptions, WriteOptions {
  env: string;
  artifact?: string;
  branch?: string;
  previous?: boolean;
  force?: boolean;
  reason?: string;
  output: OutputFormat;
}

export function releaseCommand(): Command {
  return addWriteOptions(new Command('release'))
    .description('Release an artifact of a service to an environment as one commit: by id, the newest of a branch, or the one that ran before (--previous, a release-level rollback)')
    .argument('<service>', 'the service')
    .addOption(new Option('--env <name>', 'the environment').makeOptionMandatory())
    .addOption(new Option('--artifact <id>', 'the artifact to release').conflicts(['branch', 'previous']))
    .addOption(new Option('--branch <branch>', 'release the newest artifact of this branch').conflicts(['previous']))
    .option('--previous', 'roll back: release the artifact that ran before the current one')
    .option('--reason <text>', 'why, recorded in the commit message')
    .addOption(outputOption(['table', 'json']))
    .addHelpText('after', '\nExamples:\n  capstan release web --env staging --branch hotfix\n  capstan release web --env prod --artifact 20261207-101500-1a2b3c4\n  capstan release web --env prod --previous')
    .action(async function (this: Command, service: string, opts: ReleaseCommandOptions) {
      const target: ReleaseTarget | undefined = opts.artifact ? { artifact: opts.artifact } : opts.branch ? { branch: opts.branch } : opts.previous ? { previous: true } : undefined;
      if (!target) this.error('error: say what to release: --artifact <id>, --branch <branch> or --previous');
      await runRelease(service, opts, target);
    });
}

export function promoteCommand(): Command {
  return addWriteOptions(new Command('promote'))
    .description('Promote a service: release to an environment the artifact that runs in the environment it promotes from (promotesFrom), as one commit')
    .argument('<service>', 'the service')
    .addOption(new Option('--env <name>', 'the environment to promote into').makeOptionMandatory())
    .option('--force', 'promote even when the promotion gate of the environment it comes from refuses (the commit records it)')
    .option('--reason <text>', 'why, recorded in the commit message')
    .addOption(outputOption(['table', 'json']))
    .addHelpText('after', '\nExamples:\n  capstan promote web --env staging\n  capstan promote web --env prod --reason "sign-off by QA"')
    .action(async (service: string, opts: ReleaseCommandOptions) => {
      const { releases, writer, close } = openReleases(opts);
      try {
        const actor = await actorOf(opts, writer.dir);
        const outcome = await releases.promote({ service, env: opts.env, actor, force: opts.force, reason: opts.reason });
        const { release, layout } = outcome.result;
        if (release) {
          const asRelease: ReleaseOutcome = { ...outcome, result: release };
          if (opts.output === 'json') return printData('json', releaseJson(asRelease));
          return console.log(releaseLine(asRelease, writer.destination));
        }
        if (opts.output === 'json') {
          return printData('json', { committed: outcome.committed, ...(outcome.committed ? { commit: outcome.commit, published: outcome.published } : { reason: outcome.reason }), service, env: opts.env, action: 'promote', from: layout.from, moves: layout.moves });
        }
        if (!outcome.committed) return console.log(`nothing to do: ${outcome.reason}`);
        console.log(`promoted ${service} from ${layout.from} to ${opts.env}: commit ${shortRevision(outcome.commit)}, ${outcome.published === 'pushed' ? 'pushed to' : 'committed in'} ${writer.destination}`);
        for (const move of layout.moves) console.log(`  ${move.app}: ${move.file}: ${move.what} ${move.from} -> ${move.to}`);
      } finally {
        close();
      }
    });
}

export function addWriteOptions(command: Command): Command {
  return addClusterOptions(command).option('--author <person>', 'whose change it is, "Name <email>" (default: your git identity)', identity);
}

async function runRelease(service: string, opts: ReleaseCommandOptions, target: ReleaseTarget): Promise<void> {
  const { releases, writer, close } = openReleases(opts);
  try {
    const actor = await actorOf(opts, writer.dir);
    const outcome = await releases.release({ service, env: opts.env, target, actor, force: opts.force, reason: opts.reason });
    if (opts.output === 'json') return printData('json', releaseJson(outcome));
    console.log(releaseLine(outcome, writer.destination));
  } finally {
    close();
  }
}

export function releaseJson(outcome: ReleaseOutcome): Record<string, unknown> {
  return { ...releaseSummary(outcome), ...(outcome.committed ? { published: outcome.published, attempts: outcome.attempts } : {}) };
}

export function releaseLine(outcome: ReleaseOutcome, destination: string): string {
  const { result } = outcome;
  if (!outcome.committed) return `nothing to do: ${outcome.reason}`;
  const verb = result.action === 'promote' ? `promoted ${result.service} ${result.artifact.id} from ${result.from} to ${result.env}` : result.action === 'rollback' ? `rolled back ${result.service} in ${result.env} to ${result.artifact.id}` : `released ${result.service} ${result.artifact.id} (branch ${result.artifact.branch}) to ${result.env}`;
  const was = result.previous ? ` (was ${result.previous})` : ' (its first release there)';
  const forced = result.forced ? `\n  forced: ${result.forced}` : '';
  const where = outcome.published === 'pushed' ? `pushed to ${destination}` : `committed in ${destination}`;
  return `${verb}${was}: commit ${shortRevision(outcome.commit)}, ${where}${forced}`;
}
