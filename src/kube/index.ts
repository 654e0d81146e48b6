export { PooledKubeConfig } from './kube-config.ts';
export type * from './types.ts';
export { createKubeClient, type HttpKubeClient, type KubeClientOptions, type KubeClientStats } from './create-kube-client.ts';
export { loadKubeConfig, type KubeConfigSource, type LoadedKubeConfig } from './load-kube-config.ts';
export { ApplyConflictError, ExpiredError, ForbiddenError, KubeValidationError, UnauthorizedError, type FieldConflict } from './kube-errors.ts';
export { defaultRetryPolicy, type RetryPolicy } from './retry.ts';
export { withApplyDefaults } from './apply-defaults.ts';
