import { ValidationError, keyString, labels, type Manifest } from '../core/index.ts';
import { ModifiedError, type KubeClient } from '../kube/index.ts';
import type { HistoryEntry, Inventory, InventoryObject } from './types.ts';

export interface InventoryStoreOptions {
  /** Namespace holding the inventories; created on first write. Default `capstan-system`. */
  namespace?: string;
  /** Sync records kept per app and environment; default 20. */
  historyLimit?: number;
  /** Field manager of inventory writes; default `capstan`. */
  fieldManager?: string;
}

export const defaultInventoryNamespace = 'capstan-system';
const dataKey = 'inventory.json';
const inventoryLabel = 'capstan.dev/inventory';

/**
 * Inventories live in the cluster, one ConfigMap per app and environment
 * (`capstan-system/capstan.<app>.<env>`), so push mode needs no server and the agent keeps no state
 * of its own: the objects applied at the last successful sync (what prune compares with) and the
 * history of recent syncs (what rollback re-applies).
 */
export class InventoryStore {
  readonly namespace: string;
  private readonly historyLimit: number;
  private readonly fieldManager: string;
  private namespaceReady = false;

  constructor(
    private readonly client: KubeClient,
    options: InventoryStoreOptions = {},
  ) {
    this.namespace = options.namespace ?? defaultInventoryNamespace;
    this.historyLimit = Math.max(1, options.historyLimit ?? 20);
    this.fieldManager = options.fieldManager ?? 'capstan';
  }

  /** The stored inventory, or an empty one when the app was never synced to this environment. */
  async read(app: string, env: string): Promise<Inventory> {
    const live = await this.client.get('v1', { group: '', kind: 'ConfigMap', namespace: this.namespace, name: configMapName(app, env) });
    if (!live) return { app, env, revision: '', objects: [], history: [] };
    return parseInventory(live, app, env);
  }

  /** Every stored inventory (for `capstan status`), sorted by app then environment. */
  async list(): Promise<Inventory[]> {
    const { items } = await this.client.list('v1', 'ConfigMap', { namespace: this.namespace, labelSelector: inventorySelector });
    const inventories = items.map((item) => parseInventory(item, item.metadata.labels?.[labels.app] ?? '', item.metadata.labels?.[labels.env] ?? ''));
    return inventories.sort((a, b) => a.app.localeCompare(b.app) || a.env.localeCompare(b.env));
  }

  /**
   * Records a sync: appends `entry` (its id is assigned here) to the history, replaces the object
   * list when `objects` is given (a failed sync passes what is on the cluster now, so nothing it
   * created is forgotten), and moves the revision when the sync succeeded. A successful sync that
   * gives its objects settles the pending ones (see `recordPending`); otherwise those not listed
   * now stay pending. Written on the version read (`previous.resourceVersion`): when another
   * process wrote the inventory meanwhile, the entry is appended to what it wrote instead, so no
   * history entry is ever lost. Returns the inventory as stored.
   */
  async record(previous: Inventory, entry: Omit<HistoryEntry, 'id'>, objects?: InventoryObject[]): Promise<Inventory> {
    return this.update(previous, (base) => {
      const id = (base.history.at(-1)?.id ?? 0) + 1;
      const listed = objects ? sortObjects(objects) : base.objects;
      const settled = entry.result === 'Succeeded' && objects !== undefined;
      const pending = settled ? [] : without(base.pending ?? [], listed);
      const next: Inventory = {
        ...base,
        revision: entry.result === 'Succeeded' ? entry.revision : base.revision,
        objects: listed,
        history: [...base.history, { ...entry, id }].slice(-this.historyLimit),
      };
      if (pending.length > 0) next.pending = pending;
      else delete next.pending;
      return next;
    });
  }

  /**
   * Records, before a sync creates anything, the objects it is about to own that the inventory
   * does not list yet (written ahead): a sync killed at any point leaves them pending, and the
   * next sync of any revision prunes those it does not render. Returns the inventory as stored.
   */
  async recordPending(previous: Inventory, objects: InventoryObject[], options: { strict?: boolean } = {}): Promise<Inventory> {
    const change = (base: Inventory): Inventory => {
      const pending = sortObjects([...(base.pending ?? []), ...without(objects, base.objects)]);
      const next: Inventory = { ...base, pending };
      if (pending.length === 0) delete next.pending;
      return next;
    };
    if (!options.strict) return this.update(previous, change);
    // strict: written only on the version read (created only when it was not there): another
    // process's write in between is the caller's ModifiedError or AlreadyExistsError
    const next = change(previous);
    return { ...next, resourceVersion: await this.write(next, { create: previous.resourceVersion === undefined }) };
  }

