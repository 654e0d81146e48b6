import type { FieldCause } from './types.ts';

export type StatusReason =
  | 'NotFound'
  | 'AlreadyExists'
  | 'Conflict'
  | 'Invalid'
  | 'BadRequest'
  | 'Unauthorized'
  | 'Forbidden'
  | 'Gone'
  | 'Expired'
  | 'MethodNotAllowed'
  | 'NotAcceptable'
  | 'UnsupportedMediaType'
  | 'TooManyRequests'
  | 'RequestEntityTooLarge'
  | 'InternalError'
  | 'ServiceUnavailable'
  | 'Timeout';

export interface StatusDetails {
  name?: string;
  group?: string;
  kind?: string;
  causes?: FieldCause[] | { type?: string; message: string; field?: string }[] | { reason: string; message: string; field?: string }[];
  retryAfterSeconds?: number;
}

/** A failure that the API server reports as a `Status` object with an HTTP code and a reason. */
export class ApiError extends Error {
  constructor(
    readonly code: number,
    readonly reason: StatusReason,
    message: string,
    readonly details?: StatusDetails,
  ) {
    super(message);
    this.name = 'ApiError';
  }

  toStatus(): Record<string, unknown> {
    return {
      kind: 'Status',
      apiVersion: 'v1',
      metadata: {},
      status: 'Failure',
      message: this.message,
      reason: this.reason,
      ...(this.details ? { details: this.details } : {}),
      code: this.code,
    };
  }
}

/** `deployments.apps`, `configmaps`: how Kubernetes names a resource in messages. */
export interface Qualified {
  group: string;
  plural: string;
  kind: string;
}

function qualified(type: Qualified): string {
  return type.group ? `${type.plural}.${type.group}` : type.plural;
}

export function notFound(type: Qualified, name: string): ApiError {
  return new ApiError(404, 'NotFound', `${qualified(type)} "${name}" not found`, { name, group: type.group, kind: type.plural });
}

export function alreadyExists(type: Qualified, name: string): ApiError {
  return new ApiError(409, 'AlreadyExists', `${qualified(type)} "${name}" already exists`, { name, group: type.group, kind: type.plural });
}

export function staleConflict(type: Qualified, name: string): ApiError {
  return new ApiError(
    409,
    'Conflict',
    `Operation cannot be fulfilled on ${qualified(type)} "${name}": the object has been modified; please apply your changes to the latest version and try again`,
    { name, group: type.group, kind: type.plural },
  );
}

export function invalid(type: Qualified, name: string, causes: FieldCause[], message: string): ApiError {
  return new ApiError(422, 'Invalid', message, { name, group: type.group, kind: type.kind, causes });
}

export function badRequest(message: string): ApiError {
  return new ApiError(400, 'BadRequest', message);
}

export function forbidden(message: string): ApiError {
  return new ApiError(403, 'Forbidden', message);
}

/**
 * The NamespaceLifecycle admission plugin's answer to a create in a namespace being deleted (as
 * apierrors.NewForbidden words it: no quoted name when the request has none, e.g. generateName).
 */
export function namespaceTerminating(type: Qualified, name: string, namespace: string): ApiError {
  return new ApiError(403, 'Forbidden', `${qualified(type)}${name ? ` ${JSON.stringify(name)}` : ''} is forbidden: unable to create new content in namespace ${namespace} because it is being terminated`, {
    ...(name ? { name } : {}),
    ...(type.group ? { group: type.group } : {}),
    kind: type.plural,
    causes: [{ reason: 'NamespaceTerminating', message: `namespace ${namespace} is being terminated`, field: 'metadata.namespace' }],
  });
}

/** The namespaces the NamespaceLifecycle admission plugin refuses to delete (kube-node-lease is not one of them). */
export const immortalNamespaces: ReadonlySet<string> = new Set(['default', 'kube-system', 'kube-public']);

/** The NamespaceLifecycle admission plugin's answer to deleting one of `immortalNamespaces`. */
export function immortalNamespace(name: string): ApiError {
  return new ApiError(403, 'Forbidden', `namespaces ${JSON.stringify(name)} is forbidden: this namespace may not be deleted`, { name, kind: 'namespaces' });
}

export function methodNotAllowed(message: string): ApiError {
  return new ApiError(405, 'MethodNotAllowed', message);
}

export function gone(message: string): ApiError {
  return new ApiError(410, 'Expired', message);
}

/**
 * A read that asks for a resourceVersion the server has not reached (storage's
 * NewTooLargeResourceVersionError): 504 Timeout, retry after a second.
 */
export function tooLargeResourceVersion(wanted: number, current: number): ApiError {
  return new ApiError(504, 'Timeout', `Timeout: Too large resource version: ${wanted}, current: ${current}`, {
    causes: [{ reason: 'ResourceVersionTooLarge', message: 'Too large resource version' }],
    retryAfterSeconds: 1,
  });
}
