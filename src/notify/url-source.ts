/**
 * Reading a webhook's URL from where capstan.yaml says it is (a Secret's key, a file). The URL is
 * a credential: it never enters an error, a log line or anything returned besides the URL itself.
 */
import { readFile } from 'node:fs/promises';
import { describeUrlSource, NotFoundError, ValidationError, type Manifest, type UrlSource } from '../core/index.ts';
import type { KubeClient } from '../kube/index.ts';

export interface UrlSourceOptions {
  /** Reads the Secrets that `url: { secret }` names; without one such URLs cannot be read. */
  client?: Pick<KubeClient, 'get'>;
  /** Reads the files that `url: { file }` names; default `fs.readFile`. */
  readFile?: (file: string) => Promise<string>;
}

/** The URL a source holds, checked to be an http(s) URL; errors say what was read and why it failed, never the value. */
export async function readUrl(source: UrlSource, options: UrlSourceOptions): Promise<string> {
  const where = describeUrlSource(source);
  let text: string;
  if ('file' in source) {
    try {
      text = await (options.readFile ?? ((file: string) => readFile(file, 'utf8')))(source.file);
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      throw new NotFoundError(`cannot be read${code ? ` (${code})` : ''}`, { subject: where });
    }
  } else {
    const { namespace, name, key } = source.secret;
    if (!options.client) throw new ValidationError('cannot be read: no cluster to read Secrets from', { subject: where });
    let secret: Manifest | undefined;
    try {
      secret = await options.client.get('v1', { group: '', kind: 'Secret', namespace, name });
    } catch (error) {
      throw new NotFoundError(`cannot be read: ${(error as Error).message.split('\n', 1)[0]}`, { subject: where, cause: error });
    }
    if (!secret) throw new NotFoundError('cannot be read: the Secret does not exist', { subject: where });
    const data = (secret.data ?? {}) as Record<string, unknown>;
    const value = data[key];
    if (typeof value !== 'string') {
      const keys = Object.keys(data).sort();
      throw new NotFoundError(`cannot be read: the Secret has no key ${key}${keys.length > 0 ? ` (its keys: ${keys.join(', ')})` : ' (it has no data)'}`, { subject: where });
    }
    text = Buffer.from(value, 'base64').toString('utf8');
  }
  const url = text.trim();
  let parsed: URL | undefined;
  try {
    parsed = new URL(url);
  } catch {
    parsed = undefined;
  }
  if (!parsed || (parsed.protocol !== 'https:' && parsed.protocol !== 'http:') || /\s/.test(url)) {
    throw new ValidationError('does not hold an http(s) URL (one line, such as https://hooks.slack.com/services/…)', { subject: where });
  }
  return url;
}

/**
 * A target's URL, read once and shared by its deliveries; `invalidate()` after a failed delivery
 * makes the next one read it again (a rotated Secret, an edited file).
 */
export class CachedUrl {
  private current: Promise<string> | undefined;

  constructor(
    readonly source: UrlSource,
    private readonly options: UrlSourceOptions,
  ) {}

  get(): Promise<string> {
    if (!this.current) {
      const reading = readUrl(this.source, this.options);
      this.current = reading;
      // a failed read is not kept: the next delivery tries again
      reading.catch(() => {
        if (this.current === reading) this.current = undefined;
      });
    }
    return this.current;
  }

  invalidate(): void {
    this.current = undefined;
  }
}
