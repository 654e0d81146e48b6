import type { ImageOverride } from '../config/index.ts';
import type { Manifest } from '../core/index.ts';
import { isPlainObject } from './parse-manifests.ts';

/** An image reference split as kustomize does: `name[:tag][@digest]`, the tag after the last `/`. */
export interface ImageReference {
  name: string;
  tag?: string;
  digest?: string;
}

export function parseImage(image: string): ImageReference {
  let rest = image;
  let digest: string | undefined;
  const at = rest.indexOf('@');
  if (at >= 0) {
    digest = rest.slice(at + 1);
    rest = rest.slice(0, at);
  }
  const colon = rest.lastIndexOf(':');
  const ref: ImageReference = { name: rest };
  if (colon > rest.lastIndexOf('/')) {
    ref.name = rest.slice(0, colon);
    ref.tag = rest.slice(colon + 1);
  }
  if (digest !== undefined) ref.digest = digest;
  return ref;
}

export function formatImage(ref: ImageReference): string {
  return `${ref.name}${ref.tag !== undefined ? `:${ref.tag}` : ''}${ref.digest !== undefined ? `@${ref.digest}` : ''}`;
}

/**
 * The image after an override, like kustomize's images transformer: `newName` replaces the name
 * and keeps the tag and digest; `newTag` sets the tag and drops a digest; `digest` sets the digest
 * and drops the tag.
 */
export function overrideImage(image: string, override: ImageOverride): string {
  const ref = parseImage(image);
  if (override.newName !== undefined) ref.name = override.newName;
  if (override.newTag !== undefined) {
    ref.tag = override.newTag;
    delete ref.digest;
  }
  if (override.digest !== undefined) {
    ref.digest = override.digest;
    delete ref.tag;
  }
  return formatImage(ref);
}

const templateKinds: Readonly<Record<string, readonly string[]>> = {
  Pod: ['spec'],
  Deployment: ['spec', 'template', 'spec'],
  StatefulSet: ['spec', 'template', 'spec'],
  DaemonSet: ['spec', 'template', 'spec'],
  ReplicaSet: ['spec', 'template', 'spec'],
  ReplicationController: ['spec', 'template', 'spec'],
  Job: ['spec', 'template', 'spec'],
  CronJob: ['spec', 'jobTemplate', 'spec', 'template', 'spec'],
};

/** The pod spec of a workload (Pod, Deployment, StatefulSet, DaemonSet, ReplicaSet, ReplicationController, Job, CronJob), or undefined. */
export function podSpecOf(manifest: Manifest): Record<string, unknown> | undefined {
  const route = templateKinds[manifest.kind];
  if (!route) return undefined;
  let node: unknown = manifest;
  for (const key of route) {
    if (!isPlainObject(node)) return undefined;
    node = node[key];
  }
  return isPlainObject(node) ? node : undefined;
}

/** Every container of a pod spec: containers, initContainers and ephemeralContainers. */
export function containersOf(podSpec: Record<string, unknown>): Record<string, unknown>[] {
  const out: Record<string, unknown>[] = [];
  for (const field of ['initContainers', 'containers', 'ephemeralContainers']) {
    const list = podSpec[field];
    if (Array.isArray(list)) out.push(...list.filter(isPlainObject));
  }
  return out;
}

/**
 * Applies image overrides to the containers of a workload, in place. Each container's image is
 * matched by name without tag or digest; the first matching override wins. Returns whether
 * anything changed.
 */
export function applyImageOverrides(manifest: Manifest, overrides: readonly ImageOverride[]): boolean {
  if (overrides.length === 0) return false;
  return replaceContainerImages(manifest, (image) => {
    const name = parseImage(image).name;
    const override = overrides.find((o) => o.name === name);
    return override && overrideImage(image, override);
  });
}

/**
 * Replaces, in place, the image of every container (init and ephemeral containers included) of a workload
 * with what `replace` gives for it (undefined: left as it is); returns whether anything changed.
 */
export function replaceContainerImages(manifest: Manifest, replace: (image: string) => string | undefined): boolean {
  const podSpec = podSpecOf(manifest);
  if (!podSpec) return false;
  let changed = false;
  for (const container of containersOf(podSpec)) {
    if (typeof container.image !== 'string') continue;
    const image = replace(container.image);
    if (image !== undefined && image !== container.image) {
      container.image = image;
      changed = true;
    }
  }
  return changed;
}
