import { keyOf, keyString, type Change, type IgnoreRule, type Manifest } from '../core/index.ts';
import type { DiffResult } from '../diff/index.ts';
import { summarizeHealth, type HealthOptions, type HealthSummary } from '../health/index.ts';
import type { KubeClient, ResourceInfo } from '../kube/index.ts';
import { isHook, type Plan, type PlanPhase, type PruneTarget } from '../plan/index.ts';
import { heldCrdLookup } from './crd-lookup.ts';
import { failureDetail, type ObjectFailure } from './errors.ts';
import { liveOwner, ownerValue, patchesExisting, stampOwner, withoutPatchMarker, type Owner } from './stamp.ts';
import type { ApplyPlanOptions, ApplyProgressEvent, ApplyResult, ObjectRef, PlanItem } from './types.ts';

/** The options of applyPlan with every default filled in. */
export interface ResolvedOptions {
  owner: Owner;
  fieldManager: string;
  force: boolean;
  prune: readonly PruneTarget[];
  concurrency: number;
  waitTimeoutMs: number;
  wait: boolean;
  pollIntervalMs: number;
  degradedGraceMs: number;
  healthOptions: HealthOptions;
  ignore: readonly IgnoreRule[];
  dryRunOnly: boolean;
  hooks: 'on-change' | 'always';
  allowEmpty: boolean;
  skipDryRunWhenInSync: boolean;
  protectedNamespaces: ReadonlySet<string>;
  signal?: AbortSignal;
}

/** Namespaces no cluster lets anyone delete; capstan never deletes them either. */
export const systemNamespaces: readonly string[] = ['default', 'kube-system', 'kube-public', 'kube-node-lease'];

export function resolveOptions(options: ApplyPlanOptions): ResolvedOptions {
  const pollIntervalMs = options.pollIntervalMs ?? 1000;
  return {
    owner: options.owner,
    fieldManager: options.fieldManager ?? 'capstan',
    force: options.force ?? false,
    prune: options.prune ?? [],
    concurrency: Math.max(1, options.concurrency ?? 64),
    waitTimeoutMs: options.waitTimeoutMs ?? 5 * 60_000,
    wait: options.wait ?? true,
    pollIntervalMs,
    degradedGraceMs: options.degradedGraceMs ?? 3 * pollIntervalMs,
    healthOptions: options.healthOptions ?? {},
    ignore: options.ignore ?? [],
    dryRunOnly: options.dryRunOnly ?? false,
    hooks: options.hooks ?? 'on-change',
    allowEmpty: options.allowEmpty ?? false,
    skipDryRunWhenInSync: options.skipDryRunWhenInSync ?? true,
    protectedNamespaces: new Set([...systemNamespaces, ...(options.protectedNamespaces ?? [])]),
    signal: options.signal,
  };
}

/** The state of one applyPlan call: its items, what happened so far, and the cluster's answers. */
export class Run {
  readonly options: ResolvedOptions;
  readonly owner: string;
  /** Every object of the plan, stamped, in plan order. */
  readonly items: PlanItem[] = [];
  readonly byId = new Map<string, PlanItem>();
  /** The items of each step, by stage index and step index. */
  readonly steps: PlanItem[][][] = [];
  readonly changes: Change[] = [];
  readonly diffs: DiffResult[] = [];
  /** The last state read of each object, for the final health summary. */
  readonly latest = new Map<string, Manifest | undefined>();
  /**
   * Objects whose state this sync already holds from the server since its last write: the answer
   * to its apply, or the live copy read before the sync when it was not written. The first health
   * poll of a stage takes these instead of reading them again, so a ConfigMap applied a moment ago
   * is Healthy without another request.
   */
  readonly known = new Map<string, Manifest>();
  private readonly discovery = new Map<string, Promise<ResourceInfo | undefined>>();

  constructor(
    readonly client: KubeClient,
    readonly plan: Plan,
    options: ApplyPlanOptions,
  ) {
    this.options = resolveOptions(options);
    this.owner = ownerValue(this.options.owner);
    this.onProgress = options.onProgress;
    plan.stages.forEach((stage) => {
      this.steps.push(
        stage.steps.map((step) =>
          step.objects.map((rendered) => {
            const patch = patchesExisting(rendered);
            const object = patch ? withoutPatchMarker(rendered) : stampOwner(rendered, this.options.owner);
            const key = keyOf(object);
            const item: PlanItem = { object, key, id: keyString(key), phase: stage.phase, wave: stage.wave, hook: isHook(object) ? stage.phase : undefined, blockers: new Set() };
            if (patch) item.patchExisting = true;
            this.items.push(item);
            this.byId.set(item.id, item);
            return item;
          }),
        ),
      );
    });
  }

