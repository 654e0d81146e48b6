// client-node is loaded lazily (see preloadKubeConfig): PooledKubeConfig and loadKubeConfig are
// not re-exported here, so that importing the kube module does not load it.
export type * from './types.ts';
export { createKubeClient, preloadKubeConfig, type HttpKubeClient, type KubeClientOptions, type KubeClientStats } from './create-kube-client.ts';
export { warmTlsRootStore } from './warm-tls.ts';
export type { KubeConfigSource, LoadedKubeConfig } from './load-kube-config.ts';
export { AlreadyExistsError, ApplyConflictError, ExpiredError, ForbiddenError, KubeValidationError, ModifiedError, UnauthorizedError, type FieldConflict } from './kube-errors.ts';
export { defaultRetryPolicy, type RetryPolicy } from './retry.ts';
export { withApplyDefaults } from './apply-defaults.ts';
