import type {
  IApplication,
  IApplicationSet,
  IApplicationSetGenerator,
  IApplicationSetNestedGenerator,
  IApplicationSource,
  IApplicationSpec,
  IListGenerator,
  IGitGenerator,
} from '@kubernetes-models/argo-cd/argoproj.io/v1alpha1';
import { parseDuration } from '../config/index.ts';
import { parse as parseYaml } from 'yaml';
import { dnsLabel, imageOverride, inClusterEnvironment, isRecord, mergeValues, originOf, repoPath, setValue, type ImportedApp, type ImportedEnvironment, type ImportedGenerator, type ImportedProject } from './imported-project.ts';
import type { Manifest } from './read-manifests.ts';

export interface ArgoImportOptions {
  /** The directories of the config repo's checkout that match a glob (`apps/*`), sorted: what a git directories generator lists. */
  listDirectories: (pattern: string) => string[];
}

const inClusterServer = 'https://kubernetes.default.svc';

/** Argo CD's Applications and ApplicationSets as capstan apps; other kinds are warnings. */
export function importArgoCd(manifests: Manifest[], options: ArgoImportOptions): ImportedProject {
  const apps: ImportedApp[] = [];
  const generators: ImportedGenerator[] = [];
  const warnings: string[] = [];
  const unexpanded: string[] = [];
  for (const manifest of manifests) {
    const { object, file, line } = manifest;
    const group = String(object.apiVersion ?? '').split('/')[0];
    if (group === 'argoproj.io' && object.kind === 'Application') {
      const application = object as unknown as IApplication;
      apps.push(importApplication(application.metadata?.name ?? '', application.spec, originOf('Application', application.metadata, file, line), application.metadata?.finalizers ?? []));
    } else if (group === 'argoproj.io' && object.kind === 'ApplicationSet') {
      const set = object as unknown as IApplicationSet;
      const origin = originOf('ApplicationSet', set.metadata, file, line);
      const generator = directoriesGenerator(set, origin) ?? listGenerator(set, origin);
      if (generator) {
        generators.push(generator);
        continue;
      }
      const expanded = importApplicationSet(set, origin, options);
      if (Array.isArray(expanded)) apps.push(...expanded);
      else unexpanded.push(`${origin}: no app (its generators gave nothing capstan import can expand)`, ...expanded.notes.map((n) => `  no equivalent: ${n}`));
    } else {
      warnings.push(`${file}:${line}: ${String(object.kind ?? '(no kind)')} ${String((object.metadata as { name?: string } | undefined)?.name ?? '')} skipped: capstan import argocd reads Application and ApplicationSet (argoproj.io)`.replace('  ', ' '));
    }
  }
  return { apps, generators, header: [...repoHeader([...apps, ...generators]), ...unexpanded], warnings };
}

/** The repo most apps read from is the config repo; the header says so, and apps from other repos say so. */
function repoHeader(apps: ImportedApp[]): string[] {
  const counts = new Map<string, number>();
  for (const app of apps) {
    const repo = repoOf.get(app);
    if (repo) counts.set(repo.url, (counts.get(repo.url) ?? 0) + 1);
  }
  const configRepo = [...counts.entries()].sort((a, b) => b[1] - a[1])[0]?.[0];
  if (configRepo === undefined) return [];
  const revisions = new Set(apps.map((a) => repoOf.get(a)).filter((r) => r?.url === configRepo).map((r) => r!.revision));
  for (const app of apps) {
    const repo = repoOf.get(app);
    if (repo && repo.url !== configRepo) app.notes.push(`source.repoURL ${repo.url} (capstan reads every app from one config repo, ${configRepo}: copy ${String(app.entry.source)} into it)`);
  }
  const revision = revisions.size === 1 ? [...revisions][0]! : 'HEAD';
  return [`the config repo: ${configRepo} at ${revision} (capstan --repo ${configRepo} --revision ${revision}; the agent watches it)`];
}

const repoOf = new WeakMap<ImportedApp, { url: string; revision: string }>();

