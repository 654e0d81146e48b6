import { createHash } from 'node:crypto';
import type { Registry } from './registry.ts';
import type { ResourceType } from './types.ts';

/**
 * A minimal OpenAPI v3 surface. kubectl reads it to learn that the server validates fields and
 * supports dry-run itself (a PATCH operation per kind with the `fieldValidation` and `dryRun`
 * query parameters and the `x-kubernetes-group-version-kind` extension). Schemas are left open:
 * the sandbox validates on the server, as kubectl then expects.
 */
function groupVersionPath(type: Pick<ResourceType, 'group' | 'version'>): string {
  return type.group ? `apis/${type.group}/${type.version}` : `api/${type.version}`;
}

export function openApiIndex(registry: Registry): Record<string, unknown> {
  const paths: Record<string, { serverRelativeURL: string }> = {};
  for (const type of registry.all()) {
    const gv = groupVersionPath(type);
    if (paths[gv]) continue;
    const hash = createHash('sha256').update(JSON.stringify(openApiDocument(registry, gv))).digest('hex').slice(0, 32).toUpperCase();
    paths[gv] = { serverRelativeURL: `/openapi/v3/${gv}?hash=${hash}` };
  }
  return { paths };
}

const queryParameters = ['dryRun', 'fieldManager', 'fieldValidation', 'force', 'pretty'].map((name) => ({
  name,
  in: 'query',
  description: name,
  schema: { type: name === 'force' ? 'boolean' : 'string', uniqueItems: true },
}));

export function openApiDocument(registry: Registry, gv: string): Record<string, unknown> | undefined {
  const types = registry.all().filter((t) => groupVersionPath(t) === gv);
  if (types.length === 0) return undefined;
  const paths: Record<string, unknown> = {};
  const schemas: Record<string, unknown> = {};
  for (const type of types) {
    const gvk = { group: type.group, version: type.version, kind: type.kind };
    const base = `/${gv}${type.namespaced ? '/namespaces/{namespace}' : ''}/${type.plural}`;
    const schemaName = `${type.group ? type.group.split('.').reverse().join('.') : 'io.k8s.api.core'}.${type.version}.${type.kind}`;
    schemas[schemaName] = {
      type: 'object',
      'x-kubernetes-group-version-kind': [gvk],
      ...(type.openAPIV3Schema ?? { 'x-kubernetes-preserve-unknown-fields': true }),
    };
    const operation = (verb: string) => ({
      operationId: `${verb}${type.kind}`,
      'x-kubernetes-action': verb,
      'x-kubernetes-group-version-kind': gvk,
      parameters: queryParameters,
      responses: { '200': { description: 'OK', content: { 'application/json': { schema: { $ref: `#/components/schemas/${schemaName}` } } } } },
    });
    paths[`${base}/{name}`] = { get: operation('get'), put: operation('put'), patch: operation('patch'), delete: operation('delete') };
    paths[base] = { get: operation('list'), post: operation('post') };
  }
  return {
    openapi: '3.0.0',
    info: { title: 'Kubernetes', version: 'v1.32.0-capstan-sandbox' },
    paths,
    components: { schemas },
  };
}
