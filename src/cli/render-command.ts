import { Command } from 'commander';
import { stringify } from 'yaml';
import { maskSecrets } from '../diff/index.ts';
import { writeSnapshot } from '../render/index.ts';
import { addRepoOptions, createEngine, envOption, openForReading, type RepoOptions } from './engine-options.ts';

export function renderCommand(): Command {
  return addRepoOptions(new Command('render'))
    .description('Print the manifests an app renders to for an environment (no cluster needed)')
    .argument('<app>', 'app name')
    .addOption(envOption())
    .option('-o, --output <yaml|json|dir>', 'yaml or json on stdout, or a directory to write a release snapshot into (one file per object)', 'yaml')
    .option('--out-dir <dir>', 'write a release snapshot into this directory (same as -o <dir>)')
    .option('--show-secrets', 'print the values of Secrets (masked by default; snapshots always hold them, in files only you can read)')
    .addHelpText('after', '\nExamples:\n  capstan render guestbook --env dev\n  capstan render guestbook --env prod -o release/prod')
    .action(async (appName: string, opts: RepoOptions & { env: string; output: string; outDir?: string; showSecrets?: boolean }) => {
      const { engine, close } = await createEngine();
      try {
        const checkout = await openForReading(engine, opts);
        const { objects } = await engine.render(checkout, appName, opts.env);
        const outDir = opts.outDir ?? (opts.output === 'yaml' || opts.output === 'json' ? undefined : opts.output);
        if (outDir) {
          await writeSnapshot(objects, outDir);
          console.error(`wrote ${objects.length} objects to ${outDir}`);
          return;
        }
        const manifests = objects.map((o) => (opts.showSecrets ? o.manifest : maskSecrets(o.manifest, undefined).desired!));
        if (opts.output === 'json') process.stdout.write(`${JSON.stringify({ apiVersion: 'v1', kind: 'List', items: manifests }, null, 2)}\n`);
        else process.stdout.write(manifests.map((m) => stringify(m, { lineWidth: 0, aliasDuplicateObjects: false })).join('---\n'));
      } finally {
        close();
      }
    });
}
