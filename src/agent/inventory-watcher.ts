/**
 * The inventory watcher: one list+watch of the inventories (`capstan-system/capstan.<app>.<env>`),
 * so the agent sees what other capstan processes did to its apps (an apply of another commit from
 * CI, a rollback or a delete from a laptop) within seconds, instead of at its next check.
 */
import { defaultInventoryNamespace, inventoryFromConfigMap, inventorySelector } from '../engine/index.ts';
import type { Inventory } from '../inventory/index.ts';
import type { KubeClient } from '../kube/index.ts';
import type { Manifest } from '../core/index.ts';
import { ListWatch } from './list-watch.ts';
import type { AgentLogger } from './logger.ts';

export interface InventoryWatcherApi {
  start(): void;
  stop(): Promise<void>;
}

export interface InventoryWatcherOptions {
  client: KubeClient;
  /** Called with every inventory that is new or changed since it was last seen (each one on the first list). */
  onChange(inventory: Inventory): void;
  /** Namespace of the inventories; default `capstan-system`. */
  namespace?: string;
  logger?: AgentLogger;
  /** First delay before relisting a failed watch; doubles per consecutive failure. Default 200 ms. */
  backoffMs?: number;
  /** Longest delay between two attempts. Default 10 s. */
  maxBackoffMs?: number;
}

export class InventoryWatcher implements InventoryWatcherApi {
  private readonly loop: ListWatch;
  /** The resourceVersion last seen of each inventory, by ConfigMap name. */
  private readonly seen = new Map<string, string>();

  constructor(private readonly options: InventoryWatcherOptions) {
    const namespace = options.namespace ?? defaultInventoryNamespace;
    this.loop = new ListWatch({
      client: options.client,
      apiVersion: 'v1',
      kind: 'ConfigMap',
      namespace,
      labelSelector: inventorySelector,
      subject: `the inventories in namespace ${namespace}`,
      logger: options.logger,
      backoffMs: options.backoffMs ?? 200,
      maxBackoffMs: options.maxBackoffMs ?? 10_000,
      onList: (items) => {
        for (const item of items) this.observe(item);
      },
      onEvent: (event) => {
        if (event.type === 'DELETED') this.seen.delete(event.object.metadata.name);
        else this.observe(event.object);
      },
    });
  }

  start(): void {
    this.loop.start();
  }

  /** Whether the inventories were listed and the watch is open (tests wait for it). */
  synced(): boolean {
    return this.loop.synced;
  }

  stop(): Promise<void> {
    return this.loop.stop();
  }

  private observe(configMap: Manifest): void {
    const name = configMap.metadata.name;
    const version = String(configMap.metadata.resourceVersion ?? '');
    if (this.seen.get(name) === version) return;
    this.seen.set(name, version);
    let inventory: Inventory;
    try {
      inventory = inventoryFromConfigMap(configMap);
    } catch (error) {
      this.options.logger?.warn({ subject: `ConfigMap/${configMap.metadata.namespace}/${name}` }, (error as Error).message);
      return;
    }
    this.options.onChange(inventory);
  }
}
