import { Command } from 'commander';
import { ValidationError } from '../core/index.ts';
import { appsInEnvironment, selectEnvironments } from '../config/index.ts';
import { addRepoOptions, createEngine, openForReading, type RepoOptions } from './engine-options.ts';

export function validateCommand(): Command {
  return addRepoOptions(new Command('validate'))
    .description('Check the config repo without a cluster: capstan.yaml, and the render of every app in every environment')
    .option('--env <name...>', 'only these environments')
    .action(async (opts: RepoOptions & { env?: string[] }) => {
      const { engine, close } = await createEngine();
      try {
        const checkout = await openForReading(engine, opts);
        const problems: string[] = [];
        let renders = 0;
        let objects = 0;
        for (const env of selectEnvironments(checkout.project, opts.env)) {
          for (const app of appsInEnvironment(checkout.project, env.name)) {
            try {
              const result = await engine.render(checkout, app.name, env.name);
              renders += 1;
              objects += result.objects.length;
            } catch (error) {
              problems.push(`app "${app.name}" in environment "${env.name}": ${(error as Error).message}`);
            }
          }
        }
        if (problems.length > 0) throw new ValidationError(`${problems.length} problem${problems.length === 1 ? '' : 's'} in the config repo:\n${problems.map((p) => `  - ${p.replaceAll('\n', '\n    ')}`).join('\n')}`);
        console.log(`capstan.yaml is valid: ${checkout.project.apps.length} apps, ${checkout.project.environments.length} environments; ${renders} renders, ${objects} objects`);
      } finally {
        close();
      }
    });
}
