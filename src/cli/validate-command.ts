import { Command } from 'commander';
import { ValidationError } from '../core/index.ts';
import { appsInEnvironment, selectEnvironments } from '../config/index.ts';
import { builtinSchemaRelease, type UncheckedObject } from '../render/index.ts';
import { addRepoOptions, createEngine, openForReading, type RepoOptions } from './engine-options.ts';

export function validateCommand(): Command {
  return addRepoOptions(new Command('validate'))
    .description(
      `Check the config repo without a cluster: capstan.yaml (health and ignore rules included), and the render of every app in every environment, each object checked against its schema (the ${builtinSchemaRelease} schemas, or the CRD in the same render)`,
    )
    .option('--env <name...>', 'only these environments')
    .action(async (opts: RepoOptions & { env?: string[] }) => {
      const { engine, close } = await createEngine();
      try {
        const checkout = await openForReading(engine, opts);
        const problems: string[] = [];
        let renders = 0;
        let objects = 0;
        let checked = 0;
        const unchecked: UncheckedObject[] = [];
        for (const env of selectEnvironments(checkout.project, opts.env)) {
          for (const app of appsInEnvironment(checkout.project, env.name)) {
            try {
              const result = await engine.render(checkout, app.name, env.name);
              renders += 1;
              objects += result.objects.length;
              checked += result.schemas?.checked ?? 0;
              unchecked.push(...(result.schemas?.unchecked ?? []));
            } catch (error) {
              problems.push(`app "${app.name}" in environment "${env.name}": ${(error as Error).message}`);
            }
          }
        }
        if (problems.length > 0) throw new ValidationError(`${problems.length} problem${problems.length === 1 ? '' : 's'} in the config repo:\n${problems.map((p) => `  - ${p.replaceAll('\n', '\n    ')}`).join('\n')}`);
        console.log(`capstan.yaml is valid: ${checkout.project.apps.length} apps, ${checkout.project.environments.length} environments; ${renders} renders, ${objects} objects`);
        console.log(`${count(checked, 'object')} checked against ${builtinSchemaRelease}'s schemas or the CRD in the same render`);
        for (const line of describeUnchecked(unchecked)) console.log(line);
      } finally {
        close();
      }
    });
}

/**
 * One line per reason an object was not checked offline:
 * `1 custom resource (argoproj.io/Rollout) not checked offline: its CRD is not in the render; apply checks it`.
 */
function describeUnchecked(unchecked: readonly UncheckedObject[]): string[] {
  const groups = new Map<string, UncheckedObject[]>();
  for (const object of unchecked) {
    const id = `${object.reason}|${object.detail}`;
    groups.set(id, [...(groups.get(id) ?? []), object]);
  }
  return [...groups.values()].map((objects) => {
    const { reason, detail } = objects[0]!;
    const many = objects.length !== 1;
    const kinds = [...new Set(objects.map((o) => (reason === 'no-crd' ? `${o.apiVersion.slice(0, o.apiVersion.indexOf('/'))}/${o.kind}` : `${o.apiVersion} ${o.kind}`)))].join(', ');
    const what = reason === 'no-crd' ? count(objects.length, 'custom resource') : count(objects.length, 'object');
    const because = reason === 'no-crd' && many ? detail.replace(/^its CRD is/, 'their CRDs are') : detail;
    return `${what} (${kinds}) not checked offline: ${because}; apply checks ${many ? 'them' : 'it'}`;
  });
}

function count(n: number, noun: string): string {
  return `${n} ${noun}${n === 1 ? '' : 's'}`;
}
