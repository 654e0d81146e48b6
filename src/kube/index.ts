export { PooledKubeConfig } from './kube-config.ts';
