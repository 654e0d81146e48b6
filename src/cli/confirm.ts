import { createInterface } from 'node:readline';

export interface ConfirmStreams {
  input: NodeJS.ReadableStream;
  /** Where the question is asked (stderr: stdout keeps the command's output). */
  output: NodeJS.WritableStream;
}

/**
 * Asks a yes/no question and resolves true only for `y` or `yes` (any case); anything else, an
 * empty line or the end of the input is a no.
 */
export function confirm(question: string, streams: ConfirmStreams = { input: process.stdin, output: process.stderr }): Promise<boolean> {
  return new Promise((resolve) => {
    const rl = createInterface({ input: streams.input, output: streams.output, terminal: false });
    let answered = false;
    rl.once('line', (line) => {
      answered = true;
      rl.close();
      resolve(/^\s*y(es)?\s*$/i.test(line));
    });
    rl.once('close', () => {
      if (!answered) resolve(false);
    });
    streams.output.write(`${question} [y/N] `);
  });
}
