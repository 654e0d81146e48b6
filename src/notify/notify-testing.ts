// Helpers for notify's tests and the agent's: a local webhook that records what it is sent and
// answers as told, a logger that keeps every line, and a check of Slack's documented message shape.
import assert from 'node:assert/strict';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { NotifyLogger } from './logger.ts';

export interface Received {
  path: string;
  headers: IncomingMessage['headers'];
  body: unknown;
}

/** What the webhook answers a request with: a status (and headers), or `hang` (never answer). */
export type Answer = { status: number; headers?: Record<string, string> } | 'hang';

export interface TestWebhook {
  /** The URL, with a secret-looking path as real webhooks have. */
  url: string;
  /** The token part of the URL, which must never appear in a log or an error. */
  token: string;
  received: Received[];
  /** Requests whose answer is held back (`hang`). */
  hanging: number;
  /** Answers for the next requests, in order; 200 once they run out. */
  answers: Answer[];
  /** Resolves once `count` requests have arrived (condition, not time). */
  waitFor(count: number): Promise<void>;
  close(): Promise<void>;
}

export async function startWebhook(answers: Answer[] = []): Promise<TestWebhook> {
  const token = `T0KEN${Math.random().toString(36).slice(2, 10)}SECRET`;
  const held: ServerResponse[] = [];
  const waiters: Array<{ count: number; resolve: () => void }> = [];
  const hook: TestWebhook = {
    url: '',
    token,
    received: [],
    hanging: 0,
    answers,
    waitFor(count) {
      if (hook.received.length >= count) return Promise.resolve();
      return new Promise((resolve) => waiters.push({ count, resolve }));
    },
    async close() {
      for (const res of held) res.destroy();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const text = Buffer.concat(chunks).toString('utf8');
      let body: unknown = text;
      try {
        body = JSON.parse(text);
      } catch {
        // kept as text
      }
      const answer = hook.answers.shift() ?? { status: 200 };
      if (answer === 'hang') {
        hook.hanging++;
        held.push(res);
      } else {
        res.writeHead(answer.status, { 'content-type': 'text/plain', ...answer.headers });
        res.end(answer.status < 300 ? 'ok' : 'no');
      }
      hook.received.push({ path: req.url ?? '', headers: req.headers, body });
      for (const w of [...waiters]) {
        if (hook.received.length >= w.count) {
          waiters.splice(waiters.indexOf(w), 1);
          w.resolve();
        }
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  hook.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/services/${token}`;
  return hook;
}

/** A logger keeping every line (bindings and message) as JSON text, to search for what must never be logged. */
export function recordingLogger(): NotifyLogger & { lines: string[] } {
  const lines: string[] = [];
  const make = (bound: Record<string, unknown>): NotifyLogger => {
    const write = (level: string) => (bindings: Record<string, unknown>, message?: string) => lines.push(JSON.stringify({ level, ...bound, ...bindings, msg: message }));
    return { info: write('info'), warn: write('warn'), error: write('error'), child: (b) => make({ ...bound, ...b }) };
  };
  return Object.assign(make({}), { lines });
}

const textTypes = ['plain_text', 'mrkdwn'];

function checkText(value: unknown, where: string, max: number, types = textTypes): void {
  assert.ok(value && typeof value === 'object', `${where} is a text object`);
  const { type, text, ...rest } = value as { type: unknown; text: unknown };
  assert.ok(types.includes(type as string), `${where}.type is one of ${types.join(', ')}, got ${String(type)}`);
  assert.equal(typeof text, 'string', `${where}.text is a string`);
  assert.ok((text as string).length > 0 && [...(text as string)].length <= max, `${where}.text has 1 to ${max} characters, got ${(text as string).length}`);
  for (const key of Object.keys(rest)) assert.ok(['emoji', 'verbatim'].includes(key), `${where} has no field ${key}`);
}

/**
 * Checks a message against Slack's documented incoming-webhook shape: `text` (a string, the
 * fallback) and optional `blocks` of Block Kit (header: plain_text of at most 150 characters;
 * section: text of at most 3,000 and/or at most 10 fields of at most 2,000; context: at most 10
 * text elements; divider), at most 50 blocks; no other top-level field than Slack's own.
 */
export function assertSlackShape(message: unknown): void {
  assert.ok(message && typeof message === 'object' && !Array.isArray(message), 'the message is a JSON object');
  const known = ['text', 'blocks', 'attachments', 'thread_ts', 'mrkdwn', 'username', 'icon_emoji', 'icon_url', 'channel', 'unfurl_links', 'unfurl_media'];
  for (const key of Object.keys(message)) assert.ok(known.includes(key), `top-level field ${key} is one Slack documents`);
  const { text, blocks } = message as { text: unknown; blocks?: unknown };
  assert.equal(typeof text, 'string', 'text is a string');
  assert.ok((text as string).length > 0 && (text as string).length <= 4000, 'text has 1 to 4,000 characters');
  if (blocks === undefined) return;
  assert.ok(Array.isArray(blocks) && blocks.length >= 1 && blocks.length <= 50, 'blocks is a list of 1 to 50 blocks');
  blocks.forEach((block: Record<string, unknown>, i: number) => {
    const where = `blocks[${i}]`;
    switch (block.type) {
      case 'header':
        checkText(block.text, `${where}.text`, 150, ['plain_text']);
        break;
      case 'section': {
        assert.ok(block.text !== undefined || block.fields !== undefined, `${where} has text or fields`);
        if (block.text !== undefined) checkText(block.text, `${where}.text`, 3000);
        if (block.fields !== undefined) {
          assert.ok(Array.isArray(block.fields) && block.fields.length >= 1 && block.fields.length <= 10, `${where}.fields holds 1 to 10 items`);
          (block.fields as unknown[]).forEach((f, j) => checkText(f, `${where}.fields[${j}]`, 2000));
        }
        break;
      }
      case 'context':
        assert.ok(Array.isArray(block.elements) && block.elements.length >= 1 && block.elements.length <= 10, `${where}.elements holds 1 to 10 items`);
        (block.elements as unknown[]).forEach((e, j) => checkText(e, `${where}.elements[${j}]`, 3000));
        break;
      case 'divider':
        break;
      default:
        assert.fail(`${where}.type ${String(block.type)} is not a block this check knows`);
    }
  });
}
