/**
 * Kubernetes Events (core/v1) for what capstan does, so `kubectl get events -A` and `kubectl
 * describe` show them beside Argo CD's and Flux's: each sync result on the app's inventory
 * (Normal `SyncSucceeded`, Warning `SyncFailed`, as Flux's ReconciliationSucceeded/Failed) and each
 * crash on its Pod (Warning `Crashed`). Written as client-go's recorder writes them: the Event in
 * the namespace of the object it is about, `source.component` and `reportingComponent` `capstan`,
 * and a repeat of the same event within ten minutes counted on the first one (`count`,
 * `lastTimestamp`) instead of written anew. Recording never blocks and never throws; a failure is
 * logged.
 */
import os from 'node:os';
import { groupOf, type Manifest } from '../core/index.ts';
import type { KubeClient } from '../kube/index.ts';
import { crashVerb, type CrashReason, type ReleaseInfo } from './events.ts';
import { silentNotifyLogger, type NotifyLogger } from './logger.ts';

/** The object an Event is about. */
export interface EventSubject {
  apiVersion: string;
  kind: string;
  namespace: string;
  name: string;
  uid?: string;
}

export interface KubeEventInput {
  /** The kubeconfig context of the cluster the object is in; undefined: the default one. */
  context?: string;
  regarding: EventSubject;
  type: 'Normal' | 'Warning';
  /** UpperCamelCase, short: `SyncSucceeded`. */
  reason: string;
  message: string;
  /** Extra data, as Flux puts the revision in `metadata.annotations`. */
  annotations?: Record<string, string>;
}

export interface KubeEventRecorderOptions {
  clientFor(context: string | undefined): Promise<KubeClient>;
  /** Namespace of the inventories (what sync events are about); default `capstan-system`. */
  inventoryNamespace?: string;
  /** `reportingInstance`: this process; default the host name. */
  instance?: string;
  logger?: NotifyLogger;
  now?: () => Date;
}

/** The sync result a `SyncSucceeded` / `SyncFailed` event tells. */
export interface SyncResultInput {
  app: string;
  env: string;
  context?: string;
  /** The inventory ConfigMap's name (`capstan.<app>.<env>`). */
  inventory: string;
  revision: string;
  result: 'Succeeded' | 'Failed';
  counts: Record<string, number>;
  message?: string;
}

/** The crash a `Crashed` event tells. */
export interface CrashInput {
  app: string;
  env: string;
  context?: string;
  pod: Manifest;
  container: string;
  reason: CrashReason;
  restartCount: number;
  release?: ReleaseInfo;
}

export const eventReasons = { syncSucceeded: 'SyncSucceeded', syncFailed: 'SyncFailed', crashed: 'Crashed' } as const;

/** A repeat of an event within this long is counted on the first one. */
const aggregateMs = 10 * 60_000;
/** Events remembered for counting repeats, at most. */
const maxRemembered = 1000;
/** What the API server keeps of a message (the events.k8s.io limit), at most. */
const maxMessage = 1024;

interface Recorded {
  name: string;
  namespace: string;
  count: number;
  first: string;
  lastAt: number;
}

export class KubeEventRecorder {
  private readonly log: NotifyLogger;
  private readonly now: () => Date;
  private readonly instance: string;
  readonly inventoryNamespace: string;
  private readonly recorded = new Map<string, Recorded>();
  private readonly uids = new Map<string, string>();
  private readonly pending = new Set<Promise<void>>();
  /** Writes of one object's events happen one after the other, so a repeat counts on the first. */
  private readonly chains = new Map<string, Promise<void>>();
  /** Tells apart the names of events written within one millisecond. */
  private sequence = 0;

  constructor(private readonly options: KubeEventRecorderOptions) {
    this.log = (options.logger ?? silentNotifyLogger).child({ component: 'events' });
    this.now = options.now ?? (() => new Date());
    this.instance = (options.instance ?? os.hostname()).slice(0, 128);
    this.inventoryNamespace = options.inventoryNamespace ?? 'capstan-system';
  }

  /** Records an event in the background. */
  record(input: KubeEventInput): void {
    const subject = `${input.regarding.kind}/${input.regarding.namespace}/${input.regarding.name}`;
    const chainKey = `${input.context ?? ''}|${subject}`;
    const previous = this.chains.get(chainKey) ?? Promise.resolve();
    const now = this.now();
    const run = previous.then(() => this.write(input, now)).catch((error: unknown) => {
      this.log.warn({ subject, reason: input.reason, err: firstLine(error) }, `event ${input.reason} on ${subject} could not be recorded: ${firstLine(error)}`);
    });
    this.chains.set(chainKey, run);
    this.pending.add(run);
    void run.finally(() => {
      this.pending.delete(run);
      if (this.chains.get(chainKey) === run) this.chains.delete(chainKey);
    });
  }

  /** `SyncSucceeded` (revision and counts) or `SyncFailed` (revision and the error's first line), on the app's inventory. */
  recordSync(input: SyncResultInput): void {
    const revision = input.revision.slice(0, 12);
    const ok = input.result === 'Succeeded';
    const message = ok ? `synced ${input.app} to ${revision}: ${countsText(input.counts)}` : `sync of ${input.app} to ${revision} failed: ${(input.message ?? 'no reason given').split('\n', 1)[0]}`;
    this.record({
      context: input.context,
      regarding: { apiVersion: 'v1', kind: 'ConfigMap', namespace: this.inventoryNamespace, name: input.inventory },
      type: ok ? 'Normal' : 'Warning',
      reason: ok ? eventReasons.syncSucceeded : eventReasons.syncFailed,
      message,
      annotations: { 'capstan.dev/app': input.app, 'capstan.dev/env': input.env, 'capstan.dev/revision': input.revision },
    });
  }

