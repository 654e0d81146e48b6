import { CapstanError, ConflictError, NotFoundError, TransientError, ValidationError, type CapstanErrorOptions } from '../core/index.ts';
import { CredentialsUnavailable, type HttpResponse } from './http-transport.ts';
import { RetriesExhausted } from './retry.ts';
import type { ResourceInfo } from './types.ts';

/** The `Status` object an API server answers a failed request with. */
export interface KubeStatus {
  kind?: string;
  status?: string;
  message?: string;
  reason?: string;
  code?: number;
  details?: {
    name?: string;
    group?: string;
    kind?: string;
    causes?: { reason?: string; type?: string; message?: string; field?: string }[];
    retryAfterSeconds?: number;
  };
}

/** One field another field manager owns, from a 409 of a server-side apply. */
export interface FieldConflict {
  /** The field manager (`kubectl-edit`, `kube-controller-manager`). */
  manager: string;
  /** The field path as the server prints it (`.spec.replicas`). */
  field: string;
  /** How the server described the owner (`conflict with "kubectl-edit" using apps/v1`). */
  description: string;
}

/** A 409 of a server-side apply: fields owned by other managers, each named with its owner. */
export class ApplyConflictError extends ConflictError {
  constructor(
    message: string,
    readonly conflicts: FieldConflict[],
    options: CapstanErrorOptions,
  ) {
    super(message, options);
  }
}

/** A 409 AlreadyExists: a create found the object there. */
export class AlreadyExistsError extends ConflictError {}

/** A 409 on a resourceVersion precondition: the object changed since it was read. */
export class ModifiedError extends ConflictError {}

/** A 400/422 with the server's field causes. */
export class KubeValidationError extends ValidationError {
  constructor(
    message: string,
    readonly causes: { field: string; message: string }[],
    options: CapstanErrorOptions,
  ) {
    super(message, options);
  }
}

/** 403: the credentials may not do this. Retrying will not help; RBAC must change. */
export class ForbiddenError extends CapstanError {}

/**
 * 403 from the NamespaceLifecycle admission: nothing new can be created in a namespace while it is
 * being deleted. Worth retrying later: once it is gone, an apply that creates it can go on.
 */
export class NamespaceTerminatingError extends TransientError {
  constructor(
    message: string,
    readonly namespace: string,
    options: CapstanErrorOptions,
  ) {
    super(message, options);
  }
}

/** 401: the credentials were rejected (expired token, wrong certificate). */
export class UnauthorizedError extends CapstanError {}

/** 410 Gone / Expired: a watch or list continuation is too old; relist and start again. */
export class ExpiredError extends TransientError {}

/** What was being done when a request failed: names the object and the verb in every message. */
export interface KubeOperation {
  /** capstan's verb, as it appears in messages: `apply`, `get`, `list`, `delete`, `watch`, `discovery`. */
  verb: string;
  /** The Kubernetes verb for authorization messages (`patch` for an apply). */
  kubeVerb: string;
  /** `Deployment/web/api`, `Deployment`, `server`. */
  subject: string;
  apiVersion?: string;
  kind?: string;
  resource?: ResourceInfo;
  namespace?: string;
  /** The kubeconfig context, named in authentication and authorization errors. */
  context: string;
  server: string;
}

export function parseStatus(body: string): KubeStatus | undefined {
  if (!body || body[0] !== '{') return undefined;
  try {
    const parsed = JSON.parse(body) as KubeStatus;
    return parsed && typeof parsed === 'object' ? parsed : undefined;
  } catch {
    return undefined;
  }
}

/**
 * The one place where failures of the API server become capstan errors. Every message starts with
 * the object and the verb (`Deployment/web/api apply failed: …`).
 */
