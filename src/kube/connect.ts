// What createKubeClient loads on first use (see preloadKubeConfig): the kubeconfig reader with
// @kubernetes/client-node, and undici's connection pool.
export { loadKubeConfig } from './load-kube-config.ts';
export { Pool } from 'undici';
