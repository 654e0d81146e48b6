import { ValidationError, formatKey, keyOf, keyString, type HookPhase, type Manifest, type ResourceKey } from '../core/index.ts';
import { placementOf } from './annotations.ts';
import { stepKindOf, stepRank, type StepKind } from './kind-order.ts';

/** The phases of a sync, in Argo CD's order; SyncFail stages run only when the sync failed. */
export type PlanPhase = 'PreSync' | 'Sync' | 'PostSync' | 'SyncFail';

export const phaseOrder: readonly PlanPhase[] = ['PreSync', 'Sync', 'PostSync', 'SyncFail'];

/** Objects applied together: independent of each other, so they may be applied in parallel. */
export interface PlanStep {
  /** Which part of the kind order this step is (`namespaces`, `crds`, `workloads`, …). */
  kind: StepKind;
  /** Sorted by key (kind, namespace, name, group) so a plan does not depend on input order. */
  objects: Manifest[];
  /** The step holds CustomResourceDefinitions: wait until they are Established before the next step. */
  waitEstablished?: boolean;
}

/** One phase and wave: its steps run in order; the stage is healthy before the next one starts. */
export interface PlanStage {
  wave: number;
  phase: PlanPhase;
  steps: PlanStep[];
}

/**
 * An ordered sync: PreSync hooks, then the sync waves in ascending order (with their Sync hooks),
 * then PostSync hooks; then the SyncFail hooks, which run only when the sync failed.
 */
export interface Plan {
  stages: PlanStage[];
  /** Objects rendered but never applied (`hook: Skip`, a Helm hook a sync does not run), sorted by key, with why; absent when none. */
  skipped?: SkippedObject[];
}

export interface SkippedObject {
  object: Manifest;
  reason: string;
}

export interface PlanOptions {
  /**
   * Kinds (`group/Kind`) known to be custom resources although no CRD of the render defines them,
   * e.g. from the CRDs the cluster serves. Kinds defined by a CRD of the render, and kinds of any
   * group that is not built into Kubernetes, are custom resources anyway.
   */
  customKinds?: readonly string[];
}

interface Placed {
  object: Manifest;
  key: ResourceKey;
  step: StepKind;
  phase: PlanPhase;
  wave: number;
}

/** `group/Kind` of the kinds the CRDs among the objects define. */
export function customKindsOf(objects: readonly Manifest[], extra: readonly string[] = []): Set<string> {
  const kinds = new Set(extra);
  for (const object of objects) {
    const crd = crdTarget(object);
    if (crd) kinds.add(crd);
  }
  return kinds;
}

/** For a CustomResourceDefinition, the `group/Kind` it defines. */
export function crdTarget(object: Manifest): string | undefined {
  const key = keyOf(object);
  if (key.group !== 'apiextensions.k8s.io' || key.kind !== 'CustomResourceDefinition') return undefined;
  const spec = object.spec as { group?: unknown; names?: { kind?: unknown } } | undefined;
  return typeof spec?.group === 'string' && typeof spec.names?.kind === 'string' ? `${spec.group}/${spec.names.kind}` : undefined;
}

/** Orders keys by kind, namespace, name, then group: the order of objects inside a step. */
export function compareKeys(a: ResourceKey, b: ResourceKey): number {
  for (const field of ['kind', 'namespace', 'name', 'group'] as const) {
    if (a[field] !== b[field]) return a[field] < b[field] ? -1 : 1;
  }
  return 0;
}

function compareStages(a: { phase: PlanPhase; wave: number }, b: { phase: PlanPhase; wave: number }): number {
  return phaseOrder.indexOf(a.phase) - phaseOrder.indexOf(b.phase) || a.wave - b.wave;
}

/**
 * Orders rendered objects into stages and steps. Pure: the same objects, in any order, give the
 * same plan.
 *
 * - Hooks (`capstan.dev/hook` or `argocd.argoproj.io/hook`: PreSync, Sync, PostSync, SyncFail;
 *   any kind but a Namespace or CRD; in a plain directory also `helm.sh/hook`, as Argo CD maps it) form the
 *   PreSync stages before, and the PostSync stages after, the sync waves; Sync hooks run in their
 *   wave with its objects; SyncFail stages come last and run only when the sync failed. Hooks of
 *   one phase are ordered by their own sync waves (Argo CD's order: phase, wave, kind, name).
 * - `hook: Skip` (and Helm hooks a sync never runs) are left out, listed in `skipped`.
 * - Other objects are grouped by `capstan.dev/sync-wave` or `argocd.argoproj.io/sync-wave` (an
 *   integer, default 0).
 * - Within a stage, the kind order of `kind-order.ts` makes the steps.
 * - A Namespace is moved up to the earliest stage of anything that lives in it, and a CRD to the
 *   earliest stage of its custom resources (as Argo CD does), so neither waits behind what
 *   depends on it.
 *
 * Throws one ValidationError listing every problem (bad wave or hook annotation, a hook that is
 * not a Job or Pod, an object rendered twice), each line starting with the object.
 */
