import type { Manifest, ResourceKey } from '../core/index.ts';

/**
 * The contract between capstan and a Kubernetes API server. `kube/` is the only module that
 * talks to a cluster; everything else (apply, inventory, engine, agent) is written against this
 * interface, so tests and real clusters go through the same code.
 */

/** What discovery says about one kind: how to address it and whether it lives in a namespace. */
export interface ResourceInfo {
  group: string;
  version: string;
  kind: string;
  /** Plural resource name used in URLs (`deployments`). */
  resource: string;
  namespaced: boolean;
  verbs: string[];
  /** Subresources served for this resource (`status`, `scale`). */
  subresources: string[];
}

export interface ServerVersion {
  major: number;
  minor: number;
  gitVersion: string;
}

export interface ApplyOptions {
  /** Field manager of the server-side apply; default `capstan`. */
  fieldManager?: string;
  /** Take ownership of fields another manager owns (`force=true`). */
  force?: boolean;
  /** `dryRun=All`: validated and defaulted by the server, nothing persisted. */
  dryRun?: boolean;
}

export type PropagationPolicy = 'Background' | 'Foreground' | 'Orphan';

export interface DeleteOptions {
  propagationPolicy?: PropagationPolicy;
  dryRun?: boolean;
  /** Delete only this version of the object: a `ModifiedError` when it changed since it was read. */
  resourceVersion?: string;
}

export interface ListOptions {
  /** Limit to a namespace; omitted lists across all namespaces (or a cluster-scoped kind). */
  namespace?: string;
  labelSelector?: string;
  fieldSelector?: string;
  /** Page size (`limit`) of a list; the client's default (500) when omitted. Every page is read. */
  limit?: number;
}

export type WatchEventType = 'ADDED' | 'MODIFIED' | 'DELETED' | 'BOOKMARK';

export interface WatchEvent {
  type: WatchEventType;
  object: Manifest;
}

export interface WatchOptions extends ListOptions {
  /** Start after this resourceVersion (from a list); omitted starts with the current state. */
  resourceVersion?: string;
  /** Ask the server to end the watch after this many seconds (`done` then resolves). */
  timeoutSeconds?: number;
}

export interface WatchHandle {
  /** Stops the watch; the `done` promise then resolves. */
  stop(): void;
  /**
   * Settles when the watch ends: resolves when stopped or closed by the server; rejects with the
   * capstan error when it failed (an `ExpiredError` for 410 Gone: relist, then watch again).
   */
  done: Promise<void>;
  /** The resourceVersion of the last event (bookmarks included), to resume from. */
  readonly lastResourceVersion?: string;
}

/** Which log of a pod, and how much of it (`kubectl logs` flags). */
export interface LogOptions {
  /** The container; required by the server when the pod has several. */
  container?: string;
  /** Keep the request open and receive lines as the container writes them. */
  follow?: boolean;
  /** Only lines newer than this. */
  sinceSeconds?: number;
  /** Only the last lines. */
  tailLines?: number;
  /** The log of the container's previous run (the one that crashed); the server refuses it when no run ended. */
  previous?: boolean;
}

/** A pod's log being read, line by line. */
export interface LogStream {
  /** Stops reading; `done` then resolves. */
  stop(): void;
  /**
   * Settles when the log ends: resolves when the server ended it (all of it was sent, or with
   * `follow` the container stopped) or when stopped; rejects with the capstan error of a failure.
   */
  done: Promise<void>;
}

/** The result of a list: its objects and the collection's resourceVersion (to watch from). */
export interface ListResult {
  items: Manifest[];
  resourceVersion: string;
}

/**
 * A client for one cluster (one kubeconfig context). Every method retries transient failures
 * (429, 5xx, timeouts, reset connections) with backoff, and throws capstan errors from core:
 * `ValidationError` (400/422, with the server's field causes in the message), `ConflictError`
 * (409, for apply conflicts naming each field and the manager that owns it), `NotFoundError`
 * (unknown kind or absent object where one was required), `TransientError` (retries ran out),
 * all with the object as subject (`Deployment/web/api apply failed: …`).
 */
export interface KubeClient {
  /** The server's version (cached after the first call). */
  serverVersion(): Promise<ServerVersion>;
  /**
   * The discovery entry of a kind, or undefined when the server does not serve it. A miss
   * refreshes discovery once (a CRD may just have been established) before answering.
   */
  resourceFor(apiVersion: string, kind: string): Promise<ResourceInfo | undefined>;
  /** Every kind the server serves (preferred and other versions), from one discovery pass. */
  resources(): Promise<ResourceInfo[]>;
  /** Forgets cached discovery and the server version, e.g. after CRDs were applied. */
  invalidateDiscovery(): void;
  /**
   * Creates an object (POST); an object of that name already there is an `AlreadyExistsError`.
   * For objects that must be created exactly once (a lock); everything else is applied.
   */
  create(manifest: Manifest, options?: { fieldManager?: string }): Promise<Manifest>;
  /**
   * Server-side apply of one object; returns the object as the server answered it. A
   * `metadata.resourceVersion` in the manifest is a precondition: a `ModifiedError` when the
   * object changed since.
   */
  apply(manifest: Manifest, options?: ApplyOptions): Promise<Manifest>;
  /**
   * `kubectl replace` (Argo CD's `Replace=true`): the object exactly as given, by an update (PUT;
   * a `metadata.resourceVersion` in it is a precondition), or created (POST) when it does not
   * exist; returns the object as the server answered it.
   */
  replace(manifest: Manifest, options?: { fieldManager?: string; dryRun?: boolean }): Promise<Manifest>;
  /** The live object, or undefined when it does not exist. */
  get(apiVersion: string, key: ResourceKey): Promise<Manifest | undefined>;
  list(apiVersion: string, kind: string, options?: ListOptions): Promise<ListResult>;
  /** Deletes an object; returns false when it was already gone. */
  delete(apiVersion: string, key: ResourceKey, options?: DeleteOptions): Promise<boolean>;
  /** Watches a kind; `onEvent` is called for every event until the handle is stopped. */
  watch(apiVersion: string, kind: string, options: WatchOptions, onEvent: (event: WatchEvent) => void): Promise<WatchHandle>;
  /**
   * Calls `listener` with the server's answer to every apply this client sent that was not a
   * dry-run (what this process wrote, as stored) and the field manager it applied as; returns a
   * function that stops it. Optional: a client that does not offer it leaves its watchers to judge
   * writes by managedFields alone.
   */
  onApplied?(listener: (object: Manifest, how: { fieldManager: string }) => void): () => void;
  /**
   * Reads a pod's log (`GET …/pods/<name>/log`), calling `onLine` for every line (without its
   * newline); with `follow` until the container stops or the stream is stopped. Never retried.
   * Optional: a client that does not offer it has no logs to show (crash reports go without them).
   */
  logs?(namespace: string, pod: string, options: LogOptions, onLine: (line: string) => void): Promise<LogStream>;
  /** Closes pooled connections so the process can exit. */
  close(): void;
}
