import { builtinScope, type HealthStatus, type Manifest } from '../core/index.ts';
import { findCondition, get, health, isObject, isTrue } from './fields.ts';

/** The CustomResourceDefinition that serves a kind, as the caller found it. */
export interface CrdState {
  /** The CRD's name (`widgets.example.com`). */
  name: string;
  /** Its live copy; undefined when it does not exist (yet). */
  object: Manifest | undefined;
}

/**
 * Which CRD serves `group`/`kind`; undefined when no CRD does (a built-in or aggregated kind) or
 * the caller does not know. Filled by the caller from objects it already holds or has read.
 */
export type CrdLookup = (group: string, kind: string) => CrdState | undefined;

/**
 * A custom resource without a status (nothing reports on it) is Healthy only once the CRD that
 * serves its kind is Established; before that, Progressing naming the CRD. Undefined when the
 * object has a status, is of a built-in kind, or no CRD is known for its kind: the usual
 * assessment applies.
 */
export function assessStatuslessCustomResource(object: Manifest, group: string, crds: CrdLookup): HealthStatus | undefined {
  if (isObject(get(object, 'status')) || group === '' || builtinScope(group, String(object.kind))) return undefined;
  const crd = crds(group, String(object.kind));
  if (!crd) return undefined;
  if (!crd.object) return health('Progressing', `Waiting for CRD ${crd.name}: it does not exist`);
  if (!isTrue(findCondition(crd.object, 'Established'))) return health('Progressing', `Waiting for CRD ${crd.name} to be established`);
  return health('Healthy');
}
