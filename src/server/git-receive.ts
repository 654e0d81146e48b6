// PLACEHOLDER owned by the git-receive helper: replaced by the real implementation.
import type { IncomingMessage, ServerResponse } from 'node:http';

export interface GitReceiveOptions {
  /** Directory holding the bare repositories served, as `<name>.git`. */
  reposDir: string;
  /** Called after a push updated refs of a repository: `ref` → new commit SHA. */
  onPush(repo: string, updates: { ref: string; before: string; after: string }[]): void;
}

/**
 * Serves git's smart HTTP protocol for `/git/<name>/...` (info/refs, git-upload-pack,
 * git-receive-pack) by running `git http-backend` with an argument array; `path` is the part
 * after `/git/`. Unknown repositories are 404. Hooks of the served repositories never run.
 * Authentication is the caller's job (the server checks the token before calling this).
 */
export async function handleGitRequest(req: IncomingMessage, res: ServerResponse, path: string, options: GitReceiveOptions): Promise<void> {
  void req; void path; void options;
  res.statusCode = 501;
  res.end('git over HTTP is not implemented yet\n');
}
