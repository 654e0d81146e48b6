import { CapstanError, type ErrorCategory } from '../core/index.ts';

/** The categories an error response can carry: core's, plus the two of authentication. */
export type HttpErrorCategory = ErrorCategory | 'unauthorized' | 'forbidden';

/** The body of every error response. */
export interface ErrorBody {
  error: { message: string; category: HttpErrorCategory };
}

/**
 * A request the server refuses before any capstan code runs: unreadable (400), without a valid
 * token (401), or with a token that lacks the role (403).
 */
export class RequestError extends Error {
  readonly status: 400 | 401 | 403;
  readonly category: 'validation' | 'unauthorized' | 'forbidden';

  constructor(status: 400 | 401 | 403, message: string) {
    super(message);
    this.name = 'RequestError';
    this.status = status;
    this.category = status === 400 ? 'validation' : status === 401 ? 'unauthorized' : 'forbidden';
  }
}

export interface HttpError {
  status: number;
  body: ErrorBody;
  /** Whether the server failed (5xx): such errors are logged as errors, others at debug level. */
  serverFault: boolean;
}

const statusOfCategory: Record<ErrorCategory, number> = {
  validation: 422,
  'not-found': 404,
  conflict: 409,
  timeout: 504,
  transient: 503,
  terminal: 500,
};

/**
 * The one place where errors become HTTP statuses. capstan errors map by category (a request that
 * could not be parsed at all is 400, a well-formed one that capstan refuses is 422); fastify's own
 * 4xx errors (malformed JSON, a body failing its schema, an unsupported media type, too large)
 * keep their status as validation errors; anything else is a 500 whose message is not exposed.
 */
export function toHttpError(error: unknown): HttpError {
  if (error instanceof RequestError) return result(error.status, error.message, error.category);
  if (error instanceof CapstanError) return result(statusOfCategory[error.category] ?? 500, error.message, error.category);
  const status = fastifyStatus(error);
  if (status !== undefined && status >= 400 && status < 500) {
    return result(status, (error as Error).message, status === 404 ? 'not-found' : 'validation');
  }
  return result(500, 'internal server error (see the server log)', 'terminal');
}

function result(status: number, message: string, category: HttpErrorCategory): HttpError {
  return { status, body: { error: { message, category } }, serverFault: status >= 500 };
}

/** Fastify's errors (FST_ERR_*, body validation) carry `statusCode` and a `code`. */
function fastifyStatus(error: unknown): number | undefined {
  if (!(error instanceof Error)) return undefined;
  const { statusCode, code, validation } = error as Error & { statusCode?: unknown; code?: unknown; validation?: unknown };
  if (typeof statusCode !== 'number') return undefined;
  if (validation !== undefined || (typeof code === 'string' && code.startsWith('FST_'))) return statusCode;
  return undefined;
}
