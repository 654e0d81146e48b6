/**
 * The crash watcher: one list+watch of Pods per cluster and namespace where the agent's apps run
 * workloads. A pod is tied to an app by its owner references, up to an object the app applied
 * (its inventory): a Deployment's ReplicaSet is read once to find the Deployment. A container in
 * CrashLoopBackOff, CreateContainerConfigError, ImagePullBackOff or ErrImagePull, or whose last run
 * was OOMKilled, is reported once per episode — app, pod template, container and reason — not per
 * restart nor per replica: its last log lines (of the run that crashed), every value of the app's
 * Secrets masked, and the release running, go to the notifier and into a `Crashed` Event. An
 * episode ends when none of its pods has shown the crash for `episodeQuietMs`.
 */
import { formatKey, groupOf, keyString, type Manifest, type ResourceKey } from '../core/index.ts';
import type { InventoryObject } from '../inventory/index.ts';
import type { KubeClient } from '../kube/index.ts';
import { containerCrashes, maskSecretValues, readCrashLog, summarize, type ContainerCrash, type CrashEvent, type CrashReport, type KubeEventRecorder, type Notifier, type ReleaseInfo } from '../notify/index.ts';
import { message } from './helpers.ts';
import { ListWatch } from './list-watch.ts';
import { silentLogger, type AgentLogger } from './logger.ts';
import { appId, type AppRef } from './types.ts';

export interface CrashWatcherOptions {
  /** A client for a kubeconfig context (an app's cluster). */
  clientFor(context: string | undefined): Promise<KubeClient>;
  notifier: Notifier;
  /** Records each crash as a Kubernetes Event on its Pod; default none. */
  events?: KubeEventRecorder;
  /** The release running in an app's environment, for the report; default none. */
  releaseInfo?: (ref: AppRef) => Promise<ReleaseInfo | undefined>;
  logger?: AgentLogger;
  /** Crash reports kept for `reports()`, newest first; default 50. */
  keepReports?: number;
  /** Log lines reported; default 20. */
  logLines?: number;
  /** A crash not seen for this long ends its episode (the next one is reported again); default 10 min. */
  episodeQuietMs?: number;
  /** First delay before relisting a failed watch; default 200 ms. */
  backoffMs?: number;
  /** Longest delay between two attempts; default 10 s. */
  maxBackoffMs?: number;
  now?: () => Date;
}

/** Kinds whose pods the watcher follows: an app applying one of them has its namespace watched. */
const workloadKinds = new Set(['Deployment', 'ReplicaSet', 'StatefulSet', 'DaemonSet', 'Job', 'CronJob', 'Pod']);
/** Owners read to climb from a pod to what the app applied (a Deployment's ReplicaSet, a CronJob's Job). */
const climbable = new Set(['ReplicaSet', 'Job']);

interface TrackedApp {
  ref: AppRef;
  cluster: string | undefined;
  /** `apiVersion|key` of every object, to tell a change. */
  signature: string;
  objects: readonly InventoryObject[];
}

interface PodWatch {
  loop: ListWatch;
  cluster: string | undefined;
}

interface OwnerRef {
  apiVersion: string;
  kind: string;
  name: string;
  uid: string;
  controller?: boolean;
}

export class CrashWatcher {
  private readonly log: AgentLogger;
  private readonly now: () => Date;
  private readonly quietMs: number;
  private readonly apps = new Map<string, TrackedApp>();
  /** The app that applied each object, by cluster and `Kind/namespace/name`. */
  private owners = new Map<string, AppRef>();
  private readonly watches = new Map<string, PodWatch>();
  /** Each owner's own controller (undefined for none), by uid: read once. */
  private readonly parents = new Map<string, Promise<OwnerRef | undefined>>();
  /** When each episode's crash was last seen, by `app|template|container|reason`. */
  private readonly episodes = new Map<string, number>();
  private readonly reports = new Set<Promise<void>>();
  /** The newest reports, newest first. */
  private readonly recent: CrashReport[] = [];
  private stopped = false;

  constructor(private readonly options: CrashWatcherOptions) {
    this.log = (options.logger ?? silentLogger).child({ component: 'crash-watcher' });
    this.now = options.now ?? (() => new Date());
    this.quietMs = options.episodeQuietMs ?? 10 * 60_000;
  }

  /** Sets (replaces) what an app applied, in its cluster; an empty list stops following it. */
  track(ref: AppRef, cluster: string | undefined, objects: readonly InventoryObject[]): void {
    if (this.stopped) return;
    const id = appId(ref);
    const signature = `${cluster ?? ''}\n${objects.map((o) => `${o.apiVersion}|${keyString(o.key)}`).sort().join('\n')}`;
    if (this.apps.get(id)?.signature === signature) return;
    if (objects.length === 0) this.apps.delete(id);
    else this.apps.set(id, { ref: { ...ref }, cluster, signature, objects: objects.map((o) => ({ apiVersion: o.apiVersion, key: { ...o.key } })) });
    this.rebuild();
  }

