/**
 * The OpenAPI schemas of Kubernetes' built-in kinds, without a cluster: the validators that the
 * npm package `kubernetes-models` compiles from the schemas of one Kubernetes release (1.36 for
 * kubernetes-models 5), loaded on first use, one module per kind.
 *
 * Those validators check types, enums, formats and required fields, but, like the OpenAPI
 * documents they come from, do not refuse fields the schema does not declare (the API server
 * does, and `kubectl --validate=strict` and kubeconform `-strict` do). A declared field is one the
 * validator reads: it reads every property its schema declares, and enumerates the keys of a
 * mapping whose schema takes any key (labels, data). So the object is validated through a proxy
 * that records what the validator reads, and a key it never read, of a mapping it read fields
 * from, is not in the schema. A mapping it read nothing from is free-form (a RawExtension, a
 * JSON default) and never reported. The package's generator leaves out of the validators the
 * properties named like schema annotations (`description`, `x-kubernetes-*`, in PriorityClass and
 * CustomResourceDefinition): those names are always taken as declared
 * (builtin-schemas.test.ts checks that no other property is left out).
 */
import type { ErrorObject } from 'ajv';
import { describeIssues, type SchemaIssue } from './schema-issues.ts';

/** Validates one object of a known apiVersion and kind: every issue found, [] when it fits. */
export type SchemaValidator = (object: unknown) => SchemaIssue[];

/** The release of the schemas (for messages). */
export const builtinSchemaRelease = 'Kubernetes 1.36';

/** A model class of kubernetes-models: its apiVersion and kind, and a validate method that throws ajv's errors. */
type Model = { apiVersion?: string; kind?: string; prototype: { validate(this: unknown): void } } & (abstract new (...args: never[]) => unknown);

const loaded = new Map<string, Promise<SchemaValidator | undefined>>();

/**
 * The validator of a built-in apiVersion and kind, or undefined when the schemas have none (a
 * custom resource, a kind this release does not serve, an API version it removed).
 */
export function builtinSchema(apiVersion: string, kind: string, options: { sensitive?: boolean } = {}): Promise<SchemaValidator | undefined> {
  const id = `${apiVersion}|${kind}|${options.sensitive ? 'sensitive' : ''}`;
  let found = loaded.get(id);
  if (!found) {
    found = load(apiVersion, kind, options.sensitive ?? false);
    loaded.set(id, found);
  }
  return found;
}

async function load(apiVersion: string, kind: string, sensitive: boolean): Promise<SchemaValidator | undefined> {
  const slash = apiVersion.indexOf('/');
  const group = slash < 0 ? '' : apiVersion.slice(0, slash);
  const version = slash < 0 ? apiVersion : apiVersion.slice(slash + 1);
  // only names the package could hold: never a path made of an object's fields
  if (!/^([a-z0-9-]+\.)*[a-z0-9-]*$/.test(group) || !/^v\d+[a-z0-9]*$/.test(version) || !/^[A-Z][A-Za-z0-9]*$/.test(kind)) return undefined;
  const specifier = `kubernetes-models/${group ? `${group}/` : ''}${version}/${kind}`;
  let module: Record<string, unknown>;
  try {
    module = (await import(specifier)) as Record<string, unknown>;
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ERR_MODULE_NOT_FOUND' || code === 'ERR_PACKAGE_PATH_NOT_EXPORTED') return undefined;
    throw error;
  }
  const model = module[kind] as Model | undefined;
  if (typeof model !== 'function' || model.apiVersion !== apiVersion || model.kind !== kind) return undefined;
  return (object) => validateWith(model, object, sensitive);
}

function validateWith(model: Model, object: unknown, sensitive: boolean): SchemaIssue[] {
  const tracker = trackReads(object);
  let errors: ErrorObject[] = [];
  try {
    model.prototype.validate.call(tracker.proxy);
  } catch (error) {
    const found = (error as { errors?: ErrorObject[] }).errors;
    if (!Array.isArray(found)) throw error;
    errors = found;
  }
  return [...describeIssues(errors, object, { sensitive }), ...tracker.unread()];
}

interface Visit {
  path: Array<string | number>;
  target: Record<string, unknown>;
  read: Set<string>;
  enumerated: boolean;
}

/** A read-only view of `value` that records which keys of each mapping are read, and which mappings are enumerated. */
function trackReads(value: unknown): { proxy: unknown; unread(): SchemaIssue[] } {
  const visits: Visit[] = [];
  const proxies = new WeakMap<object, object>();
  const wrap = (current: unknown, path: Array<string | number>): unknown => {
    if (current === null || typeof current !== 'object') return current;
    const cached = proxies.get(current);
    if (cached) return cached;
    const list = Array.isArray(current);
    const visit: Visit = { path, target: current as Record<string, unknown>, read: new Set(), enumerated: false };
    if (!list) visits.push(visit);
    const proxy = new Proxy(current, {
      get(target, key) {
        const child = Reflect.get(target, key) as unknown;
        if (typeof key !== 'string') return child;
        if (list) return /^\d+$/.test(key) ? wrap(child, [...path, Number(key)]) : child;
        visit.read.add(key);
        return Object.hasOwn(target, key) ? wrap(child, [...path, key]) : child;
      },
      ownKeys(target) {
        visit.enumerated = true;
        return Reflect.ownKeys(target);
      },
      // the object is the render's: a validator never changes it
      set: () => true,
      deleteProperty: () => true,
      defineProperty: () => true,
    });
    proxies.set(current, proxy);
    return proxy;
  };
  const proxy = wrap(value, []);
  return {
    proxy,
    unread: () =>
      visits
        .filter((visit) => visit.read.size > 0 && !visit.enumerated)
        .flatMap((visit) =>
          Object.keys(visit.target)
            .filter((key) => !visit.read.has(key) && !leftOutByGenerator(key))
            .map((key) => ({ path: [...visit.path, key], message: unknownField(key, [...visit.read]) })),
        ),
  };
}

/** Property names the generator of kubernetes-models drops from its validators (see above). */
function leftOutByGenerator(key: string): boolean {
  return key === 'description' || key.startsWith('x-');
}

function unknownField(key: string, known: readonly string[]): string {
  const close = known.find((name) => name.toLowerCase() === key.toLowerCase());
  if (close) return `unknown field: did you mean "${close}"? (field names are case-sensitive)`;
  const sorted = [...known].sort();
  return sorted.length <= 12 ? `unknown field (known fields here: ${sorted.join(', ')})` : 'unknown field';
}
