/**
 * The message posted to a Slack-compatible incoming webhook (`type: slack`), as Slack documents it:
 * `text` (the fallback shown in notifications, and the whole message for clients without blocks)
 * and `blocks` (Block Kit: a header, the summary, the facts as fields, log lines in a code block,
 * and a context line). Slack's limits are kept: a header's text at most 150 characters, a
 * section's text 3,000, a field's 2,000, at most 10 fields and 50 blocks; `text` stays under the
 * 4,000 characters Slack asks messages to keep to. `&`, `<` and `>` are escaped everywhere, so
 * nothing in an event can mention a channel or forge a link.
 */
import { crashVerb, summarize, type NotificationEvent } from './events.ts';

export interface SlackText {
  type: 'plain_text' | 'mrkdwn';
  text: string;
}

export type SlackBlock =
  | { type: 'header'; text: SlackText & { type: 'plain_text' } }
  | { type: 'section'; text: SlackText; fields?: undefined }
  | { type: 'section'; fields: SlackText[]; text?: undefined }
  | { type: 'context'; elements: SlackText[] }
  | { type: 'divider' };

export interface SlackMessage {
  text: string;
  blocks: SlackBlock[];
}

export const slackLimits = { header: 150, section: 3000, field: 2000, fields: 10, blocks: 50, text: 3000 } as const;
/** Longest log line kept in a message; longer ones are cut. */
const maxLogLine = 500;
/** Objects listed by name in a drift message. */
const maxObjects = 20;

export function slackMessage(event: NotificationEvent, time: string): SlackMessage {
  const blocks: SlackBlock[] = [{ type: 'header', text: { type: 'plain_text', text: cut(titleOf(event), slackLimits.header) } }];
  blocks.push(section(escape(summarize(event))));
  const facts = factsOf(event).filter((f): f is [string, string] => f[1] !== undefined && f[1] !== '');
  if (facts.length > 0) blocks.push({ type: 'section', fields: facts.slice(0, slackLimits.fields).map(([label, value]) => ({ type: 'mrkdwn', text: cut(`*${label}*\n${escape(value)}`, slackLimits.field) })) });
  for (const extra of detailsOf(event)) blocks.push(extra);
  blocks.push({ type: 'context', elements: [{ type: 'mrkdwn', text: `capstan · ${escape(event.type)} · ${escape(time)}` }] });
  return { text: cut(escape(summarize(event)), slackLimits.text), blocks: blocks.slice(0, slackLimits.blocks) };
}

function titleOf(event: NotificationEvent): string {
  switch (event.type) {
    case 'release':
      return `Released: ${event.service} ${event.artifact} to ${event.env}`;
    case 'auto-release':
      return `Auto-released: ${event.service} ${event.artifact} to ${event.env}`;
    case 'promote':
      return `Promoted: ${event.service} ${event.artifact} to ${event.env}`;
    case 'rollback':
      return `Rolled back: ${event.service} in ${event.env}`;
    case 'policy-refused':
      return `Refused: ${event.service} ${event.artifact} to ${event.env}`;
    case 'sync-failed':
      return `Sync failed: ${event.app} in ${event.env}`;
    case 'drift':
      return `Drift: ${event.app} in ${event.env}`;
    case 'crash':
      return `Crash: ${event.container} of ${event.app} in ${event.env}`;
    case 'artifact-step':
      return `${event.step} ${event.status}: ${event.service} ${event.artifact}`;
  }
}

