import assert from 'node:assert/strict';
import { PassThrough } from 'node:stream';
import { test } from 'node:test';
import { confirm } from './confirm.ts';

async function ask(input: string | undefined): Promise<{ answer: boolean; asked: string }> {
  const streams = { input: new PassThrough(), output: new PassThrough() };
  let asked = '';
  streams.output.setEncoding('utf8').on('data', (chunk: string) => (asked += chunk));
  const answer = confirm('Delete 5 objects of app "web" in environment "dev"?', streams);
  if (input === undefined) streams.input.end();
  else streams.input.write(input);
  return { answer: await answer, asked };
}

test('confirm asks once and takes only y or yes (any case) for a yes', async () => {
  for (const input of ['y\n', 'Y\n', 'yes\n', ' YES \n']) assert.deepEqual(await ask(input), { answer: true, asked: 'Delete 5 objects of app "web" in environment "dev"? [y/N] ' }, input);
  for (const input of ['\n', 'n\n', 'no\n', 'yep\n', undefined]) assert.equal((await ask(input)).answer, false, String(input));
});
