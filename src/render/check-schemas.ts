import { annotations, formatKey, groupOf, keyOf, type Manifest } from '../core/index.ts';
import { builtinSchema, builtinSchemaRelease } from './builtin-schemas.ts';
import { CrdSchemas } from './crd-schemas.ts';
import { throwProblems } from './render-error.ts';
import { formatFieldPath, type SchemaIssue } from './schema-issues.ts';
import type { RenderedObject, RenderProblem } from './types.ts';

/** An object a schema check could not judge offline, and why; `apply`'s server dry-run judges it. */
export interface UncheckedObject {
  source: string;
  /** `Kind/namespace/name` */
  subject: string;
  apiVersion: string;
  kind: string;
  /** `no-crd`: a custom resource whose CRD is not in the render; `no-schema`: no schema for it offline. */
  reason: 'no-crd' | 'no-schema';
  /** What the reason means for this object, for the summary. */
  detail: string;
}

type Verdict = { unchecked: UncheckedObject } | { source: string; subject: string; issues: SchemaIssue[] } | undefined;

/** What a schema check did: how many objects it checked, and the ones it could not. */
export interface SchemaCheck {
  checked: number;
  unchecked: UncheckedObject[];
}

/**
 * Checks every object of a validated render against its schema, without a cluster (what
 * kubeconform does in push pipelines): built-in kinds against the Kubernetes OpenAPI schemas
 * capstan ships, custom resources against the CRDs of the same render. Types, enums, formats,
 * required and unknown fields; each problem names the object, its file and the field. A custom
 * resource whose CRD is not in the render is left to apply and listed in `unchecked`. Throws a
 * RenderValidationError listing every problem.
 */
export interface CheckSchemasOptions {
  /**
   * The render decrypted SOPS files: no value of any object is quoted in a problem (a decrypted
   * ConfigMap is as secret as a Secret). Secrets' values are never quoted.
   */
  sensitive?: boolean;
}

export async function checkSchemas(objects: readonly RenderedObject[], options: CheckSchemasOptions = {}): Promise<SchemaCheck> {
  const crds = new CrdSchemas(objects);
  const problems: RenderProblem[] = [];
  const unchecked: UncheckedObject[] = [];
  let checked = 0;
  const verdicts = await Promise.all(
    objects.map(async ({ manifest, source }): Promise<Verdict> => {
      const { apiVersion, kind } = manifest;
      const key = keyOf(manifest);
      const subject = formatKey(key);
      const group = groupOf(apiVersion);
      if (crds.defines(group, kind)) {
        const schema = crds.schemaOf(apiVersion, kind);
        if (!schema) return undefined; // a version the CRD does not serve: validateObjects refused it
        if ('unchecked' in schema) return { unchecked: { source, subject, apiVersion, kind, reason: 'no-schema', detail: schema.unchecked } };
        return { source, subject, issues: partialAllowed(manifest, schema.validate(manifest, options.sensitive)) };
      }
      const validate = await builtinSchema(apiVersion, kind, { sensitive: options.sensitive || (kind === 'Secret' && group === '') });
      if (validate) return { source, subject, issues: partialAllowed(manifest, validate(manifest)) };
      const custom = group.includes('.');
      const detail = custom ? 'its CRD is not in the render' : `the ${builtinSchemaRelease} schemas have no ${kind} in ${apiVersion}`;
      return { unchecked: { source, subject, apiVersion, kind, reason: custom ? 'no-crd' : 'no-schema', detail } };
    }),
  );
  for (const verdict of verdicts) {
    if (verdict === undefined) continue;
    if ('unchecked' in verdict) {
      unchecked.push(verdict.unchecked);
      continue;
    }
    checked += 1;
    for (const issue of verdict.issues) problems.push({ source: verdict.source, subject: verdict.subject, message: `${formatFieldPath(issue.path)}: ${issue.message}` });
  }
  throwProblems(problems, 'the render');
  return { checked, unchecked };
}

/** An object that only sets fields of one on the cluster (`capstan.dev/patch-existing`) may leave out what the schema requires: the live object has it. */
function partialAllowed(manifest: Manifest, issues: SchemaIssue[]): SchemaIssue[] {
  if (manifest.metadata.annotations?.[annotations.patchExisting] !== 'true') return issues;
  return issues.filter((issue) => issue.message !== 'is required');
}