/** The facts shown as fields, label then value (absent values are left out). */
function factsOf(event: NotificationEvent): Array<[string, string | undefined]> {
  switch (event.type) {
    case 'release':
    case 'auto-release':
    case 'promote':
    case 'rollback':
      return [
        ['Service', event.service],
        ['Environment', event.fromEnv ? `${event.fromEnv} → ${event.env}` : event.env],
        ['Artifact', event.artifact],
        ['Previous artifact', event.previousArtifact],
        ['Branch', event.branch],
        ['Commit', event.commit?.slice(0, 12)],
        ['Author', event.author],
        ['Released by', event.releasedBy],
        ['Reason', event.reason],
        ['Gate', event.forced ? 'overridden (--force)' : undefined],
      ];
    case 'policy-refused':
      return [
        ['Service', event.service],
        ['Environment', event.env],
        ['Artifact', event.artifact],
        ['Policy', event.policy],
        ['Asked by', event.who],
      ];
    case 'sync-failed':
      return [
        ['App', event.app],
        ['Environment', event.env],
        ['Revision', event.revision.slice(0, 12)],
      ];
    case 'drift':
      return [
        ['App', event.app],
        ['Environment', event.env],
        ['Objects', String(event.objects.length)],
        ['Self-heal', event.selfHeal === undefined ? undefined : event.selfHeal ? 'yes: reverting' : 'no: reported only'],
      ];
    case 'crash':
      return [
        ['App', event.app],
        ['Environment', event.env],
        ['Pod', `${event.namespace}/${event.pod}`],
        ['Container', event.container],
        ['Reason', event.reason],
        ['Restarts', String(event.restartCount)],
        ['Artifact', event.release?.artifact],
        ['Author', event.release?.author],
        ['Commit', event.release?.commit?.slice(0, 12)],
        ['Released by', event.release?.releasedBy],
      ];
    case 'artifact-step':
      return [
        ['Service', event.service],
        ['Artifact', event.artifact],
        ['Step', event.step],
        ['Status', event.status],
        ['Log', event.url],
      ];
  }
}

/** Blocks beyond the facts: log lines, error messages, object lists. */
function detailsOf(event: NotificationEvent): SlackBlock[] {
  switch (event.type) {
    case 'crash': {
      const out: SlackBlock[] = [];
      if (event.message) out.push(section(`*${escape(crashVerb(event.reason))}:* ${escape(event.message)}`));
      out.push(event.logLines.length > 0 ? section(codeBlock(`Last ${event.logLines.length} log lines:`, event.logLines)) : section('_No log lines: the container wrote none, or has not started._'));
      return out;
    }
    case 'sync-failed':
      return [section(codeBlock('Error:', event.message.split('\n')))];
    case 'policy-refused':
      return [section(escape(event.message))];
    case 'drift': {
      const listed = event.objects.slice(0, maxObjects).map((o) => `• ${escape(o)}`);
      if (event.objects.length > maxObjects) listed.push(`_and ${event.objects.length - maxObjects} more_`);
      return listed.length > 0 ? [section(listed.join('\n'))] : [];
    }
    default:
      return [];
  }
}

function section(text: string): SlackBlock {
  return { type: 'section', text: { type: 'mrkdwn', text: cut(text, slackLimits.section) } };
}

/**
 * `label` and the lines in a code block that fits one section: the newest lines are kept (the
 * oldest dropped, and said so), each cut to `maxLogLine` characters; nothing in a line can end the
 * block early.
 */
export function codeBlock(label: string, lines: readonly string[]): string {
  const safe = lines.map((l) => escape(cut(l, maxLogLine)).replace(/```/g, '`\u200b``'));
  const frame = (kept: string[], dropped: number): string => `${label}${dropped > 0 ? ` (${dropped} earlier line${dropped === 1 ? '' : 's'} left out)` : ''}\n\`\`\`\n${kept.join('\n')}\n\`\`\``;
  let start = 0;
  while (start < safe.length - 1 && frame(safe.slice(start), start).length > slackLimits.section) start++;
  return cut(frame(safe.slice(start), start), slackLimits.section);
}

/** Slack's three control characters, escaped as Slack asks. */
export function escape(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/** At most `max` characters (code points), ending in `…` when cut. */
function cut(text: string, max: number): string {
  const chars = [...text];
  return chars.length <= max ? text : `${chars.slice(0, max - 1).join('')}…`;
}