  /** The crashes reported since the watcher started, newest first (at most `keepReports`). */
  reported(): CrashReport[] {
    return structuredClone(this.recent);
  }

  /** Whether every pod watch has listed and is open (tests wait for it, not for time). */
  synced(): boolean {
    return [...this.watches.values()].every((w) => w.loop.synced);
  }

  /** The namespaces watched, as `cluster/namespace` (tests). */
  watched(): string[] {
    return [...this.watches.keys()].sort();
  }

  /** Stops every watch and waits for reports under way. */
  async stop(): Promise<void> {
    this.stopped = true;
    const loops = [...this.watches.values()].map((w) => w.loop.stop());
    this.watches.clear();
    await Promise.all(loops);
    while (this.reports.size > 0) await Promise.allSettled([...this.reports]);
  }

  /** Recomputes who owns what, and opens or stops pod watches to match. */
  private rebuild(): void {
    const owners = new Map<string, AppRef>();
    const wanted = new Map<string, { cluster: string | undefined; namespace: string }>();
    for (const app of this.apps.values()) {
      for (const o of app.objects) {
        owners.set(ownerKey(app.cluster, o.key), app.ref);
        if (workloadKinds.has(o.key.kind) && o.key.namespace) wanted.set(watchKey(app.cluster, o.key.namespace), { cluster: app.cluster, namespace: o.key.namespace });
      }
    }
    this.owners = owners;
    for (const [key, watch] of this.watches) {
      if (wanted.has(key)) continue;
      this.watches.delete(key);
      void watch.loop.stop();
    }
    for (const [key, { cluster, namespace }] of wanted) {
      if (this.watches.has(key)) continue;
      void this.openWatch(key, cluster, namespace);
    }
  }

  private async openWatch(key: string, cluster: string | undefined, namespace: string): Promise<void> {
    let client: KubeClient;
    try {
      client = await this.options.clientFor(cluster);
    } catch (error) {
      this.log.warn({ namespace, err: message(error) }, `pods in namespace ${namespace} cannot be watched for crashes: ${message(error)}`);
      return;
    }
    if (this.stopped || this.watches.has(key)) return;
    const loop = new ListWatch({
      client,
      apiVersion: 'v1',
      kind: 'Pod',
      namespace,
      subject: `the pods in namespace ${namespace}`,
      logger: this.log,
      backoffMs: this.options.backoffMs ?? 200,
      maxBackoffMs: this.options.maxBackoffMs ?? 10_000,
      onList: (pods) => {
        for (const pod of pods) this.observe(client, cluster, pod);
      },
      onEvent: (event) => {
        if (event.type !== 'DELETED') this.observe(client, cluster, event.object);
      },
    });
    this.watches.set(key, { loop, cluster });
    loop.start();
  }

  /** A pod as listed or changed: its crashes, each reported once per episode. */
  private observe(client: KubeClient, cluster: string | undefined, pod: Manifest): void {
    if (this.stopped) return;
    const crashes = containerCrashes(pod, this.now());
    if (crashes.length === 0) return;
    const run = this.reportCrashes(client, cluster, pod, crashes).catch((error: unknown) => {
      this.log.warn({ subject: `Pod/${pod.metadata.namespace}/${pod.metadata.name}`, err: message(error) }, `crash of Pod/${pod.metadata.namespace}/${pod.metadata.name} could not be reported: ${message(error)}`);
    });
    this.reports.add(run);
    void run.finally(() => this.reports.delete(run));
  }

  private async reportCrashes(client: KubeClient, cluster: string | undefined, pod: Manifest, crashes: ContainerCrash[]): Promise<void> {
    const ref = await this.appOf(client, cluster, pod);
    if (!ref || this.stopped) return;
    const now = this.now().getTime();
    for (const [key, seen] of this.episodes) if (now - seen >= this.quietMs) this.episodes.delete(key);
    const template = templateOf(pod);
    for (const crash of crashes) {
      // checked and set in one turn, so replicas crashing together make one report
      const episode = `${appId(ref)}|${template}|${crash.container}|${crash.reason}`;
      const known = this.episodes.has(episode);
      this.episodes.set(episode, now);
      if (!known) await this.report(client, cluster, ref, pod, crash);
    }
  }

