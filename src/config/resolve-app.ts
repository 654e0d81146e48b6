/**
 * The effective settings of an app in an environment: defaults, app settings and per-environment
 * overrides merged, in that order. Pure.
 */
import { isDnsLabel, NotFoundError, ValidationError, type HealthRule } from '../core/index.ts';
import { sortByDependencies } from './dependency-graph.ts';
import { didYouMean } from './suggest-name.ts';
import { defaultSyncPolicy, type AppEnvironment, type AppEnvironmentOverride, type AppSpec, type Environment, type ImageOverride, type PostRender, type Project } from './types.ts';

/** Resolves one app in one environment; throws NotFoundError for an unknown app or environment, or one the app is not deployed to. */
export function resolveApp(project: Project, appName: string, envName: string): AppEnvironment {
  const app = findApp(project, appName);
  const env = findEnvironment(project, envName);
  if (!isDeployedTo(app, env.name)) {
    const listed = Object.keys(app.environments ?? {}).join(', ');
    throw new NotFoundError(
      `app "${app.name}" is not deployed to environment "${env.name}": it lists only ${listed} under environments (add ${env.name} there to deploy it)`,
    );
  }
  const override: AppEnvironmentOverride = app.environments?.[env.name] ?? { syncPolicy: {}, images: [] };
  const source = override.source ?? app.source;
  const namespace = override.namespace ?? app.namespace ?? (app.type === 'pins' ? folderNamespace(source) : undefined);
  if (namespace === undefined) {
    const pins = app.type === 'pins' ? ` (a pins app's namespace is its source folder's name, and "${source}" is not a namespace name)` : '';
    throw new ValidationError(`app "${app.name}" has no namespace in environment "${env.name}"${pins}: set namespace on the app or under its environments.${env.name}`);
  }
  const resolved: AppEnvironment = {
    name: app.name,
    env: env.name,
    source,
    namespace,
    createNamespace: app.createNamespace ?? false,
    dependsOn: dependenciesIn(project, app, env.name),
    helm: {
      releaseName: app.helm?.releaseName ?? app.name,
      valuesFiles: [...(app.helm?.valuesFiles ?? []), ...(override.helm?.valuesFiles ?? [])],
      values: mergeValues(structuredClone(app.helm?.values ?? {}), override.helm?.values ?? {}),
      ...(app.helm?.kubeVersion === undefined ? {} : { kubeVersion: app.helm.kubeVersion }),
      ...(app.helm?.apiVersions === undefined ? {} : { apiVersions: [...app.helm.apiVersions] }),
      ...(app.helm?.skipCRDs === undefined ? {} : { skipCRDs: app.helm.skipCRDs }),
      ...(app.helm?.repositories === undefined ? {} : { repositories: structuredClone(app.helm.repositories) }),
      ...(app.helm?.chart === undefined ? {} : { chart: { ...structuredClone(app.helm.chart), version: override.helm?.chartVersion ?? app.helm.chart.version } }),
    },
    images: mergeImages(app.images, override.images),
    ignoreDifferences: structuredClone(app.ignoreDifferences),
    health: mergeHealthRules(app.health, project.health ?? []),
    syncPolicy: { ...defaultSyncPolicy, ...app.syncPolicy, ...override.syncPolicy },
    syncOptions: { timeoutMs: app.syncOptions.timeoutMs, retry: { ...app.syncOptions.retry }, ...(app.syncOptions.pollIntervalMs === undefined ? {} : { pollIntervalMs: app.syncOptions.pollIntervalMs }), ...(app.syncOptions.conflicts === undefined ? {} : { conflicts: app.syncOptions.conflicts }), ...(app.syncOptions.wait === undefined ? {} : { wait: app.syncOptions.wait }) },
    syncWindows: structuredClone(env.syncWindows),
  };
  const cluster = override.cluster ?? env.cluster;
  if (cluster !== undefined) resolved.cluster = cluster;
  if (app.type !== undefined) resolved.type = app.type;
  if (app.type === 'artifact') resolved.service = app.service ?? app.name;
  if (app.scope !== undefined) resolved.scope = structuredClone(app.scope);
  const postRender = mergePostRender(app.postRender, override.postRender);
  if (postRender !== undefined) resolved.postRender = postRender;
  const imageLockFile = override.imageLockFile ?? app.imageLockFile;
  if (imageLockFile !== undefined) resolved.imageLockFile = imageLockFile;
  const disabled = [...new Set([...(app.lint?.disable ?? []), ...(override.lint?.disable ?? [])])];
  if (disabled.length > 0) resolved.lint = { disable: disabled };
  return resolved;
}

/** A pins app's namespace when none is set: its source folder's name (`state/development` → `development`), if that is one. */
export function folderNamespace(source: string): string | undefined {
  const name = source.split('/').at(-1) ?? '';
  return isDnsLabel(name) ? name : undefined;
}

