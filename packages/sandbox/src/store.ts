import { Journal, type JournalState } from './journal.ts';
import type { KubeObject } from './types.ts';

export type WatchEventType = 'ADDED' | 'MODIFIED' | 'DELETED';

export interface StoreEvent {
  type: WatchEventType;
  resource: string; // resource id, e.g. `deployments.apps`
  namespace: string;
  object: KubeObject;
  /** The object before this event, for MODIFIED and DELETED (lets a filtered watch see objects leave its selector). */
  previous?: KubeObject;
  resourceVersion: number;
  /** Set on the event that takes back a write the data file refused (the object is as the file holds it again). */
  rollback?: true;
}

export type StoreListener = (event: StoreEvent) => void;

export interface StoreOptions {
  /** How many past events a watch may resume from; older resourceVersions get 410 Gone. */
  historySize?: number;
}

export function objectKey(namespace: string | undefined, name: string): string {
  return namespace ? `${namespace}/${name}` : name;
}

/**
 * Objects by resource, the resourceVersion clock and the event history that watches replay.
 * Stored objects are never mutated: every write stores a new object, so a reader may hold one freely.
 */
export class Store {
  private buckets = new Map<string, Map<string, KubeObject>>();
  private history: StoreEvent[] = [];
  private listeners = new Set<StoreListener>();
  private byOwner = new Map<string, Set<string>>(); // owner uid -> `${resource}\u0000${key}`
  private readonly historySize: number;
  private rv = 0;
  /** Highest resourceVersion no longer in the history (a watch from at or before it is too old). */
  private compactedRv = 0;
  private writesSinceCompaction = 0;
  private compacting: Promise<void> | undefined;

  constructor(
    private readonly journal?: Journal,
    initial?: JournalState,
    options: StoreOptions = {},
  ) {
    this.historySize = options.historySize ?? 10_000;
    if (initial) {
      this.buckets = initial.objects;
      this.rv = initial.resourceVersion;
      this.compactedRv = this.rv;
      for (const [resource, bucket] of this.buckets) {
        for (const [key, object] of bucket) this.indexOwners(resource, key, object, true);
      }
    }
  }

  get resourceVersion(): number {
    return this.rv;
  }

  get oldestResumableVersion(): number {
    return this.compactedRv;
  }

  get(resource: string, namespace: string | undefined, name: string): KubeObject | undefined {
    return this.buckets.get(resource)?.get(objectKey(namespace, name));
  }

  /**
   * Objects of a resource (optionally of one namespace), sorted by namespace then name. Controllers
   * list the same resource many times between two writes to it (every pod event lists the
   * namespace's Services), so sorted lists are kept until the resource is written.
   */
  list(resource: string, namespace?: string): KubeObject[] {
    let lists = this.sortedLists.get(resource);
    const cached = lists?.get(namespace);
    if (cached) return cached.slice();
    const bucket = this.buckets.get(resource);
    if (!bucket) return [];
    let out: KubeObject[];
    const all = namespace === undefined ? undefined : lists?.get(undefined);
    if (all) out = all.filter((object) => object.metadata.namespace === namespace);
    else {
      out = [];
      for (const object of bucket.values()) {
        if (namespace === undefined || object.metadata.namespace === namespace) out.push(object);
      }
      out.sort(compareObjects);
    }
    if (!lists) this.sortedLists.set(resource, (lists = new Map()));
    lists.set(namespace, out);
    return out.slice();
  }

  /** Sorted lists by resource, then namespace (undefined: every namespace); dropped when the resource is written. */
  private readonly sortedLists = new Map<string, Map<string | undefined, KubeObject[]>>();

  resources(): string[] {
    return [...this.buckets.keys()];
  }

  /** Keys (`resource\0namespace/name`) of objects whose ownerReferences name this uid. */
  dependentsOf(uid: string): { resource: string; key: string }[] {
    const refs = this.byOwner.get(uid);
    if (!refs) return [];
    return [...refs].map((ref) => {
      const cut = ref.indexOf('\u0000');
      return { resource: ref.slice(0, cut), key: ref.slice(cut + 1) };
    });
  }

  getByKey(resource: string, key: string): KubeObject | undefined {
    return this.buckets.get(resource)?.get(key);
  }

  nextResourceVersion(): number {
    return this.rv + 1;
  }

  /**
   * Stores an object (its metadata.resourceVersion already set by the caller to `nextResourceVersion()`).
   * Throws, having changed nothing, when the object cannot be written to the data file; the promise
   * rejects when the data file refuses it, once the object has been taken back out of memory.
   */
  put(resource: string, object: KubeObject): Promise<void> {
    const key = objectKey(object.metadata.namespace, object.metadata.name as string);
    const rv = Number(object.metadata.resourceVersion);
    const line = this.encode({ t: 'put', r: resource, k: key, o: object, v: rv });
    const previous = this.buckets.get(resource)?.get(key);
    this.set(resource, key, object);
    this.rv = rv;
    const durable = this.persist(line, () => this.takeBack(resource, key, object, previous));
    this.emit({ type: previous ? 'MODIFIED' : 'ADDED', resource, namespace: object.metadata.namespace ?? '', object, previous, resourceVersion: rv });
    return durable;
  }