export function buildPlan(objects: readonly Manifest[], options: PlanOptions = {}): Plan {
  const customKinds = customKindsOf(objects, options.customKinds);
  const problems: { key: ResourceKey; message: string }[] = [];
  const placed: Placed[] = [];
  const skipped: (SkippedObject & { key: ResourceKey })[] = [];
  const seen = new Set<string>();

  for (const object of objects) {
    const key = keyOf(object);
    const id = keyString(key);
    if (seen.has(id)) {
      problems.push({ key, message: `${formatKey(key)} is rendered more than once (${object.apiVersion}): every object must appear once` });
      continue;
    }
    seen.add(id);
    const placement = placementOf(object);
    if ('problems' in placement) {
      for (const message of placement.problems) problems.push({ key, message });
      continue;
    }
    if (placement.skip) {
      skipped.push({ object, key, reason: placement.skip });
      continue;
    }
    // a hook of several phases is created in each (Argo CD's `PreSync,PostSync`)
    for (const phase of placement.hooks ?? ['Sync' as const]) placed.push({ object, key, step: stepKindOf(key, { customKinds }), phase, wave: placement.wave });
  }
  if (problems.length === 1) throw new ValidationError(problems[0].message.slice(formatKey(problems[0].key).length + 1), { subject: problems[0].key });
  if (problems.length > 1) {
    problems.sort((a, b) => compareKeys(a.key, b.key));
    throw new ValidationError(`${problems.length} problems in the rendered manifests:\n${problems.map((p) => p.message).join('\n')}`);
  }

  moveDependenciesUp(placed, customKinds);

  const stages = new Map<string, { phase: PlanPhase; wave: number; items: Placed[] }>();
  for (const item of placed) {
    const id = `${item.phase}|${item.wave}`;
    let stage = stages.get(id);
    if (!stage) stages.set(id, (stage = { phase: item.phase, wave: item.wave, items: [] }));
    stage.items.push(item);
  }

  const plan: Plan = {
    stages: [...stages.values()].sort(compareStages).map((stage) => ({ phase: stage.phase, wave: stage.wave, steps: stepsOf(stage.items) })),
  };
  if (skipped.length > 0) plan.skipped = skipped.sort((a, b) => compareKeys(a.key, b.key)).map(({ object, reason }) => ({ object, reason }));
  return plan;
}

function stepsOf(items: Placed[]): PlanStep[] {
  const byStep = new Map<StepKind, Placed[]>();
  for (const item of items) {
    const list = byStep.get(item.step) ?? [];
    list.push(item);
    byStep.set(item.step, list);
  }
  return [...byStep.entries()]
    .sort(([a], [b]) => stepRank(a) - stepRank(b))
    .map(([kind, list]) => {
      const objects = list.sort((a, b) => compareKeys(a.key, b.key)).map((p) => p.object);
      return kind === 'crds' ? { kind, objects, waitEstablished: true } : { kind, objects };
    });
}

/** A Namespace (or CRD) takes the earliest stage among its own and its dependents'. */
function moveDependenciesUp(placed: Placed[], customKinds: ReadonlySet<string>): void {
  const earliest = new Map<string, { phase: PlanPhase; wave: number }>();
  const note = (id: string, at: Placed) => {
    const current = earliest.get(id);
    if (!current || compareStages(at, current) < 0) earliest.set(id, { phase: at.phase, wave: at.wave });
  };
  for (const item of placed) {
    if (item.key.namespace) note(`ns|${item.key.namespace}`, item);
    const gk = `${item.key.group}/${item.key.kind}`;
    if (customKinds.has(gk)) note(`crd|${gk}`, item);
  }
  for (const item of placed) {
    let dependents: { phase: PlanPhase; wave: number } | undefined;
    if (item.step === 'namespaces' && item.key.group === '') dependents = earliest.get(`ns|${item.key.name}`);
    else if (item.step === 'crds') {
      const target = crdTarget(item.object);
      if (target) dependents = earliest.get(`crd|${target}`);
    }
    if (dependents && compareStages(dependents, item) < 0) {
      item.phase = dependents.phase;
      item.wave = dependents.wave;
    }
  }
}

/** The plan as text, one line per step: `Sync wave 0` then `  1. Namespace/shop`. */
export function formatPlan(plan: Plan): string {
  const lines: string[] = [];
  for (const stage of plan.stages) {
    lines.push(`${stage.phase} wave ${stage.wave}`);
    stage.steps.forEach((step, i) => {
      const names = step.objects.map((o) => formatKey(keyOf(o))).join(', ');
      lines.push(`  ${i + 1}. ${names}${step.waitEstablished ? ' (wait until Established)' : ''}`);
    });
  }
  if (plan.skipped) lines.push(`Skipped: ${plan.skipped.map((s) => formatKey(keyOf(s.object))).join(', ')}`);
  return lines.join('\n');
}

/** Every object the plan applies, in plan order (skipped objects are not among them). */
export function planObjects(plan: Plan): Manifest[] {
  return plan.stages.flatMap((stage) => stage.steps.flatMap((step) => step.objects));
}

export type { HookPhase };
