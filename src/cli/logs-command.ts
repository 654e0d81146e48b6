import { Command } from 'commander';
import { NotFoundError, ValidationError, annotations, labels, type Manifest } from '../core/index.ts';
import { resolveApp } from '../config/index.ts';
import { ExpiredError, type HttpKubeClient, type LogStream } from '../kube/index.ts';
import { addClusterOptions, createEngine, duration, envOption, openForReading, positiveInt, type ClusterOptions } from './engine-options.ts';
import { stdoutClosed } from './output.ts';

interface LogsOptions extends ClusterOptions {
  env: string;
  follow?: boolean;
  container?: string;
  since?: number;
  tail?: number;
}

export function logsCommand(): Command {
  return addClusterOptions(new Command('logs'))
    .description("Print the logs of an app's pods (those its Deployments, StatefulSets, DaemonSets, Jobs and CronJobs own), each line prefixed with the pod and container, like stern; read from the cluster with the kubeconfig")
    .argument('<app>', 'app name')
    .addOption(envOption())
    .option('-f, --follow', 'keep printing new lines, and the logs of pods that start later (a rollout), until Ctrl-C')
    .option('-c, --container <name>', 'only this container of each pod (default: every container)')
    .option('--since <duration>', 'only lines newer than this, e.g. 10m', duration)
    .option('--tail <lines>', 'only the last lines of each container', positiveInt)
    .addHelpText('after', '\nEach line reads "<pod> <container> <line>".\n\nExamples:\n  capstan logs guestbook --env dev --tail 20\n  capstan logs guestbook --env dev -f --since 10m -c guestbook')
    .action(async (appName: string, opts: LogsOptions) => {
      const { engine, clientFor, close } = await createEngine(opts);
      try {
        const checkout = await openForReading(engine, opts);
        const inventory = await engine.history(checkout, appName, opts.env);
        const app = resolveApp(checkout.project, appName, opts.env);
        const client = await clientFor(opts.context ?? app.cluster);
        const namespaces = [...new Set(inventory.objects.map((o) => o.key.namespace).filter(Boolean))].sort();
        const what = `app "${appName}" in environment "${opts.env}"`;
        if (inventory.objects.length === 0) throw new NotFoundError(`${what} has nothing applied, so no pods: apply or sync it first`);
        const owner = new PodOwnership(client, `${appName}/${opts.env}`);
        const reader = new LogReader(client, opts);
        if (opts.follow) return await follow(client, namespaces, owner, reader, opts.container);
        const pods: Manifest[] = [];
        for (const namespace of namespaces) {
          const { items } = await client.list('v1', 'Pod', { namespace });
          for (const pod of items) if (await owner.owns(pod)) pods.push(pod);
        }
        if (pods.length === 0) throw new NotFoundError(`${what} has no pods (it applied no Deployment, StatefulSet, DaemonSet, Job or Pod, or they have none now)`);
        pods.sort((a, b) => a.metadata.namespace!.localeCompare(b.metadata.namespace!) || a.metadata.name.localeCompare(b.metadata.name));
        const wanted = pods.flatMap((pod) => containersOf(pod, opts.container).map((container) => ({ pod, container })));
        if (wanted.length === 0) {
          const names = [...new Set(pods.flatMap((pod) => containersOf(pod, undefined)))].sort();
          throw new ValidationError(`no pod of ${what} has a container "${opts.container}": its pods have ${names.join(', ')}`);
        }
        // read concurrently, printed pod by pod in order
        const texts = wanted.map(({ pod, container }) => reader.read(pod, container, { follow: false }));
        for (const text of texts) process.stdout.write((await text).join(''));
      } finally {
        close();
      }
    });
}

/** The containers of a pod to read: every container, or only the one named (init containers included then). */
function containersOf(pod: Manifest, only: string | undefined): string[] {
  const spec = (pod.spec ?? {}) as { containers?: { name: string }[]; initContainers?: { name: string }[] };
  const names = (spec.containers ?? []).map((c) => c.name);
  if (only === undefined) return names;
  return [...(spec.initContainers ?? []).map((c) => c.name), ...names].filter((name) => name === only);
}

/** Reads one container's log into lines prefixed `<pod> <container> `. */
class LogReader {
  constructor(
    private readonly client: HttpKubeClient,
    private readonly options: LogsOptions,
  ) {}

  /** The prefixed lines; a container that has no log to give (not started, gone) is a warning on stderr, not a failure. */
  async read(pod: Manifest, container: string, how: { follow: boolean; onLine?: (line: string) => void; whole?: boolean; signal?: AbortSignal }): Promise<string[]> {
    const prefix = `${pod.metadata.name} ${container} `;
    const lines: string[] = [];
    const onLine = how.onLine ? (line: string) => how.onLine!(`${prefix}${line}\n`) : (line: string) => lines.push(`${prefix}${line}\n`);
    let stream: LogStream | undefined;
    try {
      stream = await this.client.logs(
        pod.metadata.namespace!,
        pod.metadata.name,
        {
          container,
          follow: how.follow,
          // a container that started while following is read whole
          sinceSeconds: how.whole || this.options.since === undefined ? undefined : Math.max(1, Math.ceil(this.options.since / 1000)),
          tailLines: how.whole ? undefined : this.options.tail,
        },
        onLine,
      );
      const stop = (): void => stream?.stop();
      how.signal?.addEventListener('abort', stop);
      if (how.signal?.aborted) stop();
      try {
        await stream.done;
      } finally {
        how.signal?.removeEventListener('abort', stop);
      }
    } catch (error) {
      process.stderr.write(`warning: ${(error as Error).message.split('\n')[0]}\n`);
    }
    return lines;
  }
}

