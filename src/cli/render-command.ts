import { Command, InvalidArgumentError, Option } from 'commander';
import { stringify } from 'yaml';
import { maskSecrets } from '../diff/index.ts';
import { writeSnapshot, type RenderedObject } from '../render/index.ts';
import { addRepoOptions, createEngine, envOption, openForReading, type RepoOptions } from './engine-options.ts';

const renderFormats = ['yaml', 'json'] as const;
type RenderFormat = (typeof renderFormats)[number];

/**
 * `-o` takes a format and nothing else: it used to take a directory too, so a typo (`-o yml`)
 * wrote a snapshot, Secret values included, into a folder named after it.
 */
function renderFormat(value: string): RenderFormat {
  if ((renderFormats as readonly string[]).includes(value)) return value as RenderFormat;
  throw new InvalidArgumentError(`"${value}" is not an output format: use ${renderFormats.join(' or ')} (a release snapshot is written with --output-dir <dir>)`);
}

export function renderCommand(): Command {
  return addRepoOptions(new Command('render'))
    .description('Print the manifests an app renders to for an environment, or write them as a release snapshot (no cluster needed)')
    .argument('<app>', 'app name')
    .addOption(envOption())
    .addOption(new Option('-o, --output <format>', 'output format on stdout: yaml or json').argParser(renderFormat).default('yaml'))
    .addOption(new Option('--output-dir <dir>', 'write a release snapshot into this directory instead (one YAML file per object)').conflicts('output'))
    .option('--show-secrets', 'show the values of Secrets, on stdout and in a snapshot (masked by default)')
    .addHelpText('after', '\nExamples:\n  capstan render guestbook --env dev\n  capstan render guestbook --env prod --output-dir release/prod --show-secrets')
    .action(async (appName: string, opts: RepoOptions & { env: string; output: RenderFormat; outputDir?: string; showSecrets?: boolean }) => {
      const { engine, close } = await createEngine();
      try {
        const checkout = await openForReading(engine, opts);
        const { objects } = await engine.render(checkout, appName, opts.env);
        const shown: RenderedObject[] = opts.showSecrets ? objects : objects.map((o) => ({ ...o, manifest: maskSecrets(o.manifest, undefined).desired! }));
        if (opts.outputDir !== undefined) {
          await writeSnapshot(shown, opts.outputDir);
          const masked = shown.some((o, i) => o.manifest !== objects[i]!.manifest);
          const note = masked ? ' (Secret values masked: pass --show-secrets to write them)' : '';
          console.error(`wrote ${objects.length} objects to ${opts.outputDir}${note}`);
          return;
        }
        const manifests = shown.map((o) => o.manifest);
        if (opts.output === 'json') process.stdout.write(`${JSON.stringify({ apiVersion: 'v1', kind: 'List', items: manifests }, null, 2)}\n`);
        else process.stdout.write(manifests.map((m) => stringify(m, { lineWidth: 0, aliasDuplicateObjects: false })).join('---\n'));
      } finally {
        close();
      }
    });
}