function importApplication(name: string, spec: IApplicationSpec | undefined, origin: string, finalizers: string[]): ImportedApp {
  const notes: string[] = [];
  const entry: Record<string, unknown> = { name: name.includes('{{') ? name : dnsLabel(name) };
  if (entry.name !== name) notes.push(`metadata.name ${name} (capstan names apps with DNS labels: renamed ${String(entry.name)})`);
  const sources = spec?.sources ?? [];
  let source = spec?.source;
  if (!source && sources.length > 0) {
    source = sources.find((s) => s.ref === undefined) ?? sources[0];
    for (const other of sources.filter((s) => s !== source)) {
      notes.push(`spec.sources ${other.ref ? `ref ${other.ref} ` : ''}${other.repoURL}${other.path ? ` ${other.path}` : ''}${other.chart ? ` chart ${other.chart}` : ''} (capstan renders one source per app: ${other.ref ? 'copy the values files it holds beside the chart' : 'make it an app of its own'})`);
    }
  }
  let repo: { url: string; revision: string } | undefined;
  if (source) repo = importSource(source, entry, notes);
  else notes.push('spec.source (none: capstan needs a directory of the config repo)');
  const destination = spec?.destination ?? {};
  // Argo CD applies objects without a namespace to the destination's, or to default
  entry.namespace = destination.namespace || 'default';
  const syncPolicy = spec?.syncPolicy;
  const automated = syncPolicy?.automated !== undefined && syncPolicy.automated.enabled !== false;
  const policy: Record<string, unknown> = {};
  if (!automated) policy.automated = false;
  if (syncPolicy?.automated?.prune !== true) policy.prune = false;
  if (syncPolicy?.automated?.selfHeal === true) policy.selfHeal = true;
  if (syncPolicy?.automated?.allowEmpty === true) policy.allowEmpty = true;
  for (const option of syncPolicy?.syncOptions ?? []) importSyncOption(option, entry, notes);
  if (Object.keys(policy).length > 0) entry.syncPolicy = policy;
  const retry = syncPolicy?.retry;
  if (retry) {
    const options: Record<string, unknown> = {};
    if (retry.limit !== undefined && retry.limit >= 0) options.limit = retry.limit;
    else if (retry.limit !== undefined) notes.push(`spec.syncPolicy.retry.limit ${retry.limit} (capstan retries a bounded number of times: set syncOptions.retry.limit)`);
    const backoff = retry.backoff;
    if (backoff?.duration !== undefined) {
      if (parseDuration(backoff.duration) !== undefined) options.backoff = backoff.duration;
      else notes.push(`spec.syncPolicy.retry.backoff.duration ${backoff.duration} (not a duration capstan reads, such as 5s)`);
    }
    if (backoff?.maxDuration !== undefined) {
      if (parseDuration(backoff.maxDuration) !== undefined) options.maxBackoff = backoff.maxDuration;
      else notes.push(`spec.syncPolicy.retry.backoff.maxDuration ${backoff.maxDuration} (not a duration capstan reads, such as 3m)`);
    }
    if (backoff?.factor !== undefined && backoff.factor !== 2) notes.push(`spec.syncPolicy.retry.backoff.factor ${backoff.factor} (capstan doubles the backoff)`);
    if (retry.refresh) notes.push('spec.syncPolicy.retry.refresh (capstan retries with the newest commit anyway)');
    if (Object.keys(options).length > 0) entry.syncOptions = { retry: options };
  }
  if (syncPolicy?.managedNamespaceMetadata) notes.push('spec.syncPolicy.managedNamespaceMetadata (capstan creates the namespace bare: add a Namespace object with those labels and annotations to the source)');
  const ignore = spec?.ignoreDifferences ?? [];
  const rules = [];
  for (const rule of ignore) {
    const out: Record<string, unknown> = {};
    if (rule.group) out.group = rule.group;
    out.kind = rule.kind;
    if (rule.name) out.name = rule.name;
    if (rule.namespace) out.namespace = rule.namespace;
    if (rule.jsonPointers?.length) out.jsonPointers = rule.jsonPointers;
    if (rule.managedFieldsManagers?.length) out.managedFieldsManagers = rule.managedFieldsManagers;
    if (rule.jqPathExpressions?.length) notes.push(`spec.ignoreDifferences ${rule.kind} jqPathExpressions ${rule.jqPathExpressions.join(', ')} (capstan ignores JSON pointers and field managers: write them as jsonPointers)`);
    if (out.jsonPointers || out.managedFieldsManagers) rules.push(out);
  }
  if (rules.length > 0) entry.ignoreDifferences = rules;
  if (spec?.project && spec.project !== 'default') notes.push(`spec.project ${spec.project} (an AppProject's destinations and resource lists are a capstan scope: declare it under scopes: and set scope: on the app)`);
  if (spec?.revisionHistoryLimit !== undefined) notes.push(`spec.revisionHistoryLimit ${spec.revisionHistoryLimit} (capstan keeps the last 20 syncs)`);
  if (spec?.info?.length) notes.push('spec.info (capstan shows no free-form links)');
  if (spec?.sourceHydrator) notes.push('spec.sourceHydrator (capstan renders at sync time; `capstan render --output-dir` writes rendered manifests)');
  if (finalizers.some((f) => f.startsWith('resources-finalizer.argocd.argoproj.io'))) notes.push('metadata.finalizers resources-finalizer (removing an app from capstan.yaml leaves its objects until `capstan delete`, or set pruneRemovedApps: true)');
  const read = ['source', 'sources', 'destination', 'syncPolicy', 'ignoreDifferences', 'project', 'revisionHistoryLimit', 'info', 'sourceHydrator'];
  for (const [key, value] of Object.entries(spec ?? {})) if (!read.includes(key) && value !== undefined) notes.push(`spec.${key} ${formatSetting(value)} (capstan import does not know this setting)`);
  const app: ImportedApp = { entry, origin, notes, environment: environmentOf(destination) };
  if (repo) repoOf.set(app, repo);
  return app;
}