/**
 * Every app deployed to an environment, resolved, with each app after the apps it depends on;
 * apps that do not depend on each other keep their declaration order.
 */
export function appsInEnvironment(project: Project, envName: string): AppEnvironment[] {
  const env = findEnvironment(project, envName);
  const names = project.apps.filter((a) => isDeployedTo(a, env.name)).map((a) => a.name);
  const byName = new Map(project.apps.map((a) => [a.name, a]));
  const sorted = sortByDependencies(names, (name) => dependenciesIn(project, byName.get(name)!, env.name));
  if (sorted === undefined) throw new ValidationError(`the dependsOn of the apps in environment "${env.name}" form a cycle`);
  return sorted.map((name) => resolveApp(project, name, env.name));
}

/** Whether an app is deployed to an environment: every one when it lists none, else those listed. */
export function isDeployedTo(app: AppSpec, envName: string): boolean {
  return app.environments === undefined || Object.hasOwn(app.environments, envName);
}

function findApp(project: Project, name: string): AppSpec {
  const app = project.apps.find((a) => a.name === name);
  if (app) return app;
  const names = project.apps.map((a) => a.name);
  const known = names.length > 0 ? `the project declares ${names.join(', ')}` : 'the project declares no apps';
  throw new NotFoundError(`unknown app "${name}"${didYouMean(name, names)}: ${known}`);
}

function findEnvironment(project: Project, name: string): Environment {
  const env = project.environments.find((e) => e.name === name);
  if (env) return env;
  const names = project.environments.map((e) => e.name);
  throw new NotFoundError(`unknown environment "${name}"${didYouMean(name, names)}: the project declares ${names.join(', ') || 'none'}`);
}

/**
 * The apps deployed to `envName` that `app` depends on, directly or through apps that are not
 * deployed there, in the order first met.
 */
function dependenciesIn(project: Project, app: AppSpec, envName: string): string[] {
  const byName = new Map(project.apps.map((a) => [a.name, a]));
  const result: string[] = [];
  const visited = new Set<string>([app.name]);
  const queue = [...app.dependsOn];
  while (queue.length > 0) {
    const name = queue.shift()!;
    if (visited.has(name)) continue;
    visited.add(name);
    const dependency = byName.get(name);
    if (dependency === undefined) continue;
    if (isDeployedTo(dependency, envName)) result.push(name);
    else queue.push(...dependency.dependsOn);
  }
  return result;
}

/** Image overrides by name: an environment's entry replaces the app's tag or digest and, when given, its newName. */
function mergeImages(base: readonly ImageOverride[], overrides: readonly ImageOverride[]): ImageOverride[] {
  const merged = base.map((i) => ({ ...i }));
  for (const override of overrides) {
    const existing = merged.find((i) => i.name === override.name);
    if (existing === undefined) {
      merged.push({ ...override });
      continue;
    }
    if (override.newName !== undefined) existing.newName = override.newName;
    if (override.newTag !== undefined || override.digest !== undefined) {
      delete existing.newTag;
      delete existing.digest;
      if (override.newTag !== undefined) existing.newTag = override.newTag;
      if (override.digest !== undefined) existing.digest = override.digest;
    }
  }
  return merged;
}

/** The environment's patches after the app's; its variables over the app's (substituteFrom after the app's, so they win). */
function mergePostRender(app: PostRender | undefined, env: Omit<PostRender, 'targetNamespace'> | undefined): PostRender | undefined {
  if (env === undefined) return app && structuredClone(app);
  const base = structuredClone(app ?? { patches: [], substitute: {}, substituteFrom: [] });
  return { ...base, patches: [...base.patches, ...structuredClone(env.patches)], substitute: { ...base.substitute, ...env.substitute }, substituteFrom: [...base.substituteFrom, ...env.substituteFrom] };
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Helm's merge of values: mappings merge key by key, anything else (lists included) is replaced. */
export function mergeValues(target: Record<string, unknown>, source: Record<string, unknown>): Record<string, unknown> {
  for (const [key, value] of Object.entries(source)) {
    const current = Object.hasOwn(target, key) ? target[key] : undefined;
    const next = isPlainObject(current) && isPlainObject(value) ? mergeValues(current, value) : structuredClone(value);
    Object.defineProperty(target, key, { value: next, enumerable: true, writable: true, configurable: true });
  }
  return target;
}

/**
 * An app's health rules, then the project's (`health:` at the top of capstan.yaml) for the kinds
 * the app's do not cover: for the same kind, the app's rule wins (one without a group covers the
 * kind in every group).
 */
export function mergeHealthRules(app: readonly HealthRule[], project: readonly HealthRule[]): HealthRule[] {
  const covered = (rule: HealthRule): boolean => app.some((own) => own.kind === rule.kind && (own.group === undefined || own.group === rule.group));
  return structuredClone([...app, ...project.filter((rule) => !covered(rule))]);
}
