/**
 * source: git access for capstan — remotes and their credentials, a clone cache per remote,
 * revisions resolved to commits, and read-only trees per commit.
 * Git runs as the CLI (no shell), with hooks, filters, global config and unlisted protocols off.
 */
export { GitCache, defaultCacheDir } from './git-cache.ts';
export type { GitCacheOptions, FetchPolicy, RevisionOptions, LogOptions, LogEntry, GitPerson } from './git-cache.ts';
export { parseRemote, DEFAULT_HTTPS_USERNAME } from './remote.ts';
export type { Remote, RemoteKind, ParsedRemote } from './remote.ts';
export { redact } from './redact.ts';
export { runGit } from './git-runner.ts';
export { safeConfig, baseEnvironment } from './git-runner.ts';
export type { RunGitOptions, GitResult } from './git-runner.ts';
