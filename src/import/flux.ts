import type { IHelmRelease } from '@kubernetes-models/flux-cd/helm.toolkit.fluxcd.io/v2';
import type { IKustomization } from '@kubernetes-models/flux-cd/kustomize.toolkit.fluxcd.io/v1';
import { parseDuration } from '../config/index.ts';
import { dnsLabel, inClusterEnvironment, isRecord, originOf, repoPath, type ImportedApp, type ImportedProject } from './imported-project.ts';
import type { Manifest } from './read-manifests.ts';

const sourceKinds = ['GitRepository', 'OCIRepository', 'Bucket', 'HelmRepository'];

interface FluxSource {
  kind: string;
  /** `namespace/name` */
  id: string;
  url?: string;
  revision?: string;
  oci: boolean;
  /** `spec.secretRef.name`: the credentials of a HelmRepository. */
  secretRef?: string;
}

/** Flux's Kustomizations and HelmReleases as capstan apps; its sources say where charts and the config repo are; other kinds are warnings. */
export function importFlux(manifests: Manifest[]): ImportedProject {
  const sources = new Map<string, FluxSource>();
  for (const { object } of manifests) {
    if (!String(object.apiVersion ?? '').startsWith('source.toolkit.fluxcd.io/') || !sourceKinds.includes(String(object.kind))) continue;
    const metadata = (object.metadata ?? {}) as { name?: string; namespace?: string };
    const spec = (object.spec ?? {}) as { url?: string; ref?: { branch?: string; tag?: string; semver?: string; commit?: string }; type?: string; secretRef?: { name?: string } };
    const id = `${metadata.namespace ?? 'flux-system'}/${metadata.name ?? ''}`;
    const revision = spec.ref?.commit ?? spec.ref?.tag ?? spec.ref?.semver ?? spec.ref?.branch;
    sources.set(`${String(object.kind)}/${id}`, { kind: String(object.kind), id, url: spec.url, revision, oci: spec.type === 'oci' || spec.url?.startsWith('oci://') === true, ...(spec.secretRef?.name ? { secretRef: spec.secretRef.name } : {}) });
  }
  const apps: ImportedApp[] = [];
  const warnings: string[] = [];
  const repos = new Map<ImportedApp, string>();
  for (const { object, file, line } of manifests) {
    const apiVersion = String(object.apiVersion ?? '');
    if (apiVersion.startsWith('kustomize.toolkit.fluxcd.io/') && object.kind === 'Kustomization') {
      const kustomization = object as unknown as IKustomization;
      const [app, repo] = importKustomization(kustomization, originOf('Kustomization', kustomization.metadata, file, line));
      apps.push(app);
      if (repo) repos.set(app, repo);
    } else if (apiVersion.startsWith('helm.toolkit.fluxcd.io/') && object.kind === 'HelmRelease') {
      const release = object as unknown as IHelmRelease;
      const [app, repo] = importHelmRelease(release, originOf('HelmRelease', release.metadata, file, line), sources);
      apps.push(app);
      if (repo) repos.set(app, repo);
    } else if (!(apiVersion.startsWith('source.toolkit.fluxcd.io/') && sourceKinds.includes(String(object.kind)))) {
      const name = (object.metadata as { name?: string } | undefined)?.name;
      warnings.push(`${file}:${line}: ${String(object.kind ?? '(no kind)')}${name ? ` ${name}` : ''} skipped: capstan import flux reads Kustomization (kustomize.toolkit.fluxcd.io) and HelmRelease (helm.toolkit.fluxcd.io)`);
    }
  }
  return { apps, generators: [], header: repoHeader(apps, repos, sources), warnings };
}

