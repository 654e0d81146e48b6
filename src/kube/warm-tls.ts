import { Worker } from 'node:worker_threads';

let warming: Promise<boolean> | undefined;

/**
 * Has a worker thread parse Node's bundled root certificates, which Node does once per process the
 * first time any TLS context is made (a context with the kubeconfig's CA included): 25-50 ms of the
 * main thread, just when a sync connects to the cluster while it renders. Node keeps the parsed
 * certificates process-wide, behind a lock, so the main thread's own context then takes ~1 ms.
 * Nothing to do when NODE_EXTRA_CA_CERTS made Node load them at start, or with --use-openssl-ca.
 * Resolves false when it did not run or failed: it is an optimization only, and trust is unchanged.
 */
export function warmTlsRootStore(): Promise<boolean> {
  warming ??= needsWarming(process.env, process.execArgv) ? parseRootCertificatesAside() : Promise.resolve(false);
  return warming;
}

export function needsWarming(env: NodeJS.ProcessEnv, execArgv: readonly string[]): boolean {
  return !env.NODE_EXTRA_CA_CERTS && !execArgv.some((arg) => arg.startsWith('--use-openssl-ca'));
}

/**
 * A worker that makes a TLS context with the bundled roots; true once it has exited cleanly. It
 * does not keep the process alive (`unref: false` makes it, for a caller that waits for it).
 */
export function parseRootCertificatesAside(options: { unref?: boolean } = {}): Promise<boolean> {
  return new Promise((resolve) => {
    try {
      const worker = new Worker("require('node:tls').createSecureContext({});", { eval: true });
      if (options.unref !== false) worker.unref();
      worker.once('error', () => resolve(false));
      worker.once('exit', (code) => resolve(code === 0));
    } catch {
      resolve(false);
    }
  });
}
