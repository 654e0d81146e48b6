import assert from 'node:assert/strict';
import { test } from 'node:test';
import { checkProject, formatIssue, parseProject } from './index.ts';

const header = 'apiVersion: capstan.dev/v1alpha1\nkind: Project\nenvironments:\n  - name: dev\n';
const messages = (text: string): string[] => checkProject(text).map(formatIssue);

test('notifications: targets read with their URL source, events (default every event) and services', () => {
  const project = parseProject(
    `${header}notifications:
  - name: team-slack
    type: slack
    url: { secret: capstan-system/slack-hook, key: url }
    events: [crash, sync-failed]
    services: [web]
  - name: audit
    type: webhook
    url: { file: /etc/capstan/audit-url }
  - name: other-key
    type: webhook
    url: { secret: ops/hooks }
`,
  );
  assert.deepEqual(project.notifications, [
    { name: 'team-slack', type: 'slack', url: { secret: { namespace: 'capstan-system', name: 'slack-hook', key: 'url' } }, events: ['crash', 'sync-failed'], services: ['web'] },
    {
      name: 'audit',
      type: 'webhook',
      url: { file: '/etc/capstan/audit-url' },
      events: ['release', 'promote', 'rollback', 'auto-release', 'policy-refused', 'sync-failed', 'drift', 'crash', 'artifact-step'],
    },
    { name: 'other-key', type: 'webhook', url: { secret: { namespace: 'ops', name: 'hooks', key: 'url' } }, events: project.notifications[1].events },
  ]);
  assert.deepEqual(parseProject(header).notifications, [], 'no notifications: section, no targets');
});

test('notifications: a literal URL is refused at its line, saying why and what to write, without repeating the URL', () => {
  const token = 'T000/B000/XXXXSECRETXXXX';
  const found = messages(`${header}notifications:\n  - name: team-slack\n    type: slack\n    url: https://hooks.slack.com/services/${token}\n`);
  assert.deepEqual(found, [
    "capstan.yaml:8:10: notifications[0].url: a URL written in capstan.yaml is refused: a webhook URL holds the token that lets anyone post to it, and everyone who can read the config repo would have it; write url: { secret: <namespace>/<name>, key: url } (a Secret in the cluster) or url: { file: /etc/capstan/<name>-url } (a file on the agent's host)",
  ]);
  assert.ok(!found[0].includes(token) && !found[0].includes('hooks.slack.com'), 'the URL is never repeated');
  const asValue = messages(`${header}notifications:\n  - name: team-slack\n    type: slack\n    url: { value: "https://hooks.slack.com/services/${token}" }\n`);
  assert.equal(asValue.length, 1);
  assert.match(asValue[0], /^capstan\.yaml:8:12: notifications\[0\]\.url\.value: unknown field: a URL written in capstan\.yaml is refused \(it holds a token\)/);
  assert.ok(!asValue[0].includes(token));
});

test('notifications: every mistake at its line, with did-you-mean hints', () => {
  const text = `${header}notifications:
  - name: Team_Slack
    type: slak
    url: { secret: slack-hook }
    events: [crashes, drift, drift]
  - name: audit
    type: webhook
    url: { file: etc/capstan/url, key: url }
    servics: [web]
  - name: audit
    type: webhook
    webhook: x
  - name: empty
    type: webhook
    url: { secret: ops/hook, key: "a b" }
    events: []
`;
  assert.deepEqual(messages(text), [
    'capstan.yaml:6:11: notifications[0].name: must be a DNS label (at most 63 lowercase letters, digits and "-", starting and ending with a letter or digit), got "Team_Slack": try "team-slack"',
    'capstan.yaml:7:11: notifications[0].type: must be "slack" or "webhook", got "slak"; did you mean "slack"?',
    'capstan.yaml:8:20: notifications[0].url.secret: must name a Secret as <namespace>/<name>, such as capstan-system/slack-hook, got "slack-hook"',
    'capstan.yaml:9:14: notifications[0].events[0]: must be one of "release", "promote", "rollback", "auto-release", "policy-refused", "sync-failed", "drift", "crash" or "artifact-step", got "crashes"; did you mean "crash"?',
    'capstan.yaml:9:30: notifications[0].events[2]: "drift" is already listed at line 9: remove one',
    'capstan.yaml:12:40: notifications[1].url.key: is the key of a Secret: remove it, or read the URL from a Secret (secret: <namespace>/<name>) instead of a file',
    'capstan.yaml:12:18: notifications[1].url.file: must be an absolute path on the host the agent runs on (it is read there, not from the config repo), got "etc/capstan/url"',
    'capstan.yaml:13:5: notifications[1].servics: unknown field; did you mean "services"?',
    'capstan.yaml:14:11: notifications[2].name: notification target "audit" is already declared at line 10: notification target names must be unique',
    "capstan.yaml:14:5: notifications[2].url: is required: where the webhook's URL is read from: write url: { secret: <namespace>/<name>, key: url } (a Secret in the cluster) or url: { file: /etc/capstan/<name>-url } (a file on the agent's host)",
    'capstan.yaml:16:5: notifications[2].webhook: unknown field; did you mean "url"?',
    'capstan.yaml:19:35: notifications[3].url.key: must be a Secret key (letters, digits, "-", "_" and "."), got "a b"',
    'capstan.yaml:20:13: notifications[3].events: lists no event: remove events to be told about every event, or list some',
  ].sort(byPosition));
});

test('notifications: a top-level field misspelt is pointed at notifications', () => {
  assert.deepEqual(messages(`${header}notification: []\n`), ['capstan.yaml:5:1: notification: unknown field; did you mean "notifications"?']);
});

/** The order issues are reported in: by line, then column. */
function byPosition(a: string, b: string): number {
  const at = (s: string): number[] => s.split(':').slice(1, 3).map(Number);
  const [la, ca] = at(a);
  const [lb, cb] = at(b);
  return la - lb || ca - cb;
}