  /** Removes an app's inventory (after `capstan delete`). */
  async remove(app: string, env: string): Promise<void> {
    await this.client.delete('v1', { group: '', kind: 'ConfigMap', namespace: this.namespace, name: configMapName(app, env) });
  }

  /** Writes `change(previous)`, conditioned on previous's version; on a conflict, `change` of what is stored now. */
  private async update(previous: Inventory, change: (base: Inventory) => Inventory): Promise<Inventory> {
    let base = previous;
    for (let attempt = 0; ; attempt++) {
      const next = change(base);
      try {
        return { ...next, resourceVersion: await this.write(next) };
      } catch (error) {
        if (!(error instanceof ModifiedError) || attempt >= 4) throw error;
        base = await this.read(previous.app, previous.env);
      }
    }
  }

  private async write(inventory: Inventory, options: { create?: boolean } = {}): Promise<string | undefined> {
    await this.ensureNamespace();
    const { resourceVersion, ...stored } = inventory;
    const manifest: Manifest = {
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: {
        name: configMapName(inventory.app, inventory.env),
        namespace: this.namespace,
        labels: { [inventoryLabel]: 'true', [labels.app]: inventory.app, [labels.env]: inventory.env },
        // the version read: another process's write in between is a conflict, not a loss
        ...(resourceVersion ? { resourceVersion } : {}),
      },
      data: { [dataKey]: JSON.stringify(stored) },
    };
    const written = options.create ? await this.client.create(manifest, { fieldManager: this.fieldManager }) : await this.client.apply(manifest, { fieldManager: this.fieldManager, force: true });
    return typeof written.metadata.resourceVersion === 'string' ? written.metadata.resourceVersion : undefined;
  }

  private async ensureNamespace(): Promise<void> {
    if (this.namespaceReady) return;
    const key = { group: '', kind: 'Namespace', namespace: '', name: this.namespace };
    if (!(await this.client.get('v1', key))) {
      await this.client.apply({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: this.namespace } }, { fieldManager: this.fieldManager });
    }
    this.namespaceReady = true;
  }
}

/** `capstan.<app>.<env>`: app and environment names are DNS labels, so this is a valid, unique name. */
export function configMapName(app: string, env: string): string {
  return `capstan.${app}.${env}`;
}

/** The label selector of every inventory ConfigMap, for a list or a watch of them. */
export const inventorySelector = `${inventoryLabel}=true`;

/** The inventory a ConfigMap of the inventory namespace holds (as read by a list or a watch). */
export function inventoryFromConfigMap(configMap: Manifest): Inventory {
  return parseInventory(configMap, configMap.metadata.labels?.[labels.app] ?? '', configMap.metadata.labels?.[labels.env] ?? '');
}

function parseInventory(configMap: Manifest, app: string, env: string): Inventory {
  const data = (configMap.data as Record<string, string> | undefined)?.[dataKey];
  const subject = `ConfigMap/${configMap.metadata.namespace}/${configMap.metadata.name}`;
  if (data === undefined) throw new ValidationError(`is not a capstan inventory (no ${dataKey}); delete it or restore it from a backup`, { subject });
  try {
    const parsed = JSON.parse(data) as Inventory;
    const inventory: Inventory = { app: parsed.app ?? app, env: parsed.env ?? env, revision: parsed.revision ?? '', objects: parsed.objects ?? [], history: parsed.history ?? [] };
    if (parsed.pending && parsed.pending.length > 0) inventory.pending = parsed.pending;
    if (typeof configMap.metadata.resourceVersion === 'string') inventory.resourceVersion = configMap.metadata.resourceVersion;
    return inventory;
  } catch (cause) {
    throw new ValidationError(`holds an inventory that is not valid JSON; delete it to start afresh (the next sync rebuilds it, but will not prune what it forgot)`, { subject, cause });
  }
}

/** The objects of `objects` that `listed` does not hold. */
function without(objects: readonly InventoryObject[], listed: readonly InventoryObject[]): InventoryObject[] {
  const keys = new Set(listed.map((o) => keyString(o.key)));
  return objects.filter((o) => !keys.has(keyString(o.key)));
}

function sortObjects(objects: InventoryObject[]): InventoryObject[] {
  const unique = new Map(objects.map((o) => [keyString(o.key), o]));
  return [...unique.values()].sort((a, b) => keyString(a.key).localeCompare(keyString(b.key)));
}
