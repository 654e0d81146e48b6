import { Command } from 'commander';
import { ValidationError } from '../core/index.ts';
import { appsInEnvironment, selectEnvironments } from '../config/index.ts';
import { builtinSchemaRelease, type SopsKeys, type UncheckedObject } from '../render/index.ts';
import { addRepoOptions, createEngine, openForReading, type RepoOptions } from './engine-options.ts';

export function validateCommand(): Command {
  return addRepoOptions(new Command('validate'))
    .description(
      `Check the config repo without a cluster: capstan.yaml (health and ignore rules included), and the render of every app in every environment, each object checked against its schema (the ${builtinSchemaRelease} schemas, or the CRD in the same render)`,
    )
    .option('--env <name...>', 'only these environments')
    .addHelpText(
      'after',
      '\nSOPS files are decrypted with the age key of $SOPS_AGE_KEY_FILE or $SOPS_AGE_KEY. Without either, validate checks what it\ncan without a key (SOPS metadata, a MAC, every encrypted value well-formed) and the objects with empty values in place\nof the encrypted ones, and names the files whose values it did not check.',
    )
    .action(async (opts: RepoOptions & { env?: string[] }) => {
      const withoutKeys = keylessSops();
      const { engine, close } = await createEngine({ sopsKeys: withoutKeys });
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
              problems.push(problemOf(app.name, env.name, error as Error));
            }
          }
        }
        if (problems.length > 0) throw new ValidationError(`${problems.length} problem${problems.length === 1 ? '' : 's'} in the config repo:\n${problems.map((p) => `  - ${p.replaceAll('\n', '\n    ')}`).join('\n')}`);
        console.log(`capstan.yaml is valid: ${checkout.project.apps.length} apps, ${checkout.project.environments.length} environments; ${renders} renders, ${objects} objects`);
        console.log(`${count(checked, 'object')} checked against ${builtinSchemaRelease}'s schemas or the CRD in the same render`);
        for (const line of describeUnchecked(unchecked)) console.log(line);
        const notDecrypted = [...(withoutKeys?.structureOnly ?? [])].sort();
        if (notDecrypted.length > 0) {
          console.log(
            `${count(notDecrypted.length, 'SOPS file')} checked without ${notDecrypted.length === 1 ? 'its' : 'their'} values, as no age key is configured (set SOPS_AGE_KEY_FILE or SOPS_AGE_KEY to check them too): ${notDecrypted.join(', ')}`,
          );
        }
      } finally {
        close();
      }
    });
}

/**
 * Without an age key in the environment, SOPS files are checked as far as they can be without one
 * (see `readSopsStructure`) instead of failing validate; with one, they are decrypted as by every command.
 */
export function keylessSops(env: NodeJS.ProcessEnv = process.env): SopsKeys | undefined {
  if (env.SOPS_AGE_KEY?.trim() || env.SOPS_AGE_KEY_FILE) return undefined;
  return { identities: [], sources: [], structureOnly: new Set() };
}

/**
 * A render failure as a problem of the list, led by the app and environment: the renderer's own
 * message when it names them already (`app web (environment dev): source …`), so they are not
 * said twice.
 */
function problemOf(app: string, env: string, error: Error): string {
  if (error.message.includes(`app ${app} (environment ${env}`)) return error.message;
  return `app "${app}" in environment "${env}": ${error.message}`;
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