/** The GitRepository most apps read from is the config repo; apps reading another say so. */
function repoHeader(apps: ImportedApp[], repos: Map<ImportedApp, string>, sources: Map<string, FluxSource>): string[] {
  const counts = new Map<string, number>();
  for (const repo of repos.values()) counts.set(repo, (counts.get(repo) ?? 0) + 1);
  const configRepo = [...counts.entries()].sort((a, b) => b[1] - a[1])[0]?.[0];
  if (configRepo === undefined) return [];
  for (const app of apps) {
    const repo = repos.get(app);
    if (repo !== undefined && repo !== configRepo) app.notes.push(`sourceRef ${repo} (capstan reads every app from one config repo, ${configRepo}: copy ${String(app.entry.source)} into it)`);
  }
  const source = sources.get(configRepo);
  const where = source?.url ? `${source.url}${source.revision ? ` at ${source.revision}` : ''} (capstan --repo ${source.url}${source.revision ? ` --revision ${source.revision}` : ''}; the agent watches it)` : '(give its URL to capstan with --repo; the agent watches it)';
  return [`the config repo: ${configRepo} ${where}`];
}

function importKustomization(kustomization: IKustomization, origin: string): [ImportedApp, string | undefined] {
  const name = kustomization.metadata?.name ?? '';
  const namespace = kustomization.metadata?.namespace ?? 'flux-system';
  const spec = kustomization.spec ?? ({} as NonNullable<IKustomization['spec']>);
  const notes: string[] = [];
  const entry: Record<string, unknown> = { name: dnsLabel(name) };
  if (entry.name !== name) notes.push(`metadata.name ${name} (capstan names apps with DNS labels: renamed ${String(entry.name)})`);
  entry.source = repoPath(spec.path);
  const ref = spec.sourceRef;
  let repo: string | undefined;
  if (ref?.kind === 'GitRepository') repo = `GitRepository/${ref.namespace ?? namespace}/${ref.name}`;
  else if (ref) notes.push(`spec.sourceRef ${ref.kind}/${ref.namespace ?? namespace}/${ref.name} (capstan reads apps from a git repo: commit these manifests to the config repo)`);
  // Flux applies objects without a namespace to default; targetNamespace moves every object, as capstan's does
  if (spec.targetNamespace) entry.targetNamespace = spec.targetNamespace;
  else entry.namespace = 'default';
  if (spec.dependsOn?.length) entry.dependsOn = spec.dependsOn.map((d) => dnsLabel(d.name));
  for (const dependency of spec.dependsOn ?? []) if (dependency.readyExpr) notes.push(`spec.dependsOn ${dependency.name} readyExpr (capstan waits until the dependency is healthy)`);
  if (spec.images?.length) {
    entry.images = spec.images.map((image) => ({
      name: image.name,
      ...(image.newName ? { newName: image.newName } : {}),
      ...(image.digest ? { digest: image.digest } : image.newTag ? { newTag: image.newTag } : {}),
    }));
  }
  const policy: Record<string, unknown> = {};
  if (spec.suspend) policy.automated = false;
  if (spec.prune !== true) policy.prune = false;
  policy.selfHeal = true; // kustomize-controller applies again every interval, which reverts drift
  entry.syncPolicy = policy;
  const options = syncOptions(spec.timeout, spec.interval, spec.retryInterval, notes);
  if (options) entry.syncOptions = options;
  if (spec.wait === false) entry.wait = false;
  if (spec.patches?.length) entry.patches = spec.patches.map((p) => ({ patch: p.patch, ...(p.target ? { target: p.target } : {}) }));
  const postBuild: Record<string, unknown> = {};
  if (spec.postBuild?.substitute && Object.keys(spec.postBuild.substitute).length > 0) postBuild.substitute = spec.postBuild.substitute;
  if (spec.postBuild?.substituteFrom?.length) {
    postBuild.substituteFrom = spec.postBuild.substituteFrom;
    const appNamespace = spec.targetNamespace ?? 'default';
    if (appNamespace !== namespace) {
      notes.push(`spec.postBuild.substituteFrom ${spec.postBuild.substituteFrom.map((f) => `${f.kind}/${f.name}`).join(', ')} (Flux reads them in ${namespace}, capstan in the app's namespace ${appNamespace}: create them there)`);
    }
  }
  if (Object.keys(postBuild).length > 0) entry.postBuild = postBuild;
  if (spec.decryption) notes.push(`spec.decryption ${spec.decryption.provider}${spec.decryption.secretRef ? ` with Secret ${spec.decryption.secretRef.name}` : ''} (capstan decrypts SOPS files with the age key in SOPS_AGE_KEY_FILE or SOPS_AGE_KEY, never a Secret)`);
  const why: Record<string, string> = {
    healthChecks: 'capstan checks the health of every object it applied',
    healthCheckExprs: 'write them as health: rules of the app',
    serviceAccountName: 'capstan writes with its own credentials, limited by the app\'s scope: set scope: on the app',
    kubeConfig: 'an environment\'s cluster is a kubeconfig context: set environments[].cluster',
    force: 'capstan fails on an immutable field and says which',
    namePrefix: `set namePrefix in the kustomization.yaml of ${String(entry.source)}`,
    nameSuffix: `set nameSuffix in the kustomization.yaml of ${String(entry.source)}`,
    components: `list them under components: in the kustomization.yaml of ${String(entry.source)}`,
    commonMetadata: `set labels and commonAnnotations in the kustomization.yaml of ${String(entry.source)}`,
    deletionPolicy: 'removing an app leaves its objects unless pruneRemovedApps: true; capstan delete deletes them',
    ignoreMissingComponents: 'a missing component is an error',
  };
  for (const [key, reason] of Object.entries(why)) {
    const value = (spec as unknown as Record<string, unknown>)[key];
    if (value !== undefined && value !== false) notes.push(`spec.${key} ${formatSetting(value)} (${reason})`);
  }
  const read = ['path', 'sourceRef', 'targetNamespace', 'dependsOn', 'images', 'suspend', 'prune', 'timeout', 'interval', 'retryInterval', 'wait', 'patches', 'postBuild', 'decryption', ...Object.keys(why)];
  notes.push(...unknownSettings(spec, read));
  return [{ entry, origin, notes, environment: inClusterEnvironment }, repo];
}