  /** Where progress goes; set when the run executes (a preview reports nothing). */
  onProgress?: (event: ApplyProgressEvent) => void;

  /** Forgets what a preview recorded (changes, diffs, retained namespaces), so the execution records its own. */
  forgetRecord(): void {
    this.changes.length = 0;
    this.diffs.length = 0;
    this.retained.length = 0;
  }

  emit(event: ApplyProgressEvent): void {
    this.onProgress?.(event);
  }

  record(item: PlanItem | ObjectRef, action: Change['action'], message?: string): Change {
    const change: Change = { key: item.key, apiVersion: 'object' in item ? item.object.apiVersion : item.apiVersion, action };
    if (message) change.message = message;
    if ('object' in item) {
      change.wave = item.wave;
      if (item.hook) change.hook = item.hook;
    }
    this.changes.push(change);
    this.emit({ type: 'change', change });
    return change;
  }

  /** Discovery of a kind, asked once per run (again after `forgetMissingKinds`). */
  resourceFor(apiVersion: string, kind: string): Promise<ResourceInfo | undefined> {
    const id = `${apiVersion}|${kind}`;
    let answer = this.discovery.get(id);
    if (!answer) {
      answer = this.client.resourceFor(apiVersion, kind);
      this.discovery.set(id, answer);
      answer.catch(() => this.discovery.delete(id));
    }
    return answer;
  }

  /** After CRDs were established: forget cached discovery and the kinds that were not served. */
  async forgetMissingKinds(): Promise<void> {
    this.client.invalidateDiscovery();
    for (const [id, answer] of this.discovery) {
      if ((await answer.catch(() => undefined)) === undefined) this.discovery.delete(id);
    }
  }

  /** Ids of the objects written (applied for real) by this run. */
  readonly written = new Set<string>();

  /** Prune targets left in place that stay the app's: Namespaces that still hold objects. */
  readonly retained: ObjectRef[] = [];

  /**
   * The app's inventory: every rendered object that is not a hook or skipped, and the retained
   * prune targets. After a failure, only the rendered objects that are the app's on the cluster
   * now: written by this run, or already live with this owner.
   */
  applied(failed = false): ObjectRef[] {
    const rendered = this.items
      .filter((i) => !i.hook && !i.skip && (!failed || this.written.has(i.id) || (i.live !== undefined && liveOwner(i.live) === this.owner)))
      .map((i) => ({ apiVersion: i.object.apiVersion, key: i.key, ...(i.patchExisting ? { patchExisting: true } : {}) }));
    return [...rendered, ...this.retained.map((r) => ({ apiVersion: r.apiVersion, key: r.key }))];
  }

  /** The objects this run applies and waits for: neither hooks nor skipped. */
  owned(items: readonly PlanItem[] = this.items): PlanItem[] {
    return items.filter((i) => !i.hook && !i.skip);
  }

  health(): HealthSummary {
    const subjects = this.owned().map((i) => ({ key: i.key, object: this.latest.get(i.id) }));
    return summarizeHealth(subjects, { ...this.options.healthOptions, crds: heldCrdLookup(this) });
  }

  result(failed = false): ApplyResult {
    return { changeSet: { changes: [...this.changes] }, diffs: [...this.diffs], applied: this.applied(failed), health: this.health() };
  }

  /** The result so far, with a `failed` change per failure (its message without the object's name). */
  failedResult(failures: readonly ObjectFailure[]): ApplyResult {
    for (const failure of failures) {
      const item = this.byId.get(keyString(failure.key));
      this.record(item ?? { apiVersion: failure.apiVersion, key: failure.key }, 'failed', failureDetail(failure));
    }
    return this.result(true);
  }

  /** `Sync wave 0`, `PreSync wave -1`: how messages name a stage. */
  static stageName(phase: PlanPhase, wave: number): string {
    return `${phase} wave ${wave}`;
  }
}