  /** `Crashed` on the Pod: the container, why, how often it restarted, and the release running. */
  recordCrash(input: CrashInput): void {
    const pod = input.pod;
    const release = input.release ? ` (artifact ${input.release.artifact}${input.release.author ? ` by ${input.release.author}` : ''})` : '';
    const annotations: Record<string, string> = { 'capstan.dev/app': input.app, 'capstan.dev/env': input.env };
    if (input.release) annotations['capstan.dev/artifact'] = input.release.artifact;
    this.record({
      context: input.context,
      regarding: { apiVersion: 'v1', kind: 'Pod', namespace: pod.metadata.namespace ?? '', name: pod.metadata.name, uid: typeof pod.metadata.uid === 'string' ? pod.metadata.uid : undefined },
      type: 'Warning',
      reason: eventReasons.crashed,
      message: `container ${input.container} of app ${input.app} ${crashVerb(input.reason)}, ${input.restartCount} restart${input.restartCount === 1 ? '' : 's'}${release}`,
      annotations,
    });
  }

  /** Resolves when every event recorded so far is written (or failed). */
  async idle(): Promise<void> {
    while (this.pending.size > 0) await Promise.allSettled([...this.pending]);
  }

  private async write(input: KubeEventInput, now: Date): Promise<void> {
    const client = await this.options.clientFor(input.context);
    const { regarding } = input;
    const at = now.toISOString().replace(/\.\d+Z$/, 'Z');
    const message = input.message.length > maxMessage ? `${input.message.slice(0, maxMessage - 1)}…` : input.message;
    const key = `${input.context ?? ''}|${regarding.kind}|${regarding.namespace}|${regarding.name}|${input.type}|${input.reason}|${message}`;
    const seen = this.recorded.get(key);
    const repeat = seen && now.getTime() - seen.lastAt < aggregateMs ? seen : undefined;
    const uid = regarding.uid ?? (await this.uidOf(client, input.context, regarding));
    const involvedObject: Record<string, string> = { apiVersion: regarding.apiVersion, kind: regarding.kind, namespace: regarding.namespace, name: regarding.name };
    if (uid) involvedObject.uid = uid;
    const name = repeat?.name ?? `${regarding.name.slice(0, 200)}.${(BigInt(now.getTime()) * 1_000_000n + BigInt(this.sequence++ % 1_000_000)).toString(16)}`;
    const event: Manifest = {
      apiVersion: 'v1',
      kind: 'Event',
      metadata: { name, namespace: regarding.namespace, ...(input.annotations ? { annotations: input.annotations } : {}) },
      involvedObject,
      type: input.type,
      reason: input.reason,
      message,
      source: { component: 'capstan', host: this.instance },
      reportingComponent: 'capstan',
      reportingInstance: this.instance,
      firstTimestamp: repeat?.first ?? at,
      lastTimestamp: at,
      count: (repeat?.count ?? 0) + 1,
    };
    await client.apply(event, { fieldManager: 'capstan-events', force: true });
    this.recorded.delete(key);
    this.recorded.set(key, { name, namespace: regarding.namespace, count: (repeat?.count ?? 0) + 1, first: repeat?.first ?? at, lastAt: now.getTime() });
    for (const old of this.recorded.keys()) {
      if (this.recorded.size <= maxRemembered) break;
      this.recorded.delete(old);
    }
  }

  /** The object's uid (so `kubectl describe` finds the event), read once; undefined when it cannot be read. */
  private async uidOf(client: KubeClient, context: string | undefined, regarding: EventSubject): Promise<string | undefined> {
    const id = `${context ?? ''}|${regarding.apiVersion}|${regarding.kind}|${regarding.namespace}|${regarding.name}`;
    const known = this.uids.get(id);
    if (known) return known;
    try {
      const object = await client.get(regarding.apiVersion, { group: groupOf(regarding.apiVersion), kind: regarding.kind, namespace: regarding.namespace, name: regarding.name });
      const uid = typeof object?.metadata.uid === 'string' ? object.metadata.uid : undefined;
      if (uid) this.uids.set(id, uid);
      return uid;
    } catch {
      return undefined;
    }
  }
}

/** `2 created, 1 configured, 0 deleted` (the counts that are not zero; `nothing changed` when none). */
export function countsText(counts: Record<string, number>): string {
  const order = ['created', 'configured', 'deleted', 'failed', 'skipped'];
  const parts = order.filter((k) => (counts[k] ?? 0) > 0).map((k) => `${counts[k]} ${k}`);
  const unchanged = counts.unchanged ?? 0;
  if (parts.length === 0) return unchanged > 0 ? `nothing changed (${unchanged} unchanged)` : 'nothing changed';
  return unchanged > 0 ? `${parts.join(', ')}, ${unchanged} unchanged` : parts.join(', ');
}

function firstLine(error: unknown): string {
  const text = error instanceof Error ? error.message : String(error);
  return text.split('\n', 1)[0];
}
