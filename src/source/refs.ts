import { runGit } from './git-runner.ts';

/** Every ref of a repository (`--git-dir`) and the object it holds: `refs/heads/main` → SHA. */
export async function listRefs(gitDir: string): Promise<Map<string, string>> {
  const { stdout } = await runGit(['for-each-ref', '--format=%(objectname) %(refname)'], { gitDir, operation: 'for-each-ref' });
  const refs = new Map<string, string>();
  for (const line of stdout.toString('utf8').split('\n')) {
    const space = line.indexOf(' ');
    if (space > 0) refs.set(line.slice(space + 1), line.slice(0, space));
  }
  return refs;
}
