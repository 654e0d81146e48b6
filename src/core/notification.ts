/**
 * Where notifications go, as declared in capstan.yaml (`notifications:`). Types only: config reads
 * and validates the targets when capstan.yaml loads; notify delivers to them.
 */

/** `slack`: a Slack-compatible incoming webhook; `webhook`: a generic JSON webhook. */
export type NotificationTargetType = 'slack' | 'webhook';
export const notificationTargetTypes: readonly NotificationTargetType[] = ['slack', 'webhook'];

/** What a notification is about. */
export type NotificationEventType = 'release' | 'promote' | 'rollback' | 'auto-release' | 'policy-refused' | 'sync-failed' | 'drift' | 'crash' | 'artifact-step';
export const notificationEventTypes: readonly NotificationEventType[] = ['release', 'promote', 'rollback', 'auto-release', 'policy-refused', 'sync-failed', 'drift', 'crash', 'artifact-step'];

/**
 * Where a webhook's URL is read from. Never the repo: the URL holds the token that lets anyone
 * post, so it is a credential. Read when the notifier starts, and again after a failed delivery.
 */
export type UrlSource =
  /** A key of a Secret in the cluster, read through the kube client. */
  | { secret: { namespace: string; name: string; key: string } }
  /** A file on the host the notifying process runs on (an absolute path). */
  | { file: string };

export interface NotificationTarget {
  /** DNS label, unique in the project: how logs and errors name the target (never by its URL). */
  name: string;
  type: NotificationTargetType;
  url: UrlSource;
  /** The events sent; every event type when capstan.yaml lists none. */
  events: NotificationEventType[];
  /** Only events of these services (or apps); undefined: every service. */
  services?: string[];
}

/** How a URL source reads in messages: `Secret capstan-system/slack-hook key url`, `file /etc/capstan/url`. */
export function describeUrlSource(source: UrlSource): string {
  return 'secret' in source ? `Secret ${source.secret.namespace}/${source.secret.name} key ${source.secret.key}` : `file ${source.file}`;
}
