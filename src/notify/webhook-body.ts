import { summarize, type NotificationEvent } from './events.ts';

/**
 * The JSON body posted to a generic webhook (`type: webhook`). Stable: fields are only ever added.
 *
 * ```json
 * { "type": "crash", "time": "2024-05-01T12:00:00.000Z", "summary": "web/prod: container web of pod …",
 *   "app": "web", "env": "prod", "namespace": "web", "pod": "web-7d4b9-x2x1q", "container": "web",
 *   "reason": "CrashLoopBackOff", "restartCount": 3, "logLines": ["…"],
 *   "release": { "service": "web", "artifact": "20240501-abc123", "author": "dev@example.com", "commit": "abc123" } }
 * ```
 *
 * - `type`: the event (`release`, `promote`, `rollback`, `auto-release`, `policy-refused`,
 *   `sync-failed`, `drift`, `crash`, `artifact-step`);
 * - `time`: when it happened (ISO 8601, UTC);
 * - `summary`: one line for people;
 * - then the event's own fields, as `NotificationEvent` (events.ts) declares them, absent ones left out.
 */
export interface WebhookBody {
  type: NotificationEvent['type'];
  time: string;
  summary: string;
  [field: string]: unknown;
}

export function webhookBody(event: NotificationEvent, time: string): WebhookBody {
  const { type, time: _time, ...fields } = event;
  const body: WebhookBody = { type, time, summary: summarize(event) };
  for (const [key, value] of Object.entries(fields)) if (value !== undefined) body[key] = value;
  return body;
}