/** source.* into the entry; the repo it reads from. */
function importSource(source: IApplicationSource, entry: Record<string, unknown>, notes: string[]): { url: string; revision: string } | undefined {
  let repo: { url: string; revision: string } | undefined;
  if (source.chart) {
    // a Helm repository, or an OCI registry (Argo CD writes those without a scheme): capstan fetches the chart (helm.chart)
    const repository = /^[a-z][a-z0-9+.-]*:\/\//i.test(source.repoURL) ? source.repoURL : `oci://${source.repoURL}`;
    entry.helm = { chart: { repository, name: source.chart, version: source.targetRevision || '*' } };
    notes.push(`source.repoURL ${source.repoURL} credentials (capstan reads them from helm.chart.credentials: { secret: <name> } in its own namespace with the keys username and password, or { file }: add it when the repository needs them)`);
  } else {
    entry.source = repoPath(source.path);
    repo = { url: source.repoURL, revision: source.targetRevision ?? 'HEAD' };
  }
  if (source.helm) {
    if (!source.chart) entry.type = 'helm';
    const helm = source.helm;
    const out: Record<string, unknown> = {};
    if (helm.releaseName) out.releaseName = helm.releaseName;
    const files = (helm.valueFiles ?? []).filter((f) => {
      if (source.chart) {
        notes.push(`source.helm.valueFiles ${f} (a file inside the chart: capstan reads values files from the config repo; copy it there and list it in helm.valuesFiles)`);
        return false;
      }
      if (/^(\$|https?:|\/)/.test(f) || f.includes('..')) {
        notes.push(`source.helm.valueFiles ${f} (capstan reads values files inside the chart's directory: copy it there)`);
        return false;
      }
      return true;
    });
    if (files.length > 0) out.valuesFiles = files;
    let values: Record<string, unknown> = {};
    if (helm.values) {
      try {
        const parsed: unknown = parseYaml(helm.values);
        if (isRecord(parsed)) values = mergeValues(values, parsed);
      } catch {
        notes.push('source.helm.values (not YAML that parses)');
      }
    }
    if (isRecord(helm.valuesObject)) values = mergeValues(values, helm.valuesObject);
    for (const parameter of helm.parameters ?? []) {
      const value = parameter.forceString || parameter.value === undefined ? (parameter.value ?? '') : scalar(parameter.value);
      if (!parameter.name || !setValue(values, parameter.name, value)) notes.push(`source.helm.parameters ${parameter.name ?? ''} (write it in helm.values)`);
    }
    if (Object.keys(values).length > 0) out.values = values;
    for (const parameter of helm.fileParameters ?? []) notes.push(`source.helm.fileParameters ${parameter.name ?? ''} (capstan has no --set-file: put the file's content in a values file)`);
    // as Argo CD: explicit kubeVersion / apiVersions win over the target cluster's
    if (helm.skipCrds === true) out.skipCRDs = true;
    if (helm.kubeVersion) out.kubeVersion = helm.kubeVersion;
    if (helm.apiVersions && helm.apiVersions.length > 0) out.apiVersions = [...helm.apiVersions];
    const unsupported: Array<[keyof typeof helm, string]> = [
      ['skipTests', 'capstan does not run chart tests'],
      ['skipSchemaValidation', 'capstan validates values against the chart schema'],
      ['passCredentials', 'capstan sends a repository\'s credentials only to its own host'],
      ['ignoreMissingValueFiles', 'a missing values file is an error'],
      ['namespace', 'the release namespace is the app\'s namespace'],
      ['version', 'capstan runs the helm on its PATH'],
    ];
    for (const [key, why] of unsupported) if (helm[key] !== undefined && helm[key] !== false) notes.push(`source.helm.${key} ${formatSetting(helm[key])} (${why})`);
    if (Object.keys(out).length > 0) entry.helm = { ...(entry.helm as Record<string, unknown> | undefined), ...out };
  }
  if (source.kustomize) {
    entry.type = 'kustomize';
    const kustomize = source.kustomize;
    const images = (kustomize.images ?? []).map((text) => [text, imageOverride(text)] as const);
    for (const [text, override] of images) if (!override) notes.push(`source.kustomize.images ${text} (not an image override capstan reads)`);
    const overrides = images.flatMap(([, o]) => (o ? [o] : []));
    if (overrides.length > 0) entry.images = overrides;
    for (const [key, value] of Object.entries(kustomize)) {
      if (key === 'images' || value === undefined || value === false) continue;
      notes.push(`source.kustomize.${key} ${formatSetting(value)} (write it in the kustomization.yaml of ${String(entry.source)})`);
    }
  }
  if (source.directory) {
    entry.type ??= 'directory';
    const directory = source.directory;
    if (directory.recurse === false) notes.push('source.directory.recurse false (capstan reads the directory recursively: move subdirectories out of it)');
    if (directory.include) notes.push(`source.directory.include ${directory.include} (capstan reads every .yaml, .yml and .json: move other files out)`);
    if (directory.exclude) notes.push(`source.directory.exclude ${directory.exclude} (capstan reads every .yaml, .yml and .json: move these files out)`);
    if (directory.jsonnet && Object.keys(directory.jsonnet).length > 0) notes.push('source.directory.jsonnet (capstan renders no jsonnet: commit the rendered YAML)');
  }
  if (source.plugin) notes.push(`source.plugin ${source.plugin.name ?? ''} (capstan runs no config management plugins: commit the rendered YAML)`.replace(' (', ' ('));
  return repo;
}

