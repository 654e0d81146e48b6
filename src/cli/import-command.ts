import { readFile } from 'node:fs/promises';
import { Command } from 'commander';
import { ValidationError } from '../core/index.ts';
import { importManifests, readManifests, type ImportFrom, type Manifest } from '../import/index.ts';

interface ImportCommandOptions {
  repo: string;
}

const readsWhat: Record<ImportFrom, string> = {
  argocd: 'Argo CD Applications and ApplicationSets (list, git directories and matrix generators)',
  flux: 'Flux Kustomizations and HelmReleases (and the GitRepositories and HelmRepositories they name)',
};

/** `capstan import argocd|flux <files…>`: prints the capstan.yaml that means what those manifests meant. */
export function importCommand(): Command {
  const command = new Command('import').description('Print the capstan.yaml equivalent of Argo CD or Flux manifests, with a comment for every setting that has no equivalent');
  for (const from of ['argocd', 'flux'] as const) {
    const sub = new Command(from)
      .description(`Read ${readsWhat[from]} from YAML files and print capstan.yaml; other kinds are skipped with a warning. Nothing is fetched`)
      .argument('<files...>', 'YAML files, each of one or more documents');
    if (from === 'argocd') sub.option('--repo <dir>', 'the local checkout of the config repo, where git directories generators list folders', '.');
    sub.action(async (files: string[], opts: Partial<ImportCommandOptions>) => {
      const manifests: Manifest[] = [];
      for (const file of files) {
        let text: string;
        try {
          text = await readFile(file, 'utf8');
        } catch (error) {
          throw new ValidationError(`cannot read ${file}: ${(error as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (error as Error).message}`, { cause: error });
        }
        manifests.push(...readManifests(file, text));
      }
      const result = importManifests(from, manifests, { repoDir: opts.repo ?? '.' });
      for (const warning of result.warnings) console.error(`warning: ${warning}`);
      process.stdout.write(result.text);
    });
    command.addCommand(sub);
  }
  return command;
}
