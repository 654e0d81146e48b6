/**
 * The schemas of custom resources whose CustomResourceDefinition is in the same render: each
 * served version's `schema.openAPIV3Schema`, compiled with ajv as the API server reads a
 * structural schema: fields a schema with `properties` does not declare are unknown (unless
 * `x-kubernetes-preserve-unknown-fields`), `nullable` allows null, an embedded resource may carry
 * apiVersion, kind and metadata. Formats are not checked (the API server checks few of them).
 */
import { Ajv, type ValidateFunction } from 'ajv';
import { groupOf } from '../core/index.ts';
import { isPlainObject } from './parse-manifests.ts';
import { describeIssues, type SchemaIssue } from './schema-issues.ts';
import type { RenderedObject } from './types.ts';

/** What a CRD in the render says about one version of its kind. */
export type CrdSchema =
  | { validate: (object: unknown, sensitive?: boolean) => SchemaIssue[]; source: string }
  /** The version has no schema, or it could not be compiled: why (for the summary). */
  | { unchecked: string; source: string };

type Json = Record<string, unknown>;

/**
 * The schemas the CRDs of a render define, by `group/version/Kind`; compiled when first asked
 * for. A render's CRDs were already checked by validateObjects (group, kind, scope, versions).
 */
export class CrdSchemas {
  private readonly definitions = new Map<string, { schema: unknown; source: string }>();
  private readonly compiled = new Map<string, CrdSchema>();
  private readonly ajv = new Ajv({ allErrors: true, strict: false, validateFormats: false });

  constructor(objects: readonly RenderedObject[]) {
    for (const { manifest, source } of objects) {
      const m = manifest as unknown;
      if (!isPlainObject(m) || m.kind !== 'CustomResourceDefinition' || typeof m.apiVersion !== 'string' || groupOf(m.apiVersion) !== 'apiextensions.k8s.io') continue;
      const spec = isPlainObject(m.spec) ? m.spec : {};
      const names = isPlainObject(spec.names) ? spec.names : {};
      if (typeof spec.group !== 'string' || typeof names.kind !== 'string') continue;
      // v1: a schema per version; v1beta1: one for every version (spec.validation)
      const shared = isPlainObject(spec.validation) ? spec.validation.openAPIV3Schema : undefined;
      const versions = Array.isArray(spec.versions) ? spec.versions.filter(isPlainObject) : typeof spec.version === 'string' ? [{ name: spec.version }] : [];
      for (const version of versions) {
        if (typeof version.name !== 'string') continue;
        const schema = isPlainObject(version.schema) ? version.schema.openAPIV3Schema : shared;
        this.definitions.set(`${spec.group}/${version.name}/${names.kind}`, { schema, source });
      }
    }
  }

  /** Whether a CRD of the render defines the kind (in any version). */
  defines(group: string, kind: string): boolean {
    for (const id of this.definitions.keys()) if (id.startsWith(`${group}/`) && id.endsWith(`/${kind}`)) return true;
    return false;
  }

  /** The schema of `apiVersion` and `kind`, when a CRD of the render defines that version. */
  schemaOf(apiVersion: string, kind: string): CrdSchema | undefined {
    const id = `${groupOf(apiVersion)}/${apiVersion.slice(apiVersion.indexOf('/') + 1)}/${kind}`;
    const cached = this.compiled.get(id);
    if (cached) return cached;
    const definition = this.definitions.get(id);
    if (!definition) return undefined;
    const result = this.compile(definition.schema, definition.source);
    this.compiled.set(id, result);
    return result;
  }

  private compile(schema: unknown, source: string): CrdSchema {
    if (!isPlainObject(schema)) return { unchecked: `its CustomResourceDefinition (${source}) declares no schema for this version`, source };
    let validate: ValidateFunction;
    try {
      validate = this.ajv.compile(structural(schema, true));
    } catch (error) {
      return { unchecked: `the schema of its CustomResourceDefinition (${source}) cannot be checked offline: ${(error as Error).message}`, source };
    }
    return {
      source,
      validate: (object, sensitive = false) => (validate(object) ? [] : describeIssues(validate.errors ?? [], object, { sensitive })),
    };
  }
}

/**
 * A copy of a structural schema that refuses undeclared fields where the API server drops or
 * refuses them: a schema node with `properties` (followed through properties, items and
 * additionalProperties, not into the value checks of allOf, anyOf, oneOf and not).
 */
function structural(schema: Json, root: boolean): Json {
  const copy: Json = { ...schema };
  // null is a value of a nullable field whatever else its schema says
  if (schema.nullable === true && Array.isArray(schema.enum) && !schema.enum.includes(null)) copy.enum = [...schema.enum, null];
  if (isPlainObject(schema.properties)) {
    const properties: Json = {};
    for (const [name, child] of Object.entries(schema.properties)) properties[name] = isPlainObject(child) ? structural(child, false) : child;
    // every object has these; a CRD's schema may leave them out, and metadata is checked elsewhere
    if (root || schema['x-kubernetes-embedded-resource'] === true) {
      for (const name of ['apiVersion', 'kind']) properties[name] ??= { type: 'string' };
      properties.metadata = { type: 'object' };
    }
    copy.properties = properties;
    if (schema.additionalProperties === undefined && schema['x-kubernetes-preserve-unknown-fields'] !== true) copy.additionalProperties = false;
  }
  if (isPlainObject(schema.items)) copy.items = structural(schema.items, false);
  if (isPlainObject(schema.additionalProperties)) copy.additionalProperties = structural(schema.additionalProperties, false);
  return copy;
}