function importSyncOption(option: string, entry: Record<string, unknown>, notes: string[]): void {
  const [key, value] = option.split('=', 2) as [string, string | undefined];
  if (key === 'CreateNamespace') {
    if (value === 'true') entry.createNamespace = true;
    return;
  }
  // what capstan always does: apply only what differs, server-side, never adopt another app's objects
  if (['ApplyOutOfSyncOnly', 'ServerSideApply', 'FailOnSharedResource'].includes(key) && value === 'true') return;
  if (key === 'PruneLast' && value === 'true') {
    notes.push('syncOptions PruneLast=true (capstan prunes after the last wave anyway)');
    return;
  }
  const why: Record<string, string> = {
    Validate: 'capstan validates every object against its schema',
    PrunePropagationPolicy: 'capstan deletes in the foreground, in reverse order',
    Replace: 'use the argocd.argoproj.io/sync-options annotation on the objects concerned',
    RespectIgnoreDifferences: 'capstan\'s ignoreDifferences only affect the diff',
    SkipDryRunOnMissingResource: 'use the argocd.argoproj.io/sync-options annotation on the objects concerned',
  };
  notes.push(`syncOptions ${option} (${why[key] ?? 'capstan has no such option'})`);
}

/** The capstan environment of a destination: the in-cluster one, or one per named cluster or server. */
function environmentOf(destination: { name?: string; server?: string }): ImportedEnvironment {
  if (destination.name && destination.name !== 'in-cluster') {
    return { name: dnsLabel(destination.name), cluster: destination.name, note: `destination.name ${destination.name}: cluster is the kubeconfig context of that name` };
  }
  if (destination.server && destination.server !== inClusterServer) {
    const host = destination.server.replace(/^https?:\/\//, '').replace(/[:/].*$/, '');
    return { name: dnsLabel(host.split('.')[0] ?? host), note: `destination.server ${destination.server} (set cluster: to the kubeconfig context of this API server)` };
  }
  return inClusterEnvironment;
}

function scalar(text: string): unknown {
  if (text === 'true' || text === 'false') return text === 'true';
  if (/^-?\d+(\.\d+)?$/.test(text) && Number.isFinite(Number(text))) return Number(text);
  return text;
}

function formatSetting(value: unknown): string {
  if (Array.isArray(value)) return value.map((v) => (typeof v === 'string' ? v : JSON.stringify(v))).join(', ');
  return typeof value === 'string' ? value : JSON.stringify(value);
}

/**
 * An ApplicationSet with one git directories generator (one pattern, `*` and `?` only, exclusions)
 * whose template uses only the folder's path and name, as capstan's own `directories` generator;
 * undefined when it is anything else (then it is expanded into apps).
 */
function directoriesGenerator(set: IApplicationSet, origin: string): ImportedGenerator | undefined {
  const generators = set.spec.generators ?? [];
  const git = generators.length === 1 && Object.keys(generators[0]!).length === 1 ? generators[0]!.git : undefined;
  if (!git || git.files?.length || git.template || git.values || git.pathParamPrefix) return undefined;
  const include = (git.directories ?? []).filter((d) => !d.exclude).map((d) => repoPath(d.path));
  const exclude = (git.directories ?? []).filter((d) => d.exclude).map((d) => repoPath(d.path));
  if (include.length !== 1 || [...include, ...exclude].some((p) => p.includes('**') || p.includes('['))) return undefined;
  const goTemplate = set.spec.goTemplate === true;
  const params: Params = goTemplate ? { 'path.path': '{{dir.path}}', 'path.basename': '{{dir.name}}' } : { path: '{{dir.path}}', 'path.basename': '{{dir.name}}' };
  const template = renderTemplate(set.spec.template, params, goTemplate) as { metadata?: { name?: string; finalizers?: string[] }; spec?: IApplicationSpec };
  const leftover = JSON.stringify(template).match(/\{\{(?!dir\.(path|name)\}\})[^}]*\}\}/g);
  const destination = template.spec?.destination;
  if (leftover || destination?.server?.includes('{{') || destination?.name?.includes('{{')) return undefined;
  const app = importApplication(template.metadata?.name ?? '', template.spec, origin, template.metadata?.finalizers ?? []);
  const setNotes = applicationSetNotes(set);
  app.notes.unshift(...setNotes);
  const generator: ImportedGenerator = { ...app, directories: include[0]!, exclude };
  const repo = repoOf.get(app);
  if (repo) repoOf.set(generator, repo);
  return generator;
}