/**
 * Whether a pod is the app's: it, or what controls it (its ReplicaSet, then that one's Deployment;
 * its Job, then that one's CronJob; its StatefulSet or DaemonSet), carries the app's owner
 * annotation or labels. Owners are read once each.
 */
class PodOwnership {
  private readonly owners = new Map<string, Promise<Manifest | undefined>>();

  constructor(
    private readonly client: HttpKubeClient,
    /** `<app>/<env>`. */
    private readonly owner: string,
  ) {}

  async owns(pod: Manifest): Promise<boolean> {
    let object: Manifest | undefined = pod;
    for (let depth = 0; object && depth < 4; depth++) {
      if (this.isOwn(object)) return true;
      const ref = controllerOf(object);
      if (!ref) return false;
      const namespace: string = object.metadata.namespace ?? '';
      const id = `${ref.apiVersion}|${ref.kind}|${namespace}|${ref.name}`;
      let next = this.owners.get(id);
      if (!next) {
        next = this.client.get(ref.apiVersion, { group: groupOf(ref.apiVersion), kind: ref.kind, namespace, name: ref.name }).catch(() => undefined);
        this.owners.set(id, next);
      }
      object = await next;
    }
    return false;
  }

  private isOwn(object: Manifest): boolean {
    const [app, env] = this.owner.split('/');
    return object.metadata.annotations?.[annotations.owner] === this.owner || (object.metadata.labels?.[labels.app] === app && object.metadata.labels?.[labels.env] === env);
  }
}

interface ControllerRef {
  apiVersion: string;
  kind: string;
  name: string;
}

function controllerOf(object: Manifest): ControllerRef | undefined {
  const refs = object.metadata.ownerReferences;
  if (!Array.isArray(refs)) return undefined;
  return (refs as (ControllerRef & { controller?: boolean })[]).find((ref) => ref?.controller === true && typeof ref.apiVersion === 'string' && typeof ref.kind === 'string' && typeof ref.name === 'string');
}

function groupOf(apiVersion: string): string {
  const slash = apiVersion.indexOf('/');
  return slash < 0 ? '' : apiVersion.slice(0, slash);
}

/**
 * `--follow`: watches the pods of the app's namespaces and reads, following, every container of
 * the app's pods once it has started, and again after each restart; pods that start later (a
 * rollout, a Job) are picked up as they come. Runs until Ctrl-C, or until stdout is closed
 * (`capstan logs … -f | head`).
 */
async function follow(client: HttpKubeClient, namespaces: string[], owner: PodOwnership, reader: LogReader, only: string | undefined): Promise<void> {
  const started = new Set<string>();
  const streams: Promise<unknown>[] = [];
  const consider = async (pod: Manifest, initial: boolean): Promise<void> => {
    if (stdoutClosed.aborted || !(await owner.owns(pod))) return;
    const statuses = (((pod.status ?? {}) as { containerStatuses?: ContainerStatus[]; initContainerStatuses?: ContainerStatus[] }).containerStatuses ?? []).concat(
      ((pod.status ?? {}) as { initContainerStatuses?: ContainerStatus[] }).initContainerStatuses ?? [],
    );
    for (const container of containersOf(pod, only)) {
      const status = statuses.find((s) => s.name === container);
      if (!status || !(status.state?.running || status.state?.terminated)) continue;
      const id = `${String(pod.metadata.uid ?? pod.metadata.name)}/${container}/${status.restartCount ?? 0}`;
      if (started.has(id)) continue;
      started.add(id);
      const write = (text: string): void => {
        if (!stdoutClosed.aborted) process.stdout.write(text);
      };
      // what ran before the command started is limited by --tail and --since; a container that starts later is read whole
      streams.push(reader.read(pod, container, { follow: true, onLine: write, whole: !initial, signal: stdoutClosed }));
    }
  };
  const watches = namespaces.map(async (namespace) => {
    while (!stdoutClosed.aborted) {
      const listed = await client.list('v1', 'Pod', { namespace });
      for (const pod of listed.items) await consider(pod, true);
      let resourceVersion = listed.resourceVersion;
      while (!stdoutClosed.aborted) {
        const handle = await client.watch('v1', 'Pod', { namespace, resourceVersion }, (event) => {
          if (event.type === 'ADDED' || event.type === 'MODIFIED') void consider(event.object, false);
        });
        const stop = (): void => handle.stop();
        stdoutClosed.addEventListener('abort', stop);
        if (stdoutClosed.aborted) stop();
        try {
          await handle.done;
        } catch (error) {
          if (error instanceof ExpiredError) break;
          throw error;
        } finally {
          stdoutClosed.removeEventListener('abort', stop);
        }
        resourceVersion = handle.lastResourceVersion ?? resourceVersion;
      }
    }
  });
  await Promise.all(watches);
  await Promise.allSettled(streams);
}

interface ContainerStatus {
  name: string;
  restartCount?: number;
  state?: { running?: unknown; terminated?: unknown; waiting?: unknown };
}