function importHelmRelease(release: IHelmRelease, origin: string, sources: Map<string, FluxSource>): [ImportedApp, string | undefined] {
  const name = release.metadata?.name ?? '';
  const namespace = release.metadata?.namespace ?? 'default';
  const spec = release.spec ?? ({} as NonNullable<IHelmRelease['spec']>);
  const notes: string[] = [];
  const entry: Record<string, unknown> = { name: dnsLabel(name) };
  if (entry.name !== name) notes.push(`metadata.name ${name} (capstan names apps with DNS labels: renamed ${String(entry.name)})`);
  let repo: string | undefined;
  let remote: Record<string, unknown> | undefined;
  const chart = spec.chart?.spec;
  const source = chart && chart.sourceRef.kind === 'HelmRepository' ? sources.get(`${chart.sourceRef.kind}/${chart.sourceRef.namespace ?? namespace}/${chart.sourceRef.name}`) : undefined;
  if (chart && source?.url) {
    // a HelmRepository (https or OCI): capstan fetches the chart itself (helm.chart)
    remote = { repository: source.url, name: chart.chart, version: chart.version ?? '*' };
    if (source.secretRef) {
      remote.credentials = { secret: source.secretRef };
      notes.push(`HelmRepository ${source.id} secretRef ${source.secretRef} (capstan reads it as a Secret named ${source.secretRef} in its own namespace, with the keys username and password: create it there)`);
    }
    if (chart.valuesFiles?.length) notes.push(`spec.chart.spec.valuesFiles ${chart.valuesFiles.join(', ')} (files inside the chart: capstan reads values files from the config repo; copy them there and list them in helm.valuesFiles)`);
    if (chart.verify) notes.push('spec.chart.spec.verify (capstan checks the archive\'s digest, not a signature)');
  } else if (chart) {
    const ref = chart.sourceRef;
    const refId = `${ref.kind}/${ref.namespace ?? namespace}/${ref.name}`;
    if (ref.kind === 'GitRepository') {
      entry.source = repoPath(chart.chart);
      repo = refId;
    } else {
      entry.source = `charts/${chart.chart}`;
      const source = sources.get(refId);
      const version = chart.version && chart.version !== '*' ? ` --version ${chart.version}` : '';
      const pull = source?.oci
        ? `helm pull ${source.url}/${chart.chart}${version} --untar --untardir charts`
        : `helm pull ${chart.chart} --repo ${source?.url ?? `<the URL of ${refId}>`}${version} --untar --untardir charts`;
      notes.push(`spec.chart.spec.sourceRef ${refId}, chart ${chart.chart} ${chart.version ?? '(latest)'} (capstan renders charts in the config repo: ${pull})`);
    }
    if (chart.reconcileStrategy === 'Revision') notes.push('spec.chart.spec.reconcileStrategy Revision (capstan renders the chart of each commit)');
    if (chart.verify) notes.push('spec.chart.spec.verify (capstan does not verify chart signatures: check them when vendoring)');
    if (chart.ignoreMissingValuesFiles) notes.push('spec.chart.spec.ignoreMissingValuesFiles (a missing values file is an error)');
  } else {
    entry.source = `charts/${entry.name}`;
    notes.push(`spec.chartRef ${spec.chartRef ? `${spec.chartRef.kind}/${spec.chartRef.name}` : '(none)'} (capstan renders charts in the config repo: put the chart in ${String(entry.source)})`);
  }
  if (!remote) entry.type = 'helm';
  const targetNamespace = spec.targetNamespace ?? namespace;
  entry.namespace = targetNamespace;
  if (spec.install?.createNamespace) entry.createNamespace = true;
  if (spec.dependsOn?.length) entry.dependsOn = spec.dependsOn.map((d) => dnsLabel(d.name));
  const helm: Record<string, unknown> = remote ? { chart: remote } : {};
  // Flux names the release <targetNamespace>-<name> when targetNamespace is set
  const releaseName = spec.releaseName ?? (spec.targetNamespace ? `${spec.targetNamespace}-${name}` : name);
  if (releaseName !== entry.name) helm.releaseName = releaseName;
  if (chart?.valuesFiles?.length && !remote) helm.valuesFiles = chart.valuesFiles;
  if (isRecord(spec.values) && Object.keys(spec.values).length > 0) helm.values = spec.values;
  if (Object.keys(helm).length > 0) entry.helm = helm;
  for (const from of spec.valuesFrom ?? []) {
    notes.push(`spec.valuesFrom ${from.kind}/${from.name}${from.valuesKey ? ` key ${from.valuesKey}` : ''} (capstan reads values from the config repo: put them in a values file, encrypted with SOPS when secret)`);
  }
  const policy: Record<string, unknown> = {};
  if (spec.suspend) policy.automated = false;
  if (spec.driftDetection?.mode === 'enabled') policy.selfHeal = true;
  if (Object.keys(policy).length > 0) entry.syncPolicy = policy;
  const rules = (spec.driftDetection?.ignore ?? []).flatMap((rule) => {
    if (!rule.target?.kind) {
      notes.push(`spec.driftDetection.ignore ${rule.paths.join(', ')} without a target kind (capstan's ignoreDifferences name a kind)`);
      return [];
    }
    const { group, kind, name: ruleName, namespace: ruleNamespace } = rule.target;
    return [{ ...(group ? { group } : {}), kind, ...(ruleName ? { name: ruleName } : {}), ...(ruleNamespace ? { namespace: ruleNamespace } : {}), jsonPointers: rule.paths }];
  });
  if (rules.length > 0) entry.ignoreDifferences = rules;
  const options = syncOptions(spec.timeout, spec.interval, undefined, notes);
  if (options) entry.syncOptions = options;
  const why: Record<string, string> = {
    install: 'capstan applies the rendered chart with server-side apply; Helm hooks run as PreSync/PostSync hooks',
    upgrade: 'capstan applies the rendered chart with server-side apply; capstan rollback reverts a release',
    rollback: 'capstan rollback re-applies an earlier sync',
    uninstall: 'capstan delete deletes what the app applied',
    test: 'capstan does not run chart tests',
    maxHistory: 'capstan keeps the last 20 syncs',
    storageNamespace: 'capstan keeps no Helm release Secrets: its inventory is in capstan-system',
    serviceAccountName: 'capstan writes with its own credentials, limited by the app\'s scope: set scope: on the app',
    kubeConfig: 'an environment\'s cluster is a kubeconfig context: set environments[].cluster',
    postRenderers: 'make the chart\'s output a kustomize base and patch it there',
    persistentClient: 'not needed',
    commonMetadata: 'set the labels in the chart\'s values',
    healthCheckExprs: 'write them as health: rules of the app',
    waitStrategy: 'capstan waits for every object it applied to be healthy, wave by wave',
  };
  for (const [key, reason] of Object.entries(why)) {
    let value = (spec as unknown as Record<string, unknown>)[key];
    if (key === 'install' && isRecord(value)) value = Object.fromEntries(Object.entries(value).filter(([k]) => k !== 'createNamespace'));
    if (value === undefined || value === false || (isRecord(value) && Object.keys(value).length === 0)) continue;
    notes.push(`spec.${key} ${formatSetting(value)} (${reason})`);
  }
  if (spec.driftDetection?.mode === 'warn') notes.push('spec.driftDetection.mode warn (capstan reports drift without reverting it unless selfHeal: true)');
  const read = ['chart', 'chartRef', 'targetNamespace', 'dependsOn', 'releaseName', 'values', 'valuesFrom', 'suspend', 'driftDetection', 'timeout', 'interval', ...Object.keys(why)];
  notes.push(...unknownSettings(spec, read));
  return [{ entry, origin, notes, environment: inClusterEnvironment }, repo];
}

