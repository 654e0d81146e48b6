/**
 * A chart repository's username and password, read from where capstan.yaml says (a file on the host,
 * a Secret in capstan's namespace), never from the repo. The values never enter an error or a log
 * line: messages say where they were read from and what is missing.
 */
import { readFile } from 'node:fs/promises';
import { NotFoundError, ValidationError } from '../../core/index.ts';
import type { ChartCredentials, ChartFetchOptions } from './index.ts';

export interface BasicCredentials {
  username: string;
  password: string;
}

/** How a credentials source reads in messages: `credentials file /etc/…`, `credentials Secret charts`. */
export function describeCredentials(source: ChartCredentials): string {
  return 'file' in source ? `credentials file ${source.file}` : `credentials Secret ${source.secret} (in capstan's namespace)`;
}

export async function readCredentials(source: ChartCredentials, options: ChartFetchOptions): Promise<BasicCredentials> {
  const where = describeCredentials(source);
  let fields: Record<string, unknown>;
  if ('file' in source) {
    let text: string;
    try {
      text = await readFile(source.file, 'utf8');
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      throw new NotFoundError(`cannot be read${code ? ` (${code})` : ''}: write {"username": "…", "password": "…"} there`, { subject: where });
    }
    try {
      const parsed: unknown = JSON.parse(text);
      if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) throw new Error('not an object');
      fields = parsed as Record<string, unknown>;
    } catch {
      // the parser's message may quote the content: not repeated
      throw new ValidationError('is not a JSON object such as {"username": "…", "password": "…"}', { subject: where });
    }
  } else {
    if (!options.readSecret) throw new ValidationError('cannot be read: there is no cluster to read Secrets from (use credentials: { file } when running without one)', { subject: where });
    let secret: Record<string, string> | undefined;
    try {
      secret = await options.readSecret(source.secret);
    } catch (error) {
      throw new NotFoundError(`cannot be read: ${(error as Error).message.split('\n', 1)[0]}`, { subject: where });
    }
    if (secret === undefined) throw new NotFoundError('cannot be read: the Secret does not exist', { subject: where });
    fields = secret;
  }
  const missing = ['username', 'password'].filter((key) => typeof fields[key] !== 'string' || fields[key] === '');
  if (missing.length > 0) throw new ValidationError(`has no ${missing.join(' or ')}: it needs the keys username and password`, { subject: where });
  return { username: fields.username as string, password: fields.password as string };
}

export function basicAuthorization(credentials: BasicCredentials): string {
  return `Basic ${Buffer.from(`${credentials.username}:${credentials.password}`).toString('base64')}`;
}
