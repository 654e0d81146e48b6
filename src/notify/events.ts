/**
 * What capstan notifies about: one typed event per `NotificationEventType`. Release management
 * sends the release events, the agent sync failures, drift and crashes. Every field is plain data
 * meant for people and scripts; none ever holds a secret value (crash log lines are masked first).
 */
import type { NotificationEventType } from '../core/index.ts';

/** The release running in an app's environment: what a crash report ties the crash to. */
export interface ReleaseInfo {
  service: string;
  /** The artifact id. */
  artifact: string;
  branch?: string;
  /** The commit of the service's source the artifact was built from. */
  commit?: string;
  /** Who wrote that commit (the artifact's author). */
  author?: string;
  /** Who released the artifact to the environment. */
  releasedBy?: string;
}

interface EventBase {
  /** ISO 8601; the notifier stamps the time `notify` was called when omitted. */
  time?: string;
}

/** An artifact moved into an environment: released, promoted, rolled back, or released by an auto-release policy. */
export interface ReleaseEvent extends EventBase {
  type: 'release' | 'promote' | 'rollback' | 'auto-release';
  service: string;
  env: string;
  artifact: string;
  branch?: string;
  commit?: string;
  /** The artifact's author. */
  author?: string;
  /** Who released it (a token's name or a git identity; the policy for an auto-release). */
  releasedBy?: string;
  /** `promote`: the environment the artifact came from. */
  fromEnv?: string;
  /** Why, as the release commit says it. */
  reason?: string;
  /** A promotion gate was overridden (`--force`). */
  forced?: boolean;
  /** The artifact that ran in the environment before. */
  previousArtifact?: string;
  /** The config repo commit that recorded the release. */
  revision?: string;
}

/** A release refused by a policy (branch restriction, promotion gate). */
export interface PolicyRefusedEvent extends EventBase {
  type: 'policy-refused';
  service: string;
  env: string;
  artifact: string;
  /** The policy's id or kind. */
  policy: string;
  message: string;
  /** Who asked for the release. */
  who?: string;
}

/** An app's sync failed (sent once per streak of failures, not per retry). */
export interface SyncFailedEvent extends EventBase {
  type: 'sync-failed';
  app: string;
  env: string;
  revision: string;
  /** The first lines of the error. */
  message: string;
}

/** Objects of an app differ from git, changed in the cluster behind capstan's back. */
export interface DriftEvent extends EventBase {
  type: 'drift';
  app: string;
  env: string;
  /** `Kind/namespace/name`. */
  objects: string[];
  /** Whether the agent reverts it (selfHeal). */
  selfHeal?: boolean;
}

/** Why a container is reported as crashed. */
export type CrashReason = 'CrashLoopBackOff' | 'CreateContainerConfigError' | 'ImagePullBackOff' | 'ErrImagePull' | 'OOMKilled';
export const crashReasons: readonly CrashReason[] = ['CrashLoopBackOff', 'CreateContainerConfigError', 'ImagePullBackOff', 'ErrImagePull', 'OOMKilled'];

/** A container of an app crashed (once per app, pod template, container and reason, not per restart or replica). */
export interface CrashEvent extends EventBase {
  type: 'crash';
  app: string;
  env: string;
  namespace: string;
  pod: string;
  container: string;
  reason: CrashReason;
  restartCount: number;
  exitCode?: number;
  /** What the kubelet says about it (the waiting or termination message). */
  message?: string;
  /** The container's last log lines (of the run that crashed when there is one), Secret values masked. */
  logLines: string[];
  /** The release running in the environment, when the app is released by capstan. */
  release?: ReleaseInfo;
}

/** A CI step of an artifact finished (`capstan artifact step`). */
export interface ArtifactStepEvent extends EventBase {
  type: 'artifact-step';
  service: string;
  artifact: string;
  step: string;
  status: 'success' | 'failure' | 'running' | 'skipped';
  /** A link to the step's log. */
  url?: string;
}

export type NotificationEvent = ReleaseEvent | PolicyRefusedEvent | SyncFailedEvent | DriftEvent | CrashEvent | ArtifactStepEvent;

// compile-time check: the union covers exactly the event types a target may ask for
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
const covered: Same<NotificationEvent['type'], NotificationEventType> = true;
void covered;

/** The service (or app) an event concerns, which `services:` filters on; a crash matches its app and its release's service. */
export function servicesOf(event: NotificationEvent): string[] {
  switch (event.type) {
    case 'sync-failed':
    case 'drift':
      return [event.app];
    case 'crash':
      return event.release && event.release.service !== event.app ? [event.app, event.release.service] : [event.app];
    default:
      return [event.service];
  }
}

/** One line saying what happened, for people: Slack's fallback text, the JSON body's `summary`, logs. */
export function summarize(event: NotificationEvent): string {
  switch (event.type) {
    case 'release':
      return `${event.service}: artifact ${event.artifact} released to ${event.env}${by(event.releasedBy)}`;
    case 'auto-release':
      return `${event.service}: artifact ${event.artifact}${event.branch ? ` of ${event.branch}` : ''} auto-released to ${event.env}`;
    case 'promote':
      return `${event.service}: artifact ${event.artifact} promoted ${event.fromEnv ? `from ${event.fromEnv} ` : ''}to ${event.env}${by(event.releasedBy)}${event.forced ? ' (gate overridden)' : ''}`;
    case 'rollback':
      return `${event.service}: ${event.env} rolled back to artifact ${event.artifact}${by(event.releasedBy)}`;
    case 'policy-refused':
      return `${event.service}: release of ${event.artifact} to ${event.env} refused by policy ${event.policy}: ${firstLine(event.message)}`;
    case 'sync-failed':
      return `${event.app}/${event.env}: sync to ${event.revision.slice(0, 12)} failed: ${firstLine(event.message)}`;
    case 'drift':
      return `${event.app}/${event.env}: drift in ${event.objects.length === 1 ? event.objects[0] : `${event.objects.length} objects`}${event.selfHeal ? ' (self-healing)' : ''}`;
    case 'crash': {
      const release = event.release ? ` (artifact ${event.release.artifact}${event.release.author ? ` by ${event.release.author}` : ''})` : '';
      return `${event.app}/${event.env}: container ${event.container} of pod ${event.namespace}/${event.pod} ${crashVerb(event.reason)}${release}`;
    }
    case 'artifact-step':
      return `${event.service}: step ${event.step} of artifact ${event.artifact}: ${event.status}`;
  }
}

function by(who: string | undefined): string {
  return who ? ` by ${who}` : '';
}

function firstLine(text: string): string {
  return text.split('\n', 1)[0];
}

/** `is crash-looping`, `was OOMKilled`, … */
export function crashVerb(reason: CrashReason): string {
  switch (reason) {
    case 'CrashLoopBackOff':
      return 'is crash-looping (CrashLoopBackOff)';
    case 'OOMKilled':
      return 'was killed for using too much memory (OOMKilled)';
    case 'CreateContainerConfigError':
      return 'cannot start: its configuration is invalid (CreateContainerConfigError)';
    case 'ImagePullBackOff':
    case 'ErrImagePull':
      return `cannot pull its image (${reason})`;
  }
}