export function toKubeError(op: KubeOperation, failure: { response: HttpResponse } | { error: unknown }): CapstanError {
  const options = { subject: op.subject };
  const failed = `${op.verb} failed`;
  if ('error' in failure) {
    const error = failure.error;
    if (error instanceof CapstanError) return error;
    if (error instanceof CredentialsUnavailable) {
      return new UnauthorizedError(`${failed}: the credentials of context "${op.context}" could not be obtained: ${error.message}`, { ...options, cause: error.cause });
    }
    if (error instanceof RetriesExhausted) {
      const last = error.response ? describeResponse(error.response) : describeError(error.error);
      return new TransientError(`${failed} after ${error.attempts} attempts: ${last}`, { ...options, cause: error.error ?? new Error(last) });
    }
    return new CapstanError(`${failed}: cannot reach ${op.server}: ${describeError(error)}`, { ...options, cause: error });
  }

  const { response } = failure;
  const status = parseStatus(response.body);
  const message = statusMessage(response, status);
  const cause = new Error(`HTTP ${response.status}: ${message}`);
  switch (response.status) {
    case 400:
    case 422: {
      const causes = (status?.details?.causes ?? []).filter((c) => c.message).map((c) => ({ field: c.field ?? '', message: c.message as string }));
      const text = causes.length > 0 ? causes.map((c) => (c.field ? `${c.field}: ${c.message}` : c.message)).join('; ') : message;
      return new KubeValidationError(`${failed}: ${text}`, causes, { ...options, cause });
    }
    case 409: {
      const conflicts = fieldConflicts(status);
      if (conflicts.length > 0) return new ApplyConflictError(`${failed}: ${formatConflicts(conflicts)}; use --force-conflicts to take them`, conflicts, { ...options, cause });
      if (status?.reason === 'AlreadyExists') return new AlreadyExistsError(`${failed}: ${message}`, { ...options, cause });
      return new ModifiedError(`${failed}: ${message}`, { ...options, cause });
    }
    case 404: {
      // an absent object names itself in details; an unserved resource is a bare 404
      if (isUnservedResource(status) && op.kind) return notServedError(op, cause);
      return new NotFoundError(`${failed}: ${message}`, { ...options, cause });
    }
    case 403: {
      // a refusal by admission, not by RBAC: the credentials are not the problem
      const terminating = terminatingNamespace(status, op);
      if (terminating !== undefined) {
        return new NamespaceTerminatingError(`${failed}: namespace ${terminating} is being terminated: nothing new can be created in it until it is gone`, terminating, { ...options, cause });
      }
      return new ForbiddenError(`${failed}: forbidden: context "${op.context}" may not ${op.kubeVerb} ${resourceName(op)}${op.namespace ? ` in namespace "${op.namespace}"` : ''}: ${message}`, { ...options, cause });
    }
    case 401:
      return new UnauthorizedError(`${failed}: unauthorized: ${op.server} rejected the credentials of context "${op.context}" (expired token or wrong certificate?): ${message}`, { ...options, cause });
    case 410:
      return new ExpiredError(`${failed}: ${message} (relist and start again)`, { ...options, cause });
    case 429:
    case 500:
    case 502:
    case 503:
    case 504:
      return new TransientError(`${failed}: ${describeResponse(response)}`, { ...options, cause });
    default:
      return new CapstanError(`${failed}: ${describeResponse(response)}`, { ...options, cause });
  }
}

/**
 * The namespace a 403 says is being terminated: the `NamespaceTerminating` cause (API servers since
 * 1.16 send it, `namespace <ns> is being terminated`), else the message servers have always sent
 * (`… unable to create new content in namespace <ns> because it is being terminated`).
 */
function terminatingNamespace(status: KubeStatus | undefined, op: KubeOperation): string | undefined {
  const cause = status?.details?.causes?.find((c) => (c.reason ?? c.type) === 'NamespaceTerminating');
  const fromCause = cause ? (/^namespace (\S+) is being terminated$/.exec(cause.message ?? '')?.[1] ?? op.namespace) : undefined;
  return fromCause ?? /unable to create new content in namespace (\S+) because it is being terminated/.exec(status?.message ?? '')?.[1];
}

/** Discovery has no such kind, or the server answered a bare 404 for the resource path. */
export function notServedError(op: KubeOperation, cause?: unknown): NotFoundError {
  return new NotFoundError(`${op.verb} failed: the cluster does not serve ${op.kind} in ${op.apiVersion ?? 'any API version'} (is its CRD installed?)`, { subject: op.subject, cause });
}

/** A 404 for an absent object names it in `details.name`; one for an unknown resource path does not. */
export function isUnservedResource(status: KubeStatus | undefined): boolean {
  return status?.details?.name === undefined;
}

/** The conflicts of an apply, from the Status causes (`FieldManagerConflict`, message `conflict with "m" …`). */
export function fieldConflicts(status: KubeStatus | undefined): FieldConflict[] {
  const out: FieldConflict[] = [];
  for (const cause of status?.details?.causes ?? []) {
    if ((cause.reason ?? cause.type) !== 'FieldManagerConflict' || !cause.field) continue;
    const description = cause.message ?? 'conflict with an unknown manager';
    out.push({ manager: managerOf(description), field: cause.field, description });
  }
  return out;
}

/** `conflict with "a" using apps/v1: .spec.replicas, .spec.paused; conflict with "b": .data.x` (grouped by owner, server order). */
export function formatConflicts(conflicts: readonly FieldConflict[]): string {
  const groups = new Map<string, string[]>();
  for (const conflict of conflicts) {
    const fields = groups.get(conflict.description);
    if (fields) fields.push(conflict.field);
    else groups.set(conflict.description, [conflict.field]);
  }
  return [...groups].map(([description, fields]) => `${description}: ${fields.join(', ')}`).join('; ');
}

function managerOf(description: string): string {
  const quoted = /^conflicts? with ("(?:[^"\\]|\\.)*")/.exec(description);
  if (!quoted) return description;
  try {
    return JSON.parse(quoted[1]) as string;
  } catch {
    return quoted[1].slice(1, -1);
  }
}

function statusMessage(response: HttpResponse, status: KubeStatus | undefined): string {
  if (status?.message) return status.message;
  const text = response.body.trim();
  if (text) return text.length > 300 ? `${text.slice(0, 300)}…` : text;
  return `HTTP ${response.status}`;
}

function describeResponse(response: HttpResponse): string {
  const status = parseStatus(response.body);
  return `${response.status} ${status?.reason ?? ''}`.trim() + `: ${statusMessage(response, status)}`;
}

function describeError(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  const code = (error as NodeJS.ErrnoException).code;
  return code && !error.message.includes(code) ? `${code} ${error.message}` : error.message;
}

function resourceName(op: KubeOperation): string {
  const r = op.resource;
  if (r) return r.group ? `${r.resource}.${r.group}` : r.resource;
  return op.kind ?? 'the resource';
}
