import { loadProject, type Project } from '../config/index.ts';
import { parseRemote, readBranchHead, readWorkingTree, type GitCache, type Remote } from '../source/index.ts';

/** A config repo at one revision: where its files are, which commit they are, and its capstan.yaml. */
export interface RepoRevision {
  /** A read-only directory with the files of the commit (or the working tree itself). */
  dir: string;
  /** The full commit SHA, or `<sha>+dirty` / `working-tree` for an uncommitted working tree. */
  commit: string;
  project: Project;
  /** The files are a working tree as it is on disk (not a commit's checkout), even when `commit` names its clean HEAD. */
  workingTree?: boolean;
}

/** A revision (branch, tag, commit; default HEAD) of a remote, fetched into the cache and checked out once. */
export async function openRevision(git: GitCache, repo: Remote, revision = 'HEAD'): Promise<RepoRevision> {
  // A branch or HEAD moves: fetch it. A full SHA is fetched only when missing, and so is the HEAD
  // of a local folder, which is read in the folder itself (re-applying a commit fetches nothing).
  const local = revision === 'HEAD' ? await localHead(repo) : undefined;
  const fetch = local !== undefined || /^[0-9a-f]{40}$/.test(revision) ? 'if-missing' : 'always';
  const commit = await git.resolveRevision(repo, local ?? revision, { fetch });
  const dir = await git.checkout(repo, commit, { fetch: 'never' });
  return { dir, commit, project: await loadProject(dir) };
}

/**
 * The commit a local folder's HEAD is on, when HEAD is a branch (what the cache follows for it:
 * the branch HEAD names); undefined for a remote URL, a detached HEAD or anything git refuses, and
 * the cache then resolves HEAD itself, with its own messages.
 */
async function localHead(repo: Remote): Promise<string | undefined> {
  return parseRemote(repo).kind === 'local' ? readBranchHead(repo.url) : undefined;
}

/**
 * A local folder as it is on disk, uncommitted edits included (for `validate`, `render` and
 * `diff` before committing). `commit` says which commit it is based on, and whether it differs.
 */
export async function openWorkingTree(dir: string): Promise<RepoRevision> {
  const project = await loadProject(dir);
  return { dir, commit: await workingTreeCommit(dir), project, workingTree: true };
}

/**
 * Which commit a local folder's working tree is: HEAD's SHA, `<sha>+dirty` when it has
 * uncommitted changes (untracked files included), `working-tree` when it is not a git repository
 * or has no commit yet.
 */
export async function workingTreeCommit(dir: string): Promise<string> {
  const status = await readWorkingTree(dir);
  if (status?.head === undefined) return 'working-tree';
  return status.dirty ? `${status.head}+dirty` : status.head;
}
