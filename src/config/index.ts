/**
 * The config module: the schema of `capstan.yaml`, its loading and validation, and the resolved
 * settings of each app in each environment. Imports only core (and `yaml`).
 */
export type {
  AppEnvironment,
  AppEnvironmentOverride,
  AppSpec,
  AppType,
  ClusterResource,
  ConfigIssue,
  Environment,
  HelmSpec,
  ImageOverride,
  Project,
  RetryOptions,
  Scope,
  SyncOptions,
  ConflictPolicy,
  SyncPolicy,
  SyncWindow,
  SyncWindowKind,
} from './types.ts';
export type { NotificationEventType, NotificationTarget, NotificationTargetType, UrlSource } from '../core/index.ts';
export { appTypes, defaultSyncOptions, defaultSyncPolicy, lintRuleNames, projectApiVersion, projectKind } from './types.ts';
export type { LintRuleName, LintSettings } from './types.ts';
export { ConfigValidationError, formatIssue } from './config-issue.ts';
export { YamlReader, type Slot } from './yaml-reader.ts';
export { checkProject, parseProject } from './parse-project.ts';
export { loadProject, projectFileName } from './load-project.ts';
export { generatorDirectories, type GeneratorDirectories } from './app-generators.ts';
export { appsInEnvironment, folderNamespace, isDeployedTo, resolveApp } from './resolve-app.ts';
export { promotionOrder } from './promotion-order.ts';
export { selectEnvironments } from './select-environments.ts';
export { starterFiles, starterProject } from './starter-project.ts';
export { formatDuration, parseDuration } from './duration.ts';
export {
  createdNamespaces,
  defaultClusterResources,
  formatClusterResource,
  isSystemNamespace,
  mayWriteKind,
  mayWriteTo,
  namespaceMatches,
  projectAccess,
  scopeProblems,
  writeScope,
  type ProjectAccess,
  type WriteScope,
  type WriteScopeOptions,
} from './scope.ts';
export type { PromotionGate } from './types.ts';
export type { PatchTarget, PostRender, RenderPatch, SubstituteFrom } from './types.ts';
export {
  artifactDir,
  artifactFile,
  artifactFileName,
  artifactManifests,
  artifactsDir,
  isArtifactId,
  isServiceName,
  listArtifacts,
  listServices,
  parseArtifact,
  parsePolicies,
  parseReleaseRecord,
  policiesFile,
  policyId,
  policyTypes,
  readArtifact,
  readPolicies,
  readRelease,
  releaseActions,
  releaseFile,
  releaseHistoryLimit,
  releasesDir,
  serializeArtifact,
  serializeReleaseRecord,
  stepStatuses,
  type Artifact,
  type ArtifactStep,
  type AutoReleasePolicy,
  type BranchRestrictionPolicy,
  type Policy,
  type PolicyType,
  type ReleaseAction,
  type ReleaseEntry,
  type ReleaseRecord,
  type StepStatus,
} from './release-files.ts';