  /** Removes an object; `finalObject` is what watchers see in the DELETED event (with a fresh resourceVersion). */
  remove(resource: string, finalObject: KubeObject): Promise<void> {
    const key = objectKey(finalObject.metadata.namespace, finalObject.metadata.name as string);
    const previous = this.buckets.get(resource)?.get(key);
    if (!previous) return Promise.resolve();
    const rv = Number(finalObject.metadata.resourceVersion);
    const line = this.encode({ t: 'del', r: resource, k: key, v: rv });
    this.set(resource, key, undefined);
    this.rv = rv;
    const durable = this.persist(line, () => this.takeBack(resource, key, undefined, previous));
    this.emit({ type: 'DELETED', resource, namespace: finalObject.metadata.namespace ?? '', object: finalObject, previous, resourceVersion: rv });
    return durable;
  }

  /** The journal line of a write, made before memory changes: a write that cannot be recorded is not made. */
  private encode(record: Parameters<typeof Journal.encode>[0]): string | undefined {
    if (!this.journal) return undefined;
    if (this.journal.broken) throw this.journal.broken;
    return Journal.encode(record);
  }

  /** Puts `object` under `key` (undefined removes it), keeping the owner index and the sorted lists right. */
  private set(resource: string, key: string, object: KubeObject | undefined): void {
    let bucket = this.buckets.get(resource);
    if (!bucket) {
      if (!object) return;
      bucket = new Map();
      this.buckets.set(resource, bucket);
    }
    const previous = bucket.get(key);
    if (previous) this.indexOwners(resource, key, previous, false);
    if (object) {
      bucket.set(key, object);
      this.indexOwners(resource, key, object, true);
    } else {
      bucket.delete(key);
    }
    this.sortedLists.delete(resource);
  }

  /**
   * Undoes a write the data file refused: memory goes back to what the file holds. The journal
   * undoes a failed batch newest first and all at once; watchers and controllers then see each
   * object return to that state, as new events, once every undo is done (never a state half undone).
   */
  private takeBack(resource: string, key: string, written: KubeObject | undefined, previous: KubeObject | undefined): void {
    if (this.buckets.get(resource)?.get(key) !== written) return;
    this.set(resource, key, previous);
    const rv = ++this.rv;
    let event: StoreEvent | undefined;
    if (previous) {
      event = { type: written ? 'MODIFIED' : 'ADDED', resource, namespace: previous.metadata.namespace ?? '', object: previous, previous: written, resourceVersion: rv, rollback: true };
    } else if (written) {
      const gone = { ...written, metadata: { ...written.metadata, resourceVersion: String(rv) } };
      event = { type: 'DELETED', resource, namespace: written.metadata.namespace ?? '', object: gone, previous: written, resourceVersion: rv, rollback: true };
    }
    if (!event) return;
    if (this.takenBack.length === 0) {
      queueMicrotask(() => {
        const events = this.takenBack;
        this.takenBack = [];
        for (const e of events) this.emit(e);
      });
    }
    this.takenBack.push(event);
  }

  private takenBack: StoreEvent[] = [];

  /** Events after `resourceVersion`, or undefined when that version has left the history. */
  eventsSince(resourceVersion: number): StoreEvent[] | undefined {
    if (resourceVersion < this.compactedRv) return undefined;
    // history is sorted by resourceVersion: binary search for the first newer event
    let lo = 0;
    let hi = this.history.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (this.history[mid].resourceVersion <= resourceVersion) lo = mid + 1;
      else hi = mid;
    }
    return this.history.slice(lo);
  }

  subscribe(listener: StoreListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Records the event for watches to resume from and tells every listener; a listener that throws does not stop the others. */
  private emit(event: StoreEvent): void {
    this.history.push(event);
    if (this.history.length > this.historySize * 2) {
      const drop = this.history.length - this.historySize;
      this.compactedRv = this.history[drop - 1].resourceVersion;
      this.history = this.history.slice(drop);
    }
    for (const listener of this.listeners) {
      try {
        listener(event);
      } catch {
        // a listener's failure is its own (a watch whose client went away, say): the write stands
      }
    }
  }

  private indexOwners(resource: string, key: string, object: KubeObject, add: boolean): void {
    const owners = object.metadata.ownerReferences;
    if (!owners) return;
    const ref = `${resource}\u0000${key}`;
    for (const owner of owners) {
      let set = this.byOwner.get(owner.uid);
      if (add) {
        if (!set) this.byOwner.set(owner.uid, (set = new Set()));
        set.add(ref);
      } else if (set) {
        set.delete(ref);
        if (set.size === 0) this.byOwner.delete(owner.uid);
      }
    }
  }

  private persist(line: string | undefined, undo: () => void): Promise<void> {
    if (!this.journal || line === undefined) return Promise.resolve();
    const done = this.journal.append(line, undo);
    this.writesSinceCompaction++;
    const live = this.countObjects();
    if (!this.compacting && this.writesSinceCompaction > 1000 && this.journal.recordCount > 2 * live + 1000) {
      this.writesSinceCompaction = 0;
      this.compacting = this.journal
        .compact(() => ({ objects: this.buckets, resourceVersion: this.rv }))
        .catch(() => undefined) // the journal stays as it was; a later write tries again
        .finally(() => (this.compacting = undefined));
    }
    return done;
  }

  private countObjects(): number {
    let n = 0;
    for (const bucket of this.buckets.values()) n += bucket.size;
    return n;
  }

  async close(): Promise<void> {
    await this.compacting;
    await this.journal?.close();
  }
}

function compareObjects(a: KubeObject, b: KubeObject): number {
  const na = a.metadata.namespace ?? '';
  const nb = b.metadata.namespace ?? '';
  if (na !== nb) return na < nb ? -1 : 1;
  const ma = a.metadata.name ?? '';
  const mb = b.metadata.name ?? '';
  return ma < mb ? -1 : ma > mb ? 1 : 0;
}
