/** Builders for render tests: an AppEnvironment with defaults, fixture repos, objects. */
import { fileURLToPath } from 'node:url';
import { defaultSyncOptions, defaultSyncPolicy, type AppEnvironment } from '../config/index.ts';
import type { Manifest } from '../core/index.ts';
import type { RenderedObject } from './types.ts';

/** Absolute path of a fixture config repo under testdata/repos/. */
export function fixtureRepo(name: string): string {
  return fileURLToPath(new URL(`testdata/repos/${name}`, import.meta.url));
}

export function testApp(source: string, overrides: Partial<AppEnvironment> = {}): AppEnvironment {
  return {
    name: 'web',
    env: 'dev',
    source,
    namespace: 'web',
    createNamespace: false,
    dependsOn: [],
    helm: { releaseName: 'web', valuesFiles: [], values: {} },
    images: [],
    ignoreDifferences: [],
    health: [],
    syncPolicy: { ...defaultSyncPolicy },
    syncOptions: structuredClone(defaultSyncOptions),
    syncWindows: [],
    ...overrides,
  };
}

export function object(apiVersion: string, kind: string, name: string, extra: { namespace?: string; source?: string; spec?: Record<string, unknown> } = {}): RenderedObject {
  const manifest: Manifest = { apiVersion, kind, metadata: { name } };
  if (extra.namespace !== undefined) manifest.metadata.namespace = extra.namespace;
  if (extra.spec) manifest.spec = extra.spec;
  return { manifest, source: extra.source ?? `apps/web/${kind.toLowerCase()}-${name}.yaml` };
}

/** `Kind/namespace/name` of each object, in order. */
export function keys(objects: readonly RenderedObject[]): string[] {
  return objects.map(({ manifest: m }) => (m.metadata.namespace ? `${m.kind}/${m.metadata.namespace}/${m.metadata.name}` : `${m.kind}/${m.metadata.name}`));
}