/** Flux's timeout, interval and retryInterval as capstan's syncOptions. */
function syncOptions(timeout: string | undefined, interval: string | undefined, retryInterval: string | undefined, notes: string[]): Record<string, unknown> | undefined {
  const options: Record<string, unknown> = {};
  const read = (setting: string, value: string | undefined): string | undefined => {
    if (value === undefined) return undefined;
    if (parseDuration(value) !== undefined) return value;
    notes.push(`spec.${setting} ${value} (not a duration capstan reads, such as 5m)`);
    return undefined;
  };
  const timeoutText = read('timeout', timeout);
  if (timeoutText) options.timeout = timeoutText;
  const intervalText = read('interval', interval);
  if (intervalText) options.pollInterval = intervalText;
  const retryText = read('retryInterval', retryInterval);
  // Flux retries a failed apply every retryInterval: the same backoff each time
  if (retryText) options.retry = { backoff: retryText, maxBackoff: retryText };
  return Object.keys(options).length > 0 ? options : undefined;
}

/** Settings of a spec that capstan import does not read (a newer API, a field it does not know). */
function unknownSettings(spec: object, read: string[]): string[] {
  return Object.entries(spec)
    .filter(([key, value]) => !read.includes(key) && value !== undefined)
    .map(([key, value]) => `spec.${key} ${formatSetting(value)} (capstan import does not know this setting)`);
}

function formatSetting(value: unknown): string {
  if (Array.isArray(value)) return value.map((v) => (typeof v === 'string' ? v : JSON.stringify(v))).join(', ');
  return typeof value === 'string' ? value : JSON.stringify(value);
}
