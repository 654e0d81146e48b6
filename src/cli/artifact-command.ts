import path from 'node:path';
import { Command, Option } from 'commander';
import { checkStepStatus } from '../release/index.ts';
import { outputOption, type ClusterOptions, type OutputFormat } from './engine-options.ts';
import { printData, shortRevision } from './output.ts';
import { addWriteOptions, releaseJson, releaseLine } from './release-command.ts';
import { actorOf, openReleases, type WriteOptions } from './release-options.ts';

interface PushOptions extends ClusterOptions, WriteOptions {
  service: string;
  branch: string;
  id?: string;
  commit?: string;
  message?: string;
  url?: string;
  output: OutputFormat;
}

interface StepOptions extends ClusterOptions, WriteOptions {
  service: string;
  artifact: string;
  name: string;
  status: string;
  url?: string;
  output: OutputFormat;
}

export function artifactCommand(): Command {
  const push = addWriteOptions(new Command('push'))
    .description('Publish an artifact: a service\'s manifests (one folder per environment, or one set for every environment) and artifact.json, as one commit; auto-release policies then release it')
    .argument('<dir>', 'the folder of manifests CI built')
    .addOption(new Option('--service <name>', 'the service').makeOptionMandatory())
    .addOption(new Option('--branch <branch>', 'the branch it was built from').makeOptionMandatory())
    .option('--id <id>', 'the artifact id (default: the time and the commit); ids never change once pushed')
    .option('--commit <sha>', 'the commit it was built from')
    .option('--message <text>', 'the commit message it was built from')
    .option('--url <url>', 'a link to the CI build')
    .addOption(outputOption(['table', 'json']))
    .addHelpText('after', '\nExample:\n  capstan artifact push build/manifests --service web --branch master --commit $GIT_SHA --author "$GIT_AUTHOR <$GIT_EMAIL>" --url $CI_JOB_URL')
    .action(async (dir: string, opts: PushOptions) => {
      const { releases, writer, close } = openReleases(opts);
      try {
        const actor = await actorOf(opts, writer.dir);
        const result = await releases.pushArtifact(
          {
            dir: path.resolve(dir),
            service: opts.service,
            branch: opts.branch,
            ...(opts.id ? { id: opts.id } : {}),
            ...(opts.commit ? { commit: opts.commit } : {}),
            ...(opts.author ? { author: `${opts.author.name} <${opts.author.email}>` } : {}),
            ...(opts.message ? { message: opts.message } : {}),
            ...(opts.url ? { url: opts.url } : {}),
          },
          actor,
        );
        if (opts.output === 'json') {
          return printData('json', {
            artifact: result.artifact,
            commit: result.commit ?? null,
            autoReleases: result.autoReleases.map((r) => ({ env: r.env, ...(r.outcome ? releaseJson(r.outcome) : {}), ...(r.refused ? { refused: r.refused } : {}) })),
          });
        }
        const a = result.artifact;
        console.log(result.commit ? `pushed artifact ${a.service} ${a.id} (branch ${a.branch}): commit ${shortRevision(result.commit)}, ${writer.destination}` : `artifact ${a.service} ${a.id} is already published with these manifests: nothing to commit`);
        for (const r of result.autoReleases) console.log(r.outcome ? `  auto-release: ${releaseLine(r.outcome, writer.destination)}` : `  auto-release to ${r.env} refused: ${r.refused}`);
      } finally {
        close();
      }
    });
  const step = addWriteOptions(new Command('step'))
    .description('Record the outcome of a CI step (tests, scans…) in an artifact\'s artifact.json, as one commit')
    .addOption(new Option('--service <name>', 'the service').makeOptionMandatory())
    .addOption(new Option('--artifact <id>', 'the artifact').makeOptionMandatory())
    .addOption(new Option('--name <step>', 'the step, such as test').makeOptionMandatory())
    .addOption(new Option('--status <status>', 'success, failure, running or skipped').makeOptionMandatory())
    .option('--url <url>', 'a link to the step\'s log')
    .addOption(outputOption(['table', 'json']))
    .action(async (opts: StepOptions) => {
      const status = checkStepStatus(opts.status);
      const { releases, writer, close } = openReleases(opts);
      try {
        const actor = await actorOf(opts, writer.dir);
        const outcome = await releases.recordStep({ service: opts.service, artifact: opts.artifact, name: opts.name, status, ...(opts.url ? { url: opts.url } : {}) }, actor);
        if (opts.output === 'json') return printData('json', { committed: outcome.committed, ...(outcome.committed ? { commit: outcome.commit } : { reason: outcome.reason }), artifact: outcome.result });
        console.log(outcome.committed ? `recorded step ${opts.name} ${status} on ${opts.service} ${opts.artifact}: commit ${shortRevision(outcome.commit)}` : `nothing to do: ${outcome.reason}`);
      } finally {
        close();
      }
    });
  return new Command('artifact').description('Publish artifacts (a service\'s manifests and metadata) and record their CI steps').addCommand(push).addCommand(step);
}
