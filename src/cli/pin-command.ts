import { existsSync } from 'node:fs';
import { Command } from 'commander';
import { ValidationError } from '../core/index.ts';
import { commitChange, planPinSet, type PinPlan } from '../release/index.ts';
import { readGitIdentity } from '../source/index.ts';
import { addRepoOptions, outputOption, type OutputFormat } from './engine-options.ts';
import { printData, shortRevision } from './output.ts';
import { identity, openWriter, type WriteOptions } from './release-options.ts';

interface PinSetOptions extends WriteOptions {
  env?: string;
  app?: string;
  output: OutputFormat;
}

/** `capstan pin set <ns>/<service> <hash>`: CI records the image it built in a pins app, as one commit. */
export function pinCommand(): Command {
  const set = addRepoOptions(new Command('set'))
    .description('Set the image pin of a service in a pins app (<source>/<namespace>/<service>, or <namespace folder>/<service>.deployment, holds the image\'s git hash), as one commit')
    .argument('<namespace/service>', 'the namespace folder and the service, such as team-dev/web')
    .argument('<hash>', 'the git hash the image was built from (7 to 40 hex characters)')
    .option('--env <name>', 'only the pins apps of this environment (when the namespace folder is in several)')
    .option('--app <name>', 'only this pins app')
    .option('--author <person>', 'whose change it is, "Name <email>" (default: your git identity)', identity)
    .addOption(outputOption(['table', 'json']))
    .addHelpText('after', '\nExample:\n  capstan pin set team-dev/web $GIT_SHA --repo https://git.example.com/config.git --author "$GIT_AUTHOR <$GIT_EMAIL>"')
    .action(async (target: string, hash: string, opts: PinSetOptions) => {
      const parts = target.split('/');
      if (parts.length !== 2 || !parts[0] || !parts[1]) throw new ValidationError(`"${target}" is not <namespace>/<service>: write the namespace folder and the service, such as team-dev/web`);
      const [namespace, service] = parts as [string, string];
      const writer = openWriter(opts);
      const author = opts.author ?? (await readGitIdentity(existsSync(writer.dir) ? writer.dir : process.cwd()));
      if (!author) throw new ValidationError('who is pinning? capstan records the person as the commit\'s author: pass --author "Name <email>", or set git config user.name and user.email');
      const outcome = await commitChange<PinPlan>(writer, async ({ dir, project }) => {
        const plan = await planPinSet(dir, project, { namespace, service, hash, ...(opts.env ? { env: opts.env } : {}), ...(opts.app ? { app: opts.app } : {}) });
        if (plan.edit === undefined) return { reason: `${plan.file} already holds ${hash}`, result: plan };
        return {
          change: {
            edits: [plan.edit],
            subject: `pin ${service} in ${namespace} to ${hash.slice(0, 7)}`,
            body: `${plan.file}: ${plan.previous ?? '(no pin)'} -> ${hash}`,
            trailers: {
              'Capstan-Action': 'pin',
              'Capstan-Service': service,
              'Capstan-Namespace': namespace,
              'Capstan-Environment': plan.envs.length === 1 ? plan.envs[0]! : '',
              'Capstan-Previous': plan.previous ?? '',
            },
            author,
          },
          result: plan,
        };
      });
      const plan = outcome.result;
      if (opts.output === 'json') {
        return printData('json', {
          committed: outcome.committed,
          ...(outcome.committed ? { commit: outcome.commit, published: outcome.published } : { reason: outcome.reason }),
          file: plan.file,
          apps: plan.apps,
          envs: plan.envs,
          previous: plan.previous ?? null,
          hash,
        });
      }
      if (!outcome.committed) return console.log(`nothing to do: ${outcome.reason}`);
      console.log(`pinned ${service} in ${namespace} to ${hash} (${plan.file}, was ${plan.previous ?? 'not pinned'}): commit ${shortRevision(outcome.commit)}, ${writer.destination}`);
    });
  return new Command('pin').description('Image pins of the pins layout (one file per service holding the image\'s git hash), for CI').addCommand(set);
}