/**
 * An ApplicationSet with one list generator of flat elements, whose template uses only their keys
 * and deploys to one cluster, as capstan's own `list` generator (`{{item.<key>}}`); undefined
 * otherwise (then it is expanded into apps).
 */
function listGenerator(set: IApplicationSet, origin: string): ImportedGenerator | undefined {
  const generators = set.spec.generators ?? [];
  const list = generators.length === 1 && Object.keys(generators[0]!).length === 1 ? generators[0]!.list : undefined;
  if (!list || list.elementsYaml || list.template || !list.elements?.length) return undefined;
  const elements = list.elements;
  const flat = (e: unknown): e is Record<string, string | number | boolean> => isRecord(e) && Object.values(e).every((v) => ['string', 'number', 'boolean'].includes(typeof v));
  if (!elements.every(flat)) return undefined;
  const keys = [...new Set(elements.flatMap((e) => Object.keys(e)))];
  const params: Params = Object.fromEntries(keys.map((key) => [key, `{{item.${key}}}`]));
  const goTemplate = set.spec.goTemplate === true;
  const template = renderTemplate(set.spec.template, params, goTemplate) as { metadata?: { name?: string; finalizers?: string[] }; spec?: IApplicationSpec };
  const leftover = JSON.stringify(template).match(/\{\{(?!item\.[^{}]+\}\})[^}]*\}\}/g);
  const destination = template.spec?.destination;
  if (leftover || destination?.server?.includes('{{') || destination?.name?.includes('{{')) return undefined;
  const app = importApplication(template.metadata?.name ?? '', template.spec, origin, template.metadata?.finalizers ?? []);
  app.notes.unshift(...applicationSetNotes(set));
  const generator: ImportedGenerator = { ...app, exclude: [], list: elements };
  const repo = repoOf.get(app);
  if (repo) repoOf.set(generator, repo);
  return generator;
}

