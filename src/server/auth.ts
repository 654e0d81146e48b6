import type { FastifyReply, FastifyRequest } from 'fastify';
import { RequestError } from './http-errors.ts';
import { hasRole, type Role, type TokenIdentity, type TokenStore } from './tokens.ts';

export interface AuthOptions {
  /** Also accept HTTP basic auth with the token as the password and any user name (git clients). */
  basic?: boolean;
}

/** The token presented by a request: `Authorization: Bearer <token>`, or the password of basic auth. */
export function presentedToken(header: string | undefined, options: AuthOptions = {}): string | undefined {
  if (!header) return undefined;
  const space = header.indexOf(' ');
  if (space < 0) return undefined;
  const scheme = header.slice(0, space).toLowerCase();
  const value = header.slice(space + 1).trim();
  if (scheme === 'bearer') return value || undefined;
  if (scheme === 'basic' && options.basic) {
    const decoded = Buffer.from(value, 'base64').toString('utf8');
    const colon = decoded.indexOf(':');
    return colon < 0 ? undefined : decoded.slice(colon + 1) || undefined;
  }
  return undefined;
}

/**
 * Checks the token of a request against the role a route requires: 401 (with a
 * `WWW-Authenticate` challenge) without a valid token, 403 when its role is too low.
 */
export class Authenticator {
  private readonly identities = new WeakMap<FastifyRequest, TokenIdentity>();

  constructor(private readonly tokens: TokenStore) {}

  /** An `onRequest` hook requiring `role`; runs before the body is read. */
  require(role: Role, options: AuthOptions = {}): (request: FastifyRequest, reply: FastifyReply) => Promise<void> {
    return async (request, reply) => {
      const token = presentedToken(request.headers.authorization, options);
      const identity = token === undefined ? undefined : this.tokens.authenticate(token);
      if (!identity) {
        reply.header('www-authenticate', options.basic ? ['Basic realm="capstan"', 'Bearer realm="capstan"'] : 'Bearer realm="capstan"');
        throw new RequestError(401, token === undefined ? 'a bearer token is required' : 'the token is not valid');
      }
      if (!hasRole(identity.role, role)) throw new RequestError(403, `token "${identity.name}" has role ${identity.role}; this needs role ${role}`);
      this.identities.set(request, identity);
    };
  }

  /** The identity the hook of this request's route accepted. */
  identity(request: FastifyRequest): TokenIdentity {
    const identity = this.identities.get(request);
    if (!identity) throw new RequestError(401, 'a bearer token is required');
    return identity;
  }
}
