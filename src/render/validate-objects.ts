import { formatKey, groupOf, keyString, type Manifest, type ResourceKey } from '../core/index.ts';
import { isPlainObject } from './parse-manifests.ts';
import { throwProblems } from './render-error.ts';
import { sortObjects } from './sort-objects.ts';
import type { RenderedObject, RenderProblem, ValidateObjectsOptions } from './types.ts';

interface CrdKind {
  namespaced: boolean;
  /** Served versions; empty when the CRD does not list them (then any version is accepted). */
  versions: string[];
  source: string;
}

const crdGroup = 'apiextensions.k8s.io';

function versionOf(apiVersion: string): string {
  const slash = apiVersion.indexOf('/');
  return slash < 0 ? apiVersion : apiVersion.slice(slash + 1);
}

function nonEmptyString(value: unknown): value is string {
  return typeof value === 'string' && value !== '';
}

/**
 * Checks a whole render before anything is applied, and returns the objects ready to apply, sorted:
 *
 * - every object has apiVersion, kind and metadata.name;
 * - its kind is known: from a CustomResourceDefinition in the same render (its spec.group,
 *   spec.names.kind, spec.scope and served versions), else from `lookup` (cluster discovery);
 *   offline, the lookup may not know (a custom resource whose CRD is installed separately): the
 *   object is accepted, and its scope is left to apply, which asks the cluster;
 * - namespaced objects without a namespace get `options.namespace`; cluster-scoped objects that
 *   carry a namespace have it removed — Kubernetes ignores it too, and charts commonly set
 *   `namespace: {{ .Release.Namespace }}` on ClusterRoles — so that identity and inventory use the
 *   key the API server will report. An object of unknown scope is given the namespace as if
 *   namespaced (most custom resources are; a cluster-scoped one loses it again at apply);
 * - `checkObject` finds nothing wrong with it (the plan's annotations);
 * - no two objects share group, kind, namespace and name (both sources are named).
 *
 * Pure: inputs are not modified. Every problem is collected; one RenderValidationError lists all.
 */
export function validateObjects(objects: readonly RenderedObject[], options: ValidateObjectsOptions): RenderedObject[] {
  const problems: RenderProblem[] = [];
  const crds = new Map<string, CrdKind>();

  for (const { manifest, source } of objects) {
    const m = manifest as unknown;
    if (!isPlainObject(m) || m.kind !== 'CustomResourceDefinition' || typeof m.apiVersion !== 'string' || groupOf(m.apiVersion) !== crdGroup) continue;
    const spec = isPlainObject(m.spec) ? m.spec : {};
    const names = isPlainObject(spec.names) ? spec.names : {};
    const name = isPlainObject(m.metadata) && typeof m.metadata.name === 'string' ? m.metadata.name : '';
    const subject = name ? `CustomResourceDefinition/${name}` : 'CustomResourceDefinition';
    if (!nonEmptyString(spec.group) || !nonEmptyString(names.kind)) {
      problems.push({ source, subject, message: 'needs spec.group and spec.names.kind to define a kind' });
      continue;
    }
    if (spec.scope !== 'Namespaced' && spec.scope !== 'Cluster') {
      problems.push({ source, subject, message: `spec.scope must be "Namespaced" or "Cluster", got ${JSON.stringify(spec.scope ?? null)}` });
      continue;
    }
    const versions = Array.isArray(spec.versions)
      ? spec.versions.filter(isPlainObject).filter((v) => v.served !== false).map((v) => v.name).filter(nonEmptyString)
      : nonEmptyString(spec.version) ? [spec.version] : [];
    crds.set(`${spec.group}/${names.kind}`, { namespaced: spec.scope === 'Namespaced', versions, source });
  }

  const out: RenderedObject[] = [];
  const seen = new Map<string, { key: ResourceKey; sources: string[] }>();
  for (const object of objects) {
    const m = object.manifest as unknown;
    if (!isPlainObject(m)) {
      problems.push({ source: object.source, message: 'is not an object' });
      continue;
    }
    const metadata = isPlainObject(m.metadata) ? m.metadata : undefined;
    const kind = nonEmptyString(m.kind) ? m.kind : undefined;
    // a hook with only generateName (a new object on every sync) is named by its prefix; plan refuses it on anything else
    const name = metadata && nonEmptyString(metadata.name) ? metadata.name : metadata && nonEmptyString(metadata.generateName) ? metadata.generateName : undefined;
    const missing = [nonEmptyString(m.apiVersion) ? '' : 'apiVersion', kind ? '' : 'kind', name ? '' : 'metadata.name'].filter(Boolean);
    const partialSubject = kind && name ? `${kind}/${name}` : kind ? `${kind} without a name` : undefined;
    if (missing.length > 0) {
      problems.push({ source: object.source, subject: partialSubject, message: `has no ${missing.join(', ')}: every object needs apiVersion, kind and metadata.name` });
      continue;
    }
    const apiVersion = m.apiVersion as string;
    if (metadata!.namespace !== undefined && typeof metadata!.namespace !== 'string') {
      problems.push({ source: object.source, subject: partialSubject, message: 'metadata.namespace must be a string' });
      continue;
    }
    const namespace = (metadata!.namespace as string | undefined) ?? '';
    const group = groupOf(apiVersion);
    const crd = crds.get(`${group}/${kind}`);
    let namespaced: boolean | undefined;
    if (crd) {
      if (crd.versions.length > 0 && !crd.versions.includes(versionOf(apiVersion))) {
        problems.push({
          source: object.source,
          subject: formatKey({ group, kind: kind!, namespace, name: name! }),
          message: `apiVersion ${apiVersion} is not served by the CustomResourceDefinition in ${crd.source}, which serves ${crd.versions.join(', ')}: use one of those versions`,
        });
        continue;
      }
      namespaced = crd.namespaced;
    } else {
      const found = options.lookup(apiVersion, kind!);
      if (!found) {
        problems.push({
          source: object.source,
          subject: formatKey({ group, kind: kind!, namespace, name: name! }),
          message: `kind ${kind} of apiVersion ${apiVersion} is not known to the cluster and no CustomResourceDefinition in this render defines it: install its CRD (or add the CRD to the app), or correct apiVersion and kind`,
        });
        continue;
      }
      namespaced = found === 'unknown' ? undefined : found.namespaced;
    }

    let manifest = object.manifest;
    if (namespaced !== false && namespace === '') {
      manifest = { ...manifest, metadata: { ...manifest.metadata, namespace: options.namespace } } as Manifest;
    } else if (namespaced === false && metadata!.namespace !== undefined) {
      const { namespace: _dropped, ...rest } = manifest.metadata;
      manifest = { ...manifest, metadata: rest } as Manifest;
    }
    const key: ResourceKey = { group, kind: kind!, namespace: namespaced === false ? '' : namespace || options.namespace, name: name! };
    for (const message of options.checkObject?.(manifest) ?? []) problems.push({ source: object.source, subject: formatKey(key), message });
    const id = keyString(key);
    const entry = seen.get(id);
    if (entry) entry.sources.push(object.source);
    else seen.set(id, { key, sources: [object.source] });
    out.push(manifest === object.manifest ? object : { ...object, manifest });
  }

  for (const { key, sources } of seen.values()) {
    if (sources.length < 2) continue;
    problems.push({
      source: sources[0],
      subject: formatKey(key),
      message: `is defined ${sources.length} times: in ${sources.join(' and ')}; keep one (objects are the same when group, kind, namespace and name match)`,
    });
  }
  throwProblems(problems, 'the render');
  return sortObjects(out);
}