function applicationSetNotes(set: IApplicationSet): string[] {
  const spec = set.spec;
  const notes: string[] = [];
  if (spec.syncPolicy?.preserveResourcesOnDeletion) notes.push('spec.syncPolicy.preserveResourcesOnDeletion (removing an app from capstan.yaml leaves its objects unless pruneRemovedApps: true)');
  if (spec.syncPolicy?.applicationsSync) notes.push(`spec.syncPolicy.applicationsSync ${spec.syncPolicy.applicationsSync} (capstan.yaml is edited by hand: the apps are what it lists)`);
  if (spec.strategy) notes.push(`spec.strategy ${spec.strategy.type ?? ''} (capstan moves releases between environments with promotesFrom and capstan promote)`);
  if (spec.templatePatch) notes.push('spec.templatePatch (not applied: edit the apps below)');
  if (spec.ignoreApplicationDifferences) notes.push('spec.ignoreApplicationDifferences (capstan.yaml is edited by hand)');
  return notes;
}

// --- ApplicationSet ---------------------------------------------------------------------------

type Params = Record<string, string>;

/** One app per parameter set of the generators, or, when they give none, the notes that say why. */
function importApplicationSet(set: IApplicationSet, origin: string, options: ArgoImportOptions): ImportedApp[] | { notes: string[] } {
  const spec = set.spec;
  const setNotes: string[] = [];
  const goTemplate = spec.goTemplate === true;
  let params: Params[] = [];
  for (const [index, generator] of (spec.generators ?? []).entries()) {
    params.push(...generatorParams(generator, `spec.generators[${index}]`, goTemplate, options, setNotes));
  }
  setNotes.push(...applicationSetNotes(set));
  params = dedupe(params);
  if (params.length === 0) {
    return { notes: setNotes };
  }
  return params.map((p) => {
    const template = renderTemplate(spec.template, p, goTemplate) as { metadata?: { name?: string; finalizers?: string[] }; spec?: IApplicationSpec };
    const leftover = JSON.stringify(template).match(/\{\{[^}]*\}\}/g);
    const name = template.metadata?.name ?? '';
    const app = importApplication(name, template.spec, `${origin}, ${describeParams(p)}`, template.metadata?.finalizers ?? []);
    app.notes.unshift(...setNotes);
    if (leftover) app.notes.push(`template ${[...new Set(leftover)].join(', ')} (capstan import expands {{name}} and {{.name}} parameters only: fill it in by hand)`);
    return app;
  });
}

