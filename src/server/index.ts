/**
 * server: the agent's HTTP API (`/api/v1`, server-sent events), webhook receivers, git smart-HTTP
 * push, Prometheus metrics, health, and bearer-token auth with roles.
 */
export { createServer, type CapstanServer, type ServerOptions } from './create-server.ts';
export { loadTokens, TokenStore, hasRole, roles, minTokenLength, type LoadTokensOptions, type Role, type TokenEntry, type TokenIdentity, type TokenSecretRef } from './tokens.ts';
export { toHttpError, type ErrorBody, type HttpErrorCategory } from './http-errors.ts';
export { verifyWebhook, type WebhookProvider, type WebhookSecrets, type WebhookVerdict } from './webhooks.ts';
export { handleGitRequest, type GitReceiveOptions } from './git-receive.ts';
export type { WebhookAnswer } from './webhook-route.ts';
export { ReleaseDesk, tokenActor, type ReleaseDeskOptions, type ServiceSummary } from './release-desk.ts';
export { releaseAnswer, type PolicyRefusedNotice, type PolicyRefusedNotifier } from './release-route.ts';
