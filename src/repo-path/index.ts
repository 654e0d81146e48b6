/**
 * repo-path: paths inside the config repo. Checked as text (a path written in capstan.yaml: relative,
 * no `..` leaving the root, no URL) and resolved on disk (every symlink followed hop by hop and kept
 * inside the repository; directories listed). The one owner of these rules: config checks the paths
 * it loads with it, render reads files through it, source names files of a commit with it.
 */
export { checkRepoPath, checkRelativeFile, joinInsideRepo, normalizeRepoPath } from './repo-path.ts';
export type { RepoPathCheck } from './repo-path.ts';
export { resolveInRepo, listFiles } from './resolve-in-repo.ts';
export type { ListFilesOptions } from './resolve-in-repo.ts';
