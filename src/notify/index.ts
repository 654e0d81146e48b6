/**
 * notify: what capstan tells people and the cluster about — Slack-compatible and generic JSON
 * webhooks (`createNotifier`), Kubernetes Events (`KubeEventRecorder`), and crash reports with
 * their last log lines (`containerCrashes`, `readCrashLog`, `maskSecretValues`). Imports only core
 * and kube. Webhook URLs are credentials: read from Secrets or files, never logged.
 */
export {
  crashReasons,
  crashVerb,
  servicesOf,
  summarize,
  type ArtifactStepEvent,
  type CrashEvent,
  type CrashReason,
  type DriftEvent,
  type NotificationEvent,
  type PolicyRefusedEvent,
  type ReleaseEvent,
  type ReleaseInfo,
  type SyncFailedEvent,
} from './events.ts';
export { createNotifier, disabledNotifier, wants, type Notifier, type NotifierOptions, type NotifierRetry } from './notifier.ts';
export { slackMessage, slackLimits, type SlackBlock, type SlackMessage, type SlackText } from './slack-message.ts';
export { webhookBody, type WebhookBody } from './webhook-body.ts';
export { readUrl, type UrlSourceOptions } from './url-source.ts';
export { judge, parseRetryAfter, type DeliveryOutcome } from './deliver.ts';
export { KubeEventRecorder, countsText, eventReasons, type CrashInput, type EventSubject, type KubeEventInput, type KubeEventRecorderOptions, type SyncResultInput } from './kube-events.ts';
export { containerCrashes, maskSecretValues, readCrashLog, secretMask, type ContainerCrash, type CrashLogOptions, type CrashReport } from './crash-report.ts';
export { silentNotifyLogger, type NotifyLogger } from './logger.ts';
export type { NotificationEventType, NotificationTarget, NotificationTargetType, UrlSource } from '../core/index.ts';
