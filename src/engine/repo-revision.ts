import { loadProject, type Project } from '../config/index.ts';
import { runGit, type GitCache, type Remote } from '../source/index.ts';

/** A config repo at one revision: where its files are, which commit they are, and its capstan.yaml. */
export interface RepoRevision {
  /** A read-only directory with the files of the commit (or the working tree itself). */
  dir: string;
  /** The full commit SHA, or `<sha>+dirty` / `working-tree` for an uncommitted working tree. */
  commit: string;
  project: Project;
}

/** A revision (branch, tag, commit; default HEAD) of a remote, fetched into the cache and checked out once. */
export async function openRevision(git: GitCache, repo: Remote, revision = 'HEAD'): Promise<RepoRevision> {
  // A branch or HEAD moves: fetch it. A full SHA is fetched only when missing.
  const fetch = /^[0-9a-f]{40}$/.test(revision) ? 'if-missing' : 'always';
  const commit = await git.resolveRevision(repo, revision, { fetch });
  const dir = await git.checkout(repo, commit, { fetch: 'never' });
  return { dir, commit, project: await loadProject(dir) };
}

/**
 * A local folder as it is on disk, uncommitted edits included (for `validate`, `render` and
 * `diff` before committing). `commit` says which commit it is based on, and whether it differs.
 */
export async function openWorkingTree(dir: string): Promise<RepoRevision> {
  const project = await loadProject(dir);
  return { dir, commit: await workingTreeCommit(dir), project };
}

/**
 * Which commit a local folder's working tree is: HEAD's SHA, `<sha>+dirty` when it has
 * uncommitted changes (untracked files included), `working-tree` when it is not a git repository
 * or has no commit yet.
 */
export async function workingTreeCommit(dir: string): Promise<string> {
  try {
    const head = (await runGit(['rev-parse', 'HEAD'], { cwd: dir })).stdout.toString('utf8').trim();
    const dirty = (await runGit(['status', '--porcelain', '--untracked-files=normal'], { cwd: dir })).stdout.toString('utf8').trim() !== '';
    return dirty ? `${head}+dirty` : head;
  } catch {
    return 'working-tree';
  }
}
