/**
 * release: environments, artifacts, release / promote / rollback and policies as git commits on
 * the config repo (through source's RepoWriter), read back for status and the release log.
 */
export { GateRefusal, Releases, releaseSummary, type Actor, type LayoutPromoteResult, type PromoteOutcome, type PromoteResult, type ArtifactPushResult, type GateCheck, type ReleaseOutcome, type ReleaseRequest, type ReleaseResult, type ReleasesOptions, type ReleaseTarget } from './releases.ts';
export { readArtifactFiles, newArtifactId, checkStepStatus, type ArtifactInput, type ArtifactFiles } from './artifacts.ts';
export { PolicyRefusal, describePolicy, autoReleaseTargets, checkBranchRestrictions, type PolicyInput } from './policies.ts';
export { commitChange, formatMessage, parseTrailers, writeEdits, type ChangeContext, type ChangeOutcome, type CommitChangeOptions, type Made, type RepoChange, type RepoEdit } from './repo-change.ts';
export { readServiceStatus, releaseLog, runningRelease, type RunningRelease, type EnvironmentRelease, type ReleaseLogEntry, type ReleaseLogFilter, type ServiceStatus } from './status.ts';
export { planLayoutPromotion, type LayoutMove, type LayoutPromotion } from './layout-promotion.ts';
export { planPinSet, type PinPlan, type PinRequest } from './pins-layout.ts';
