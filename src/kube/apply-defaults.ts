import { groupOf, type Manifest } from '../core/index.ts';

/**
 * The few changes capstan makes to an object before a server-side apply. Everything else is sent
 * exactly as given: the API server, not capstan, defaults and validates.
 *
 * Why: `protocol` is part of the key of the associative lists `containers[].ports`
 * (`containerPort`+`protocol`) and Service `spec.ports` (`port`+`protocol`). Kubernetes 1.19–1.21
 * build the typed apply patch before defaulting and reject an item without its key field:
 * `failed to create typed patch object: .spec.containers[name="web"].ports: element 0: associative
 * list with keys has an element that omits key field "protocol"`
 * (kubernetes-sigs/structured-merge-diff#130; Service ports: kubernetes/kubernetes#98576; fixed
 * by defaulting key fields in the schema in 1.22). `TCP` is what the server defaults to anyway, so
 * filling it in changes nothing but lets old servers accept the patch; fluxcd/pkg `ssa`
 * (`SetNativeKindsDefaults`) does the same.
 *
 * Other server-side apply quirks of old servers, deliberately NOT papered over here (the fix
 * belongs in the manifests, or the server answers with a clear error):
 * - `resources` quantities written as numbers (`cpu: 2`) failed the typed conversion before 1.22;
 *   write them as strings (`cpu: "2"`).
 * - Secret `stringData`: applying a changed `stringData` key left the old key in `data`
 *   (kubernetes/kubernetes#108008); prefer `data`, or render `stringData` keys stably.
 * - autoscaling/v2beta2 HPA: a server-side dry-run duplicated the first `metrics` item and added an
 *   empty one (fluxcd/pkg works around it in its diff); diffs of such HPAs may show noise.
 * - Duplicate items of keyed lists (two `env` entries with the same `name`, two container ports
 *   with the same `containerPort`/`protocol` and different `hostPort`) are accepted by create and
 *   update but rejected by apply with `duplicate entries for key [name="X"]`; before 1.29 such an
 *   object even lost its managedFields (kubernetes/kubernetes#113482). The 422 names the field.
 * - `metadata.resourceVersion` in an applied object turns the apply into an optimistic-lock update
 *   (409 "the object has been modified" when stale): pass rendered manifests, not live objects.
 * - `/version` minors like `"21+"` (EKS, GKE): parsed with parseInt in `serverVersion`.
 */
export function withApplyDefaults(manifest: Manifest): Manifest {
  const specs = podSpecPaths(manifest);
  const service = isService(manifest);
  if (specs.length === 0 && !service) return manifest;
  if (!needsDefaults(manifest, specs, service)) return manifest;
  // copy only when something changes: the caller's object is never mutated
  const copy = structuredClone(manifest);
  for (const path of specs) {
    const spec = at(copy, path);
    if (!isRecord(spec)) continue;
    for (const list of containerLists) {
      for (const container of records(spec[list])) for (const port of records(container.ports)) defaultProtocol(port);
    }
  }
  if (service) for (const port of records(at(copy, ['spec', 'ports']))) defaultProtocol(port);
  return copy;
}

const containerLists = ['containers', 'initContainers', 'ephemeralContainers'] as const;

/** Where the pod specs of built-in workload kinds live. */
function podSpecPaths(manifest: Manifest): string[][] {
  const group = groupOf(manifest.apiVersion ?? '');
  switch (`${group}|${manifest.kind}`) {
    case '|Pod':
      return [['spec']];
    case '|PodTemplate':
      return [['template', 'spec']];
    case '|ReplicationController':
    case 'apps|Deployment':
    case 'apps|StatefulSet':
    case 'apps|DaemonSet':
    case 'apps|ReplicaSet':
    case 'extensions|Deployment':
    case 'extensions|DaemonSet':
    case 'extensions|ReplicaSet':
    case 'batch|Job':
      return [['spec', 'template', 'spec']];
    case 'batch|CronJob':
      return [['spec', 'jobTemplate', 'spec', 'template', 'spec']];
    default:
      return [];
  }
}

function isService(manifest: Manifest): boolean {
  return manifest.kind === 'Service' && manifest.apiVersion === 'v1';
}

function needsDefaults(manifest: Manifest, specs: string[][], service: boolean): boolean {
  for (const path of specs) {
    const spec = at(manifest, path);
    if (!isRecord(spec)) continue;
    for (const list of containerLists) {
      for (const container of records(spec[list])) if (records(container.ports).some(lacksProtocol)) return true;
    }
  }
  return service && records(at(manifest, ['spec', 'ports'])).some(lacksProtocol);
}

function lacksProtocol(port: Record<string, unknown>): boolean {
  return port.protocol === undefined || port.protocol === null || port.protocol === '';
}

function defaultProtocol(port: Record<string, unknown>): void {
  if (lacksProtocol(port)) port.protocol = 'TCP';
}

function at(value: unknown, path: readonly string[]): unknown {
  let current = value;
  for (const key of path) {
    if (!isRecord(current)) return undefined;
    current = current[key];
  }
  return current;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function records(value: unknown): Record<string, unknown>[] {
  return Array.isArray(value) ? value.filter(isRecord) : [];
}
