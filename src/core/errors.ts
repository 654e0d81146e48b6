import { formatKey, type ResourceKey } from './resource-key.ts';

/** How a failure should be treated: reported to the user, retried, or stopped. */
export type ErrorCategory = 'validation' | 'conflict' | 'timeout' | 'transient' | 'terminal' | 'not-found';

export interface CapstanErrorOptions {
  subject?: ResourceKey | string;
  cause?: unknown;
}

/**
 * The root of capstan's errors. The message starts with the subject (`Deployment/web/api apply
 * failed: …`); the CLI turns the category into an exit code, the server into an HTTP status, the
 * agent into retry or backoff — each in one place.
 */
export class CapstanError extends Error {
  readonly category: ErrorCategory = 'terminal';
  readonly subject?: string;

  constructor(message: string, options: CapstanErrorOptions = {}) {
    const subject = options.subject === undefined ? undefined : typeof options.subject === 'string' ? options.subject : formatKey(options.subject);
    super(subject ? `${subject} ${message}` : message, { cause: options.cause });
    this.name = new.target.name;
    this.subject = subject;
  }
}

/** Bad input: a config file, a manifest, an argument. Retrying will not help; the user must fix it. */
export class ValidationError extends CapstanError {
  override readonly category = 'validation';
}

/** Another party owns what we want to change (a field manager, another app). */
export class ConflictError extends CapstanError {
  override readonly category = 'conflict';
}

/** Waiting ran out (health, a rollout, a request). */
export class TimeoutError extends CapstanError {
  override readonly category = 'timeout';
}

/** Worth retrying with backoff: 429, 5xx, reset connections, a git remote that did not answer. */
export class TransientError extends CapstanError {
  override readonly category = 'transient';
}

/** Something that was asked for does not exist. */
export class NotFoundError extends CapstanError {
  override readonly category = 'not-found';
}

/**
 * An app of `type: artifact` whose service has no release in the environment yet: not a failure.
 * It is reported as not released and is not synced, so nothing it would prune is touched.
 */
export class NotReleasedError extends CapstanError {
  override readonly category = 'not-found';
  constructor(
    readonly service: string,
    readonly env: string,
  ) {
    super(`service "${service}" has no release in environment "${env}" yet: release one with capstan release ${service} --env ${env} --artifact <id> (or --branch <b>)`);
  }
}
