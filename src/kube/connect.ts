// What createKubeClient loads on first use (see preloadKubeConfig): the kubeconfig reader with
// @kubernetes/client-node, and undici's connection pool — its Pool module alone, not undici's
// index (fetch, WebSocket, caches: half the package, which every cold start would compile).
import Pool from 'undici/lib/dispatcher/pool.js';

export { loadKubeConfig } from './load-kube-config.ts';
export { Pool };