/** The parameters that tell elements apart: `path apps/web`, `cluster=staging, url=…`. */
function describeParams(params: Params): string {
  const path = params['path.path'] ?? params.path;
  const rest = Object.entries(params).filter(([key]) => !/^path(\.|\[|$)/.test(key));
  return [...(path !== undefined ? [`path ${path}`] : []), ...rest.map(([key, value]) => `${key}=${value}`)].join(', ');
}

function dedupe(params: Params[]): Params[] {
  const seen = new Set<string>();
  return params.filter((p) => {
    const key = JSON.stringify(p);
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

function generatorParams(generator: IApplicationSetGenerator | IApplicationSetNestedGenerator, at: string, goTemplate: boolean, options: ArgoImportOptions, notes: string[]): Params[] {
  if (generator.selector) notes.push(`${at}.selector (not applied: remove the apps it would filter out)`);
  if (generator.list) return listParams(generator.list, at, notes);
  if (generator.git) return gitParams(generator.git, at, goTemplate, options, notes);
  if (generator.matrix) {
    const children = ((generator.matrix as { generators?: IApplicationSetNestedGenerator[] }).generators ?? []);
    if (children.length !== 2) {
      notes.push(`${at}.matrix of ${children.length} generators (capstan import crosses two)`);
      return [];
    }
    const [left, right] = children.map((child, i) => generatorParams(child, `${at}.matrix.generators[${i}]`, goTemplate, options, notes)) as [Params[], Params[]];
    return left.flatMap((l) => right.map((r) => ({ ...l, ...r })));
  }
  const kind = Object.keys(generator).find((k) => k !== 'selector') ?? '(empty)';
  const why: Record<string, string> = {
    clusters: 'capstan\'s environments are the clusters: list them under environments:',
    merge: 'merge the parameters by hand into the apps',
    pullRequest: 'capstan deploys branches it is told to, not pull requests',
    scmProvider: 'capstan reads one config repo',
    clusterDecisionResource: 'capstan\'s environments are the clusters: list them under environments:',
    plugin: 'capstan runs no generator plugins',
  };
  notes.push(`${at}.${kind} generator (${why[kind] ?? 'not one capstan import knows'})`);
  return [];
}

function listParams(list: IListGenerator, at: string, notes: string[]): Params[] {
  if (list.elementsYaml) notes.push(`${at}.list.elementsYaml (a template: list the elements by hand)`);
  if (list.template) notes.push(`${at}.list.template (its own template is not applied)`);
  return (list.elements ?? []).filter(isRecord).map((element) => flatten(element));
}

function gitParams(git: IGitGenerator, at: string, goTemplate: boolean, options: ArgoImportOptions, notes: string[]): Params[] {
  if (git.files?.length) notes.push(`${at}.git.files ${git.files.map((f) => f.path).join(', ')} (list the apps those files describe by hand)`);
  if (git.template) notes.push(`${at}.git.template (its own template is not applied)`);
  const include = (git.directories ?? []).filter((d) => !d.exclude).map((d) => d.path);
  const exclude = (git.directories ?? []).filter((d) => d.exclude).map((d) => d.path);
  const excluded = new Set(exclude.flatMap((p) => options.listDirectories(p)));
  const found = [...new Set(include.flatMap((p) => options.listDirectories(p)))].filter((d) => !excluded.has(d)).sort();
  if (include.length > 0 && found.length === 0) notes.push(`${at}.git.directories ${include.join(', ')} (matched no directory of the checkout given with --repo)`);
  const prefix = git.pathParamPrefix ? `${git.pathParamPrefix}.` : '';
  return found.map((dir) => {
    const segments = dir.split('/');
    const basename = segments.at(-1)!;
    const normalized = basename.toLowerCase().replace(/[^a-z0-9-.]/g, '-');
    const params: Params = goTemplate
      ? { [`${prefix}path.path`]: dir, [`${prefix}path.basename`]: basename, [`${prefix}path.basenameNormalized`]: normalized }
      : { [`${prefix}path`]: dir, [`${prefix}path.basename`]: basename, [`${prefix}path.basenameNormalized`]: normalized };
    segments.forEach((segment, i) => (params[goTemplate ? `${prefix}path.segments[${i}]` : `${prefix}path[${i}]`] = segment));
    for (const [key, value] of Object.entries(git.values ?? {})) params[`values.${key}`] = value;
    return params;
  });
}

/** Nested elements as Argo CD's template parameters: `{values: {x: 1}}` is `values.x`. */
function flatten(value: Record<string, unknown>, prefix = '', out: Params = {}): Params {
  for (const [key, item] of Object.entries(value)) {
    if (isRecord(item)) flatten(item, `${prefix}${key}.`, out);
    else out[`${prefix}${key}`] = typeof item === 'string' ? item : JSON.stringify(item);
  }
  return out;
}

/** Every string of the template with `{{name}}` (or, with goTemplate, `{{ .name }}`) replaced by its parameter. */
function renderTemplate(value: unknown, params: Params, goTemplate: boolean): unknown {
  if (typeof value === 'string') {
    return value.replace(/\{\{\s*([^}]*?)\s*\}\}/g, (whole, expression: string) => {
      const key = goTemplate ? (expression.startsWith('.') ? expression.slice(1) : undefined) : expression;
      return key !== undefined && Object.hasOwn(params, key) ? params[key]! : whole;
    });
  }
  if (Array.isArray(value)) return value.map((v) => renderTemplate(v, params, goTemplate));
  if (isRecord(value)) return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, renderTemplate(v, params, goTemplate)]));
  return value;
}
