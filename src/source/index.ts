/**
 * source: git access for capstan, and the only module that runs git — remotes and their
 * credentials, a clone cache per remote, revisions resolved to commits, read-only trees per commit;
 * a local working tree's HEAD and status; a repository's refs; the server side of git's smart HTTP
 * (http-backend: upload-pack and receive-pack); making, cloning and configuring a local repository.
 * It offers these verbs, never a raw git runner. Git runs as the CLI (no shell), with hooks,
 * filters, global config and unlisted protocols off.
 */
export { GitCache, defaultCacheDir } from './git-cache.ts';
export type { GitCacheOptions, FetchPolicy, RevisionOptions, LogOptions, LogEntry, GitPerson, CommitSummary } from './git-cache.ts';
export { parseRemote, DEFAULT_HTTPS_USERNAME } from './remote.ts';
export type { Remote, RemoteKind, ParsedRemote } from './remote.ts';
export { redact } from './redact.ts';
export { readWorkingTree, readBranchHead } from './working-tree.ts';
export type { WorkingTreeStatus } from './working-tree.ts';
export { listRefs } from './refs.ts';
export { startHttpBackend } from './http-backend.ts';
export type { HttpBackendOptions, HttpBackendRequest, ReceivePolicy } from './http-backend.ts';
export { commitDirectory, cloneRepository, setIdentity, setRemote, removeRemote, trackRemoteBranch, setHttpAuthorization } from './local-repository.ts';
export type { GitIdentity, CommitDirectoryOptions, CloneOptions } from './local-repository.ts';
export { CheckoutWriter, CloneWriter, readGitIdentity } from './repo-writer.ts';
export type { RepoWriter, PublishOutcome, CloneWriterOptions, CheckoutWriterOptions } from './repo-writer.ts';
