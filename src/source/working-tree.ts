import { runGit } from './git-runner.ts';

/** A local folder's working tree as git sees it. */
export interface WorkingTreeStatus {
  /** The commit HEAD is on; undefined before the first commit. */
  head?: string;
  /** Whether the files differ from HEAD: edits, staged changes or untracked files. */
  dirty: boolean;
}

const COMMIT = /^[0-9a-f]{40,64}$/;

/**
 * The commit a working tree's HEAD is on and whether it has uncommitted changes (untracked files
 * included); undefined when `dir` is not a git working tree or git refuses it.
 */
export async function readWorkingTree(dir: string): Promise<WorkingTreeStatus | undefined> {
  try {
    // one git process for both: `# branch.oid <sha>` (or `(initial)` before the first commit),
    // then a line per change; headers start with #
    const lines = (await runGit(['status', '--porcelain=v2', '--branch', '--untracked-files=normal'], { cwd: dir })).stdout.toString('utf8').split('\n');
    const oid = lines.find((line) => line.startsWith('# branch.oid '))?.slice('# branch.oid '.length).trim();
    const dirty = lines.some((line) => line !== '' && !line.startsWith('#'));
    return { head: oid && COMMIT.test(oid) ? oid : undefined, dirty };
  } catch {
    return undefined;
  }
}

/**
 * The commit of a working tree's HEAD when HEAD is a branch; undefined when HEAD is detached, has
 * no commit yet, or `dir` is not a git repository (or git refuses it).
 */
export async function readBranchHead(dir: string): Promise<string | undefined> {
  // one git process for both: the commit, then the ref HEAD names ("HEAD" itself when detached)
  const result = await runGit(['rev-parse', 'HEAD^{commit}', '--symbolic-full-name', 'HEAD'], { cwd: dir, check: false, operation: 'rev-parse' }).catch(() => undefined);
  if (result?.exitCode !== 0) return undefined;
  const [sha, ref] = result.stdout.toString('utf8').trim().split('\n');
  return ref?.startsWith('refs/heads/') && sha && /^[0-9a-f]{40}$/.test(sha) ? sha : undefined;
}
