import { Command, InvalidArgumentError, Option } from 'commander';
import { parseCostSpec, parseFaultSpec, startSandbox } from '@capstan/sandbox';
import { port } from './engine-options.ts';

function milliseconds(value: string): number {
  const n = Number(value);
  if (!Number.isFinite(n) || n < 0) throw new InvalidArgumentError(`"${value}" is not a number of milliseconds`);
  return n;
}

function cost(value: string): ReturnType<typeof parseCostSpec> {
  try {
    return parseCostSpec(value);
  } catch (error) {
    throw new InvalidArgumentError((error as Error).message);
  }
}

function faults(value: string): ReturnType<typeof parseFaultSpec> {
  try {
    return parseFaultSpec(value);
  } catch (error) {
    throw new InvalidArgumentError((error as Error).message);
  }
}

export function sandboxCommand(): Command {
  return new Command('sandbox')
    .description('Run a local Kubernetes-compatible API server with simulated controllers, for trying capstan and for tests')
    .addOption(new Option('--port <port>', 'port to listen on (0 picks a free one)').default(6443).argParser(port))
    .option('--host <address>', 'address to listen on', '127.0.0.1')
    .option('--data <file>', 'persist state to this file, so a restart keeps every object')
    .option('--kubeconfig-out <file>', 'write a kubeconfig for the sandbox to this file')
    .option('--token <token>', 'require this bearer token on every request (default: a random one, written to the kubeconfig)')
    .option('--insecure-http', 'serve plain HTTP instead of HTTPS with a self-signed certificate')
    .addOption(new Option('--pod-ready-delay <ms>', 'delay before a started pod is Running and Ready').default(500).argParser(milliseconds))
    .addOption(new Option('--faults <spec>', 'fail a share of requests, e.g. "0.1" or "500,429,timeout,reset@0.1"').argParser(faults))
    .addOption(new Option('--cost <model>', 'answer no sooner than a real API server would: "real" (a kube-apiserver v1.19 on 2 cores: a latency floor per request and a shared capacity) or "off"').default('off').argParser(cost))
    .addHelpText(
      'after',
      `
Example:
  capstan sandbox --port 6443 --data .capstan/sandbox.db --kubeconfig-out .capstan/kubeconfig
  kubectl --kubeconfig .capstan/kubeconfig get namespaces`,
    )
    .action(async (opts: { port: number; host: string; data?: string; kubeconfigOut?: string; token?: string; insecureHttp?: boolean; podReadyDelay: number; faults?: ReturnType<typeof parseFaultSpec>; cost?: ReturnType<typeof parseCostSpec> | 'off' }) => {
      const sandbox = await startSandbox({
        port: opts.port,
        host: opts.host,
        data: opts.data,
        kubeconfigOut: opts.kubeconfigOut,
        token: opts.token,
        tls: !opts.insecureHttp,
        podReadyDelayMs: opts.podReadyDelay,
        faults: opts.faults,
        cost: opts.cost === 'off' ? undefined : opts.cost,
      });
      const where = opts.kubeconfigOut ? ` kubeconfig: ${opts.kubeconfigOut}` : '';
      const model = opts.cost && opts.cost !== 'off' ? ` cost model: ${opts.cost.name}` : '';
      console.log(`capstan sandbox ready at ${sandbox.url}${opts.data ? ` data: ${opts.data}` : ''}${where}${model}`);
      await new Promise<void>((resolve) => {
        const stop = (): void => {
          process.off('SIGINT', stop);
          process.off('SIGTERM', stop);
          void sandbox.stop().then(resolve);
        };
        process.on('SIGINT', stop);
        process.on('SIGTERM', stop);
      });
      console.log('capstan sandbox stopped');
    });
}
