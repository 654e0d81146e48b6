import path from 'node:path';
import { Command, Option } from 'commander';
import { readPolicies } from '../config/index.ts';
import { describePolicy, type PolicyInput } from '../release/index.ts';
import { addRepoOptions, isLocalRepo, outputOption, type ClusterOptions, type OutputFormat } from './engine-options.ts';
import { printData, printTable, shortRevision } from './output.ts';
import { addWriteOptions } from './release-command.ts';
import { actorOf, openReleases, openWriter, type WriteOptions } from './release-options.ts';

interface ApplyOptions extends ClusterOptions, WriteOptions {
  service?: string;
  env: string;
  branch?: string;
  branchRegex?: string;
  output: OutputFormat;
}

export function policyCommand(): Command {
  const apply = addWriteOptions(new Command('apply'))
    .description('Add or replace a release policy (one commit): auto-release (a new artifact of a branch goes straight to an environment) or branch-restriction (only matching branches may run in an environment)')
    .argument('<type>', 'auto-release or branch-restriction')
    .option('--service <name>', 'the service it covers (default: every service)')
    .addOption(new Option('--env <name>', 'the environment').makeOptionMandatory())
    .option('--branch <branch>', 'auto-release: the branch whose new artifacts are released')
    .option('--branch-regex <regex>', 'branch-restriction: the branches that may run in the environment, such as ^master$')
    .addOption(outputOption(['table', 'json']))
    .addHelpText('after', "\nExamples:\n  capstan policy apply auto-release --branch master --env dev\n  capstan policy apply branch-restriction --env prod --branch-regex '^master$'")
    .action(async function (this: Command, type: string, opts: ApplyOptions) {
      let input: PolicyInput;
      if (type === 'auto-release') {
        if (!opts.branch) this.error('error: auto-release needs --branch <branch>: the branch whose new artifacts are released');
        input = { type, env: opts.env, branch: opts.branch, ...(opts.service ? { service: opts.service } : {}) };
      } else if (type === 'branch-restriction') {
        if (!opts.branchRegex) this.error("error: branch-restriction needs --branch-regex <regex>: the branches that may run there, such as '^master$'");
        input = { type, env: opts.env, branchRegex: opts.branchRegex, ...(opts.service ? { service: opts.service } : {}) };
      } else {
        this.error(`error: "${type}" is not a policy type: use auto-release or branch-restriction`);
      }
      const { releases, writer, close } = openReleases(opts);
      try {
        const outcome = await releases.applyPolicy(input, await actorOf(opts, writer.dir));
        if (opts.output === 'json') return printData('json', { committed: outcome.committed, ...(outcome.committed ? { commit: outcome.commit } : { reason: outcome.reason }), policy: outcome.result });
        console.log(outcome.committed ? `policy ${outcome.result.id}: ${describePolicy(outcome.result)}: commit ${shortRevision(outcome.commit)}` : `nothing to do: ${outcome.reason}`);
      } finally {
        close();
      }
    });
  const list = addRepoOptions(new Command('list'))
    .description('List the release policies of the config repo')
    .addOption(outputOption(['table', 'json']))
    .action(async (opts: ClusterOptions & { output: OutputFormat }) => {
      // a local checkout is read as it is; a URL through capstan's clone of it
      let dir = path.resolve(opts.repo);
      if (!isLocalRepo(opts.repo)) {
        const writer = openWriter(opts);
        await writer.prepare();
        dir = writer.dir;
      }
      const policies = await readPolicies(dir);
      if (opts.output === 'json') return printData('json', policies);
      if (policies.length === 0) return console.log('no release policies: add one with capstan policy apply');
      printTable(['ID', 'TYPE', 'SERVICE', 'ENV', 'RULE'], policies.map((p) => [p.id, p.type, p.service ?? '*', p.env, p.type === 'auto-release' ? `branch ${p.branch}` : `branch matches /${p.branchRegex}/`]));
    });
  const remove = addWriteOptions(new Command('delete'))
    .description('Delete a release policy by id (one commit)')
    .argument('<id>', 'the policy id (capstan policy list)')
    .action(async (id: string, opts: ClusterOptions & WriteOptions) => {
      const { releases, writer, close } = openReleases(opts);
      try {
        const outcome = await releases.deletePolicy(id, await actorOf(opts, writer.dir));
        console.log(outcome.committed ? `policy ${id} deleted: commit ${shortRevision(outcome.commit)}` : `nothing to do: ${outcome.reason}`);
      } finally {
        close();
      }
    });
  return new Command('policy').description('Release policies: auto-release and branch restriction, stored in the config repo').addCommand(apply).addCommand(list).addCommand(remove);
}