  /** Reads the log lines, masks the app's Secret values, adds the release, and tells the notifier and the cluster. */
  private async report(client: KubeClient, cluster: string | undefined, ref: AppRef, pod: Manifest, crash: ContainerCrash): Promise<void> {
    const subject = `Pod/${pod.metadata.namespace}/${pod.metadata.name}`;
    const [read, secrets, release] = await Promise.all([
      readCrashLog(client, pod, crash, { lines: this.options.logLines ?? 20 }),
      this.secretsOf(client, ref),
      this.options.releaseInfo?.(ref).catch((error: unknown) => {
        this.log.warn({ app: ref.app, env: ref.env, err: message(error) }, `${appId(ref)}: the release running could not be read: ${message(error)}`);
        return undefined;
      }),
    ]);
    // a Secret that could not be read cannot be masked: then no line is sent at all
    const logLines = secrets ? maskSecretValues(read.lines, secrets) : [];
    const event: CrashEvent = { type: 'crash', app: ref.app, env: ref.env, namespace: pod.metadata.namespace ?? '', pod: pod.metadata.name, container: crash.container, reason: crash.reason, restartCount: crash.restartCount, logLines };
    if (crash.exitCode !== undefined) event.exitCode = crash.exitCode;
    if (crash.message) event.message = secrets ? maskSecretValues([crash.message], secrets)[0] : crash.message;
    if (release) event.release = release;
    if (this.stopped) return;
    this.keep(event);
    const why = !secrets ? ' (log lines left out: the app\'s Secrets could not be read to mask them)' : read.note ? ` (no log lines: ${read.note})` : '';
    this.log.warn({ app: ref.app, env: ref.env, subject, container: crash.container, reason: crash.reason, restarts: crash.restartCount }, `${summarize(event)}${why}`);
    this.options.notifier.notify(event);
    this.options.events?.recordCrash({ app: ref.app, env: ref.env, context: cluster, pod, container: crash.container, reason: crash.reason, restartCount: crash.restartCount, release });
  }

  private keep(event: CrashEvent): void {
    const { type: _type, time, ...fields } = event;
    this.recent.unshift({ ...structuredClone(fields), time: time ?? this.now().toISOString() });
    this.recent.splice(this.options.keepReports ?? 50);
  }

  /** The Secrets the app applied, as they are in the cluster; undefined when one cannot be read. */
  private async secretsOf(client: KubeClient, ref: AppRef): Promise<Manifest[] | undefined> {
    const keys = (this.apps.get(appId(ref))?.objects ?? []).filter((o) => o.key.kind === 'Secret' && o.key.group === '');
    try {
      const read = await Promise.all(keys.map((o) => client.get(o.apiVersion, o.key)));
      return read.filter((s): s is Manifest => s !== undefined);
    } catch (error) {
      this.log.warn({ app: ref.app, env: ref.env, err: message(error) }, `${appId(ref)}: its Secrets could not be read to mask crash logs: ${message(error)}`);
      return undefined;
    }
  }

  /** The app that applied the pod, or what controls it: its controller owner references climbed up to an object an app applied. */
  private async appOf(client: KubeClient, cluster: string | undefined, pod: Manifest): Promise<AppRef | undefined> {
    const namespace = pod.metadata.namespace ?? '';
    const lookup = (apiVersion: string, kind: string, name: string): AppRef | undefined => this.owners.get(ownerKey(cluster, { group: groupOf(apiVersion), kind, namespace, name }));
    let found = lookup('v1', 'Pod', pod.metadata.name);
    let owner = controllerOf(pod);
    for (let depth = 0; !found && owner && depth < 3; depth++) {
      found = lookup(owner.apiVersion, owner.kind, owner.name);
      if (found || !climbable.has(owner.kind)) break;
      owner = await this.parentOf(client, namespace, owner);
    }
    return found;
  }

  /** An owner's own controller (a ReplicaSet's Deployment, a Job's CronJob), read once per owner. */
  private parentOf(client: KubeClient, namespace: string, owner: OwnerRef): Promise<OwnerRef | undefined> {
    let parent = this.parents.get(owner.uid);
    if (!parent) {
      parent = client.get(owner.apiVersion, { group: groupOf(owner.apiVersion), kind: owner.kind, namespace, name: owner.name }).then((live) => (live && live.metadata.uid === owner.uid ? controllerOf(live) : undefined));
      this.parents.set(owner.uid, parent);
      // a failed read is tried again at the next crash
      parent.catch(() => this.parents.delete(owner.uid));
    }
    return parent;
  }
}

function ownerKey(cluster: string | undefined, key: ResourceKey): string {
  return `${cluster ?? ''}|${formatKey(key)}`;
}

function watchKey(cluster: string | undefined, namespace: string): string {
  return `${cluster ?? ''}/${namespace}`;
}

function controllerOf(object: Manifest): OwnerRef | undefined {
  const refs = object.metadata.ownerReferences;
  return Array.isArray(refs) ? (refs as OwnerRef[]).find((r) => r?.controller === true && typeof r.uid === 'string' && typeof r.name === 'string') : undefined;
}

/**
 * The pod template a pod was made from: its ReplicaSet (one per Deployment template), its
 * StatefulSet or DaemonSet and revision, its Job; the pod itself when nothing controls it.
 */
function templateOf(pod: Manifest): string {
  const owner = controllerOf(pod);
  if (!owner) return `Pod/${pod.metadata.name}`;
  const revision = pod.metadata.labels?.['controller-revision-hash'] ?? pod.metadata.labels?.['pod-template-hash'] ?? '';
  return `${owner.kind}/${owner.name}${revision ? `@${revision}` : ''}`;
}
