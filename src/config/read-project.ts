/**
 * Reads and validates the text of `capstan.yaml` into a `Project`, collecting every problem with
 * its line, column and field. Pure: no I/O.
 */
import { isMap, isScalar, isSeq } from 'yaml';
import { checkCronSchedule } from './cron-schedule.ts';
import { findCycles } from './dependency-graph.ts';
import { formatDuration, parseDuration } from './duration.ts';
import { sortIssues } from './config-issue.ts';
import { checkRelativeFile, checkRepoPath, joinInsideRepo } from '../repo-path/index.ts';
import { namespacePatternProblem } from './scope.ts';
import { didYouMean } from './suggest-name.ts';
import { folderNamespace } from './resolve-app.ts';
import { artifactsDir } from './release-files.ts';
import { builtinGroupsOf, builtinScope, checkChartRepository, notificationEventTypes, parseVersionConstraint, notificationTargetTypes, type HealthRule, type IgnoreRule, type NotificationTarget, type UrlSource } from '../core/index.ts';
import { readHealthRuleCases } from './health-rules.ts';
import {
  appTypes,
  defaultSyncOptions,
  lintRuleNames,
  projectApiVersion,
  projectKind,
  type AppEnvironmentOverride,
  type AppSpec,
  type ChartCredentialsSource,
  type ChartRepositoryCredentials,
  type ClusterResource,
  type ConfigIssue,
  type Environment,
  type HelmChartSource,
  type HelmSpec,
  type ImageOverride,
  type LintSettings,
  type Project,
  type Scope,
  type SyncOptions,
  type SyncPolicy,
  type SyncWindow,
  type PromotionGate,
} from './types.ts';
import { childPath, YamlReader, type Slot } from './yaml-reader.ts';
import { readGenerated, readGenerators, type GeneratorDirectories } from './app-generators.ts';
import { fluxAppFields, readEnvironmentFluxOptions, readFluxOptions } from './flux-options.ts';

const projectFields = ['apiVersion', 'kind', 'environments', 'scopes', 'apps', 'generators', 'pruneRemovedApps', 'notifications', 'health'] as const;
const environmentFields = ['name', 'cluster', 'promotesFrom', 'syncWindows', 'promotion'] as const;
const promotionFields = ['requireHealthyFor'] as const;
const syncWindowFields = ['kind', 'schedule', 'duration', 'timeZone'] as const;
const appFields = [
  'name',
  'source',
  'type',
  'service',
  'namespace',
  'createNamespace',
  'dependsOn',
  'helm',
  'images',
  'lint',
  'ignoreDifferences',
  'health',
  'syncPolicy',
  'syncOptions',
  'scope',
  'environments',
  ...fluxAppFields,
] as const;
const helmFields = ['releaseName', 'valuesFiles', 'values', 'kubeVersion', 'apiVersions', 'skipCRDs', 'chart', 'repositories'] as const;
const environmentHelmFields = ['valuesFiles', 'values', 'chart'] as const;
const helmChartFields = ['repository', 'name', 'version', 'credentials', 'plainHttp'] as const;
const chartCredentialsFields = ['file', 'secret'] as const;
const imageFields = ['name', 'newName', 'newTag', 'digest'] as const;
const ignoreDifferenceFields = ['group', 'kind', 'name', 'namespace', 'jsonPointers', 'managedFieldsManagers'] as const;
const healthFields = ['group', 'kind', 'rules'] as const;
const syncPolicyFields = ['automated', 'prune', 'selfHeal', 'allowEmpty'] as const;
const syncOptionsFields = ['timeout', 'retry', 'pollInterval', 'conflicts'] as const;
const retryFields = ['limit', 'backoff', 'maxBackoff'] as const;
const appEnvironmentFields = ['source', 'namespace', 'sync', 'syncPolicy', 'helm', 'images', 'lint', 'cluster', 'patches', 'postBuild'] as const;
const namedScopeFields = ['name', 'namespaces', 'clusterResources'] as const;
const inlineScopeFields = ['namespaces', 'clusterResources'] as const;
const clusterResourceFields = ['group', 'kind'] as const;

const moved = (to: string): string => `did you mean "${to}"?`;
const syncPolicyHints = Object.fromEntries(syncPolicyFields.map((f) => [f, moved(`syncPolicy.${f}`)]));
const appHints: Record<string, string> = {
  ...syncPolicyHints,
  releaseName: moved('helm.releaseName'),
  valuesFiles: moved('helm.valuesFiles'),
  values: moved('helm.values'),
  timeout: moved('syncOptions.timeout'),
  retry: moved('syncOptions.retry'),
  sync: 'sync is set per environment (apps[].environments.<env>.sync); for the app-wide default use syncPolicy.automated',
  cluster: 'the cluster is set on the environment, or per app under environments.<env>.cluster',
  dependencies: 'did you mean "dependsOn"?',
  path: 'did you mean "source"?',
  scopes: 'did you mean "scope"? (named scopes are declared at the top level, under scopes:)',
  project: 'did you mean "scope"? (what the app may write, as Argo CD projects say)',
};
const appEnvironmentHints: Record<string, string> = {
  ...syncPolicyHints,
  automated: 'write sync: auto (or manual), or syncPolicy.automated',
  releaseName: 'the Helm release name is the same in every environment: set helm.releaseName on the app',
  valuesFiles: moved('helm.valuesFiles'),
  values: moved('helm.values'),
  context: 'did you mean "cluster"? (the kubeconfig context)',
  ...Object.fromEntries(
    ['type', 'createNamespace', 'dependsOn', 'ignoreDifferences', 'health', 'syncOptions', 'scope', 'name'].map((f) => [f, `"${f}" cannot be set per environment: set it on the app`]),
  ),
};
const environmentHints: Record<string, string> = {
  context: 'did you mean "cluster"? (the kubeconfig context)',
  promoteFrom: 'did you mean "promotesFrom"?',
};

const dnsLabelPattern = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const releaseNamePattern = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const imagePathComponent = '[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*';
const imageNamePattern = new RegExp(`^(?:[A-Za-z0-9.-]+(?::[0-9]+)?/)?${imagePathComponent}(?:/${imagePathComponent})*$`);
const imageTagPattern = /^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$/;
const digestPattern = /^[a-z0-9]+(?:[+._-][a-z0-9]+)*:[A-Za-z0-9=_-]{32,}$/;

interface EnvironmentDraft {
  env: Environment;
  nameSlot?: Slot;
  promotesFromSlot?: Slot;
}

interface AppDraft {
  app: AppSpec;
  slot: Slot;
  nameSlot?: Slot;
  dependsOnSlots: Slot[];
  /** Where a generated app comes from (`generators[0] (directory apps/web)`); undefined for one under apps:. */
  origin?: string;
}

export interface ReadProjectOptions {
  /** The folders each `directories` generator matched in the checkout; undefined when only the text is known. */
  directories?: GeneratorDirectories;
}

/** The project, when the text has no problem, and every problem found. */
export function readProject(text: string, file: string, options: ReadProjectOptions = {}): { project: Project | undefined; issues: ConfigIssue[] } {
  const reader = new YamlReader(text, file);
  if (reader.syntaxBroken) return { project: undefined, issues: sortIssues(reader.issues) };
  const root = reader.root;
  if (root.node === undefined || reader.isNull(root)) {
    reader.report(root, `the file is empty: declare apiVersion, kind, environments and apps (\`capstan init\` writes a starter)`);
    return { project: undefined, issues: sortIssues(reader.issues) };
  }
  const top = reader.fields(root, { fields: projectFields }, `a mapping with apiVersion: ${projectApiVersion}, kind: ${projectKind}, environments and apps`);
  if (top === undefined) return { project: undefined, issues: sortIssues(reader.issues) };

  const apiVersion = reader.require(top, root, 'apiVersion', `write apiVersion: ${projectApiVersion}`);
  if (apiVersion) readConstant(reader, apiVersion, projectApiVersion);
  const kind = reader.require(top, root, 'kind', `write kind: ${projectKind}`);
  if (kind) readConstant(reader, kind, projectKind);

  const environmentsSlot = reader.require(top, root, 'environments', 'list the environments to deploy to, e.g. "- name: dev"');
  const environments = environmentsSlot ? readEnvironments(reader, environmentsSlot) : undefined;
  const scopesSlot = top.get('scopes');
  const scopes = scopesSlot ? readScopes(reader, scopesSlot) : new Map<string, Scope>();
  const appsSlot = top.get('apps');
  const apps = appsSlot ? readApps(reader, appsSlot, environments?.map((e) => e.env.name), scopes) : [];
  const generatorsSlot = top.get('generators');
  if (generatorsSlot) apps.push(...readGeneratedApps(reader, generatorsSlot, options.directories, apps, environments?.map((e) => e.env.name), scopes));

  const pruneSlot = top.get('pruneRemovedApps');
  const pruneRemovedApps = pruneSlot ? reader.boolean(pruneSlot) : undefined;
  const notificationsSlot = top.get('notifications');
  const notifications = notificationsSlot ? readNotifications(reader, notificationsSlot) : [];
  // health rules for every app: the same list an app's health takes
  const healthSlot = top.get('health');
  const health = healthSlot ? readHealthRules(reader, healthSlot) : [];

  if (environments) checkPromotions(reader, environments);
  checkDependencies(reader, apps);

  const issues = sortIssues(reader.issues);
  if (issues.length > 0) return { project: undefined, issues };
  return {
    project: {
      apiVersion: projectApiVersion,
      kind: projectKind,
      environments: (environments ?? []).map((e) => e.env),
      apps: apps.map((a) => a.app),
      scopes: [...scopes.values()],
      ...(pruneRemovedApps ? { pruneRemovedApps } : {}),
      notifications,
      ...(health.length > 0 ? { health } : {}),
    },
    issues,
  };
}

function readConstant(reader: YamlReader, slot: Slot, value: string): void {
  const text = reader.string(slot, `"${value}"`);
  if (text !== undefined && text !== value) reader.report(slot, `must be "${value}", got ${reader.describe(slot)}`);
}

// ---------------------------------------------------------------------------------------------
// Names
// ---------------------------------------------------------------------------------------------

/** A DNS label (RFC 1123), with a corrected spelling when one is obvious. */
function readDnsLabel(reader: YamlReader, slot: Slot): string | undefined {
  const text = reader.string(slot, 'a DNS label');
  if (text === undefined) return undefined;
  if (text.length <= 63 && dnsLabelPattern.test(text)) return text;
  const fixed = text
    .toLowerCase()
    .replace(/[^a-z0-9-]+/g, '-')
    .replace(/-+/g, '-')
    .replace(/^-|-$/g, '')
    .slice(0, 63)
    .replace(/-$/, '');
  const advice = fixed && fixed !== text ? `: try "${fixed}"` : '';
  reader.report(slot, `must be a DNS label (at most 63 lowercase letters, digits and "-", starting and ending with a letter or digit), got ${reader.describe(slot)}${advice}`);
  return undefined;
}

/** Reports a name that another entry already uses. */
function checkUnique(reader: YamlReader, seen: Map<string, Slot>, name: string, slot: Slot, what: string): void {
  const first = seen.get(name);
  if (first === undefined) {
    seen.set(name, slot);
    return;
  }
  const { line } = reader.positionOf(first);
  reader.report(slot, `${what} "${name}" is already declared at line ${line}: ${what} names must be unique`);
}

/** `unknown environment "prd"; did you mean "prod"? (declared environments: dev, staging, prod)` */
function unknownName(name: string, known: readonly string[], what: string): string {
  const names = [...new Set(known)];
  const list = names.length > 0 ? ` (declared ${what}s: ${names.join(', ')})` : ` (no ${what}s are declared)`;
  return `unknown ${what} "${name}"${didYouMean(name, known)}${list}`;
}

// ---------------------------------------------------------------------------------------------
// Environments
// ---------------------------------------------------------------------------------------------

function readEnvironments(reader: YamlReader, slot: Slot): EnvironmentDraft[] | undefined {
  const items = reader.items(slot, 'a list of environments, e.g. "- name: dev"');
  if (items === undefined) return undefined;
  if (items.length === 0) reader.report(slot, 'must list at least one environment, e.g. "- name: dev"');
  const seen = new Map<string, Slot>();
  return items.map((item) => {
    const fields = reader.fields(item, { fields: environmentFields, hints: environmentHints }, 'a mapping such as "name: dev"');
    const nameSlot = reader.require(fields, item, 'name', 'the environment\'s name, a DNS label such as "dev"');
    const name = nameSlot && readDnsLabel(reader, nameSlot);
    if (name !== undefined && nameSlot) checkUnique(reader, seen, name, nameSlot, 'environment');
    const clusterSlot = fields?.get('cluster');
    const cluster = clusterSlot && reader.string(clusterSlot, 'the name of a kubeconfig context');
    const promotesFromSlot = fields?.get('promotesFrom');
    const promotesFrom = promotesFromSlot && reader.string(promotesFromSlot, 'the name of another environment');
    const windowsSlot = fields?.get('syncWindows');
    const syncWindows = windowsSlot ? readSyncWindows(reader, windowsSlot) : [];
    const promotionSlot = fields?.get('promotion');
    const promotion = promotionSlot && readPromotionGate(reader, promotionSlot);
    const env: Environment = { name: name ?? '', syncWindows };
    if (cluster !== undefined) env.cluster = cluster;
    if (promotion !== undefined) env.promotion = promotion;
    if (promotesFrom !== undefined) env.promotesFrom = promotesFrom;
    return { env, nameSlot, promotesFromSlot: promotesFrom === undefined ? undefined : promotesFromSlot };
  });
}

function readPromotionGate(reader: YamlReader, slot: Slot): PromotionGate | undefined {
  const fields = reader.fields(slot, { fields: promotionFields, hints: { requireHealthy: 'did you mean "requireHealthyFor"?', healthyFor: 'did you mean "requireHealthyFor"?' } }, 'a mapping such as "requireHealthyFor: 10m"');
  const forSlot = fields?.get('requireHealthyFor');
  if (!forSlot) {
    reader.report(slot, 'sets no gate: write "requireHealthyFor: 10m" (how long the environment\'s apps must be Synced and Healthy before a release is promoted from it), or remove promotion');
    return undefined;
  }
  const ms = readDuration(reader, forSlot);
  return ms === undefined ? undefined : { requireHealthyForMs: ms };
}

function readSyncWindows(reader: YamlReader, slot: Slot): SyncWindow[] {
  const items = reader.items(slot, 'a list of sync windows, e.g. "- { kind: deny, schedule: \\"0 22 * * 5\\", duration: 60h }"') ?? [];
  return items.map((item) => {
    const fields = reader.fields(item, { fields: syncWindowFields }, 'a mapping with kind, schedule and duration');
    const kindSlot = reader.require(fields, item, 'kind', 'allow (syncs only inside the window) or deny (no syncs inside the window)');
    const kind = kindSlot && reader.oneOf(kindSlot, ['allow', 'deny'] as const);
    const scheduleSlot = reader.require(fields, item, 'schedule', 'when the window opens, as a cron expression such as "0 22 * * *"');
    const schedule = scheduleSlot && readSchedule(reader, scheduleSlot);
    const durationSlot = reader.require(fields, item, 'duration', 'how long the window stays open, such as 1h');
    const durationMs = durationSlot && readDuration(reader, durationSlot);
    const zoneSlot = fields?.get('timeZone');
    const timeZone = zoneSlot ? readTimeZone(reader, zoneSlot) : 'UTC';
    return { kind: kind ?? 'allow', schedule: schedule ?? '', duration: durationMs === undefined ? '' : formatDuration(durationMs), durationMs: durationMs ?? 0, timeZone: timeZone ?? 'UTC' };
  });
}

function readSchedule(reader: YamlReader, slot: Slot): string | undefined {
  if (reader.isNonString(slot)) {
    reader.report(slot, `must be a cron expression in quotes, such as "0 22 * * *", got ${reader.describe(slot)}`);
    return undefined;
  }
  const text = reader.string(slot, 'a cron expression such as "0 22 * * *"');
  if (text === undefined) return undefined;
  const problem = checkCronSchedule(text);
  if (problem) {
    reader.report(slot, `is not a valid cron schedule: ${problem}`);
    return undefined;
  }
  return text.trim();
}

function readTimeZone(reader: YamlReader, slot: Slot): string | undefined {
  const text = reader.string(slot, 'an IANA time zone name such as Europe/Berlin');
  if (text === undefined) return undefined;
  try {
    return new Intl.DateTimeFormat('en-US', { timeZone: text }).resolvedOptions().timeZone;
  } catch {
    reader.report(slot, `must be an IANA time zone name such as UTC or Europe/Berlin, got ${reader.describe(slot)}${didYouMean(text, ['UTC', ...Intl.supportedValuesOf('timeZone')])}`);
    return undefined;
  }
}

/** A Go-style duration above zero, in milliseconds. */
function readDuration(reader: YamlReader, slot: Slot): number | undefined {
  const expected = 'a duration such as 30s, 5m or 1h30m';
  if (reader.isNonString(slot)) {
    reader.report(slot, `must be ${expected}, got ${reader.describe(slot)}: add a unit (h, m, s or ms)`);
    return undefined;
  }
  const text = reader.string(slot, expected);
  if (text === undefined) return undefined;
  const ms = parseDuration(text.trim());
  if (ms === undefined) {
    reader.report(slot, `must be ${expected} (units h, m, s, ms), got ${reader.describe(slot)}`);
    return undefined;
  }
  if (ms <= 0) {
    reader.report(slot, `must be longer than zero, got ${reader.describe(slot)}`);
    return undefined;
  }
  return ms;
}

/** Promotion targets exist, are not the environment itself, and form no cycle. */
function checkPromotions(reader: YamlReader, environments: EnvironmentDraft[]): void {
  const names = environments.map((e) => e.env.name).filter((n) => n !== '');
  const known = new Set(names);
  for (const { env, promotesFromSlot } of environments) {
    if (env.promotesFrom === undefined || !promotesFromSlot || env.name === '') continue;
    if (env.promotesFrom === env.name) {
      reader.report(promotesFromSlot, `an environment cannot promote from itself: name the environment releases come from, or remove promotesFrom`);
    } else if (!known.has(env.promotesFrom)) {
      reader.report(promotesFromSlot, unknownName(env.promotesFrom, names, 'environment'));
    }
  }
  const byName = new Map(environments.map((e) => [e.env.name, e]));
  const sources = (name: string): string[] => {
    const from = byName.get(name)?.env.promotesFrom;
    return from === undefined ? [] : [from];
  };
  for (const cycle of findCycles(names, sources)) {
    // findCycles follows promotesFrom (towards the source); show the flow of releases instead.
    const flow = [...cycle].reverse();
    const at = byName.get(flow[0])?.promotesFromSlot;
    if (at) reader.report(at, `promotion cycle: ${flow.join(' -> ')}: remove promotesFrom from one of these environments`);
  }
}

// ---------------------------------------------------------------------------------------------
// Scopes
// ---------------------------------------------------------------------------------------------

/** The named scopes, by name (in declaration order). */
function readScopes(reader: YamlReader, slot: Slot): Map<string, Scope> {
  const items = reader.items(slot, 'a list of scopes, e.g. "- { name: platform, namespaces: [monitoring] }"') ?? [];
  const seen = new Map<string, Slot>();
  const scopes = new Map<string, Scope>();
  for (const item of items) {
    const fields = reader.fields(item, { fields: namedScopeFields }, 'a mapping such as "{ name: platform, namespaces: [monitoring] }"');
    if (fields === undefined) continue;
    const nameSlot = reader.require(fields, item, 'name', 'the scope\'s name, a DNS label such as "platform", that apps refer to with scope: <name>');
    const name = nameSlot && readDnsLabel(reader, nameSlot);
    if (name !== undefined && nameSlot) checkUnique(reader, seen, name, nameSlot, 'scope');
    const scope = readScopeGrants(reader, item, fields);
    if (name !== undefined && !scopes.has(name)) scopes.set(name, { name, ...scope });
  }
  return scopes;
}

/** `apps[].scope`: the name of a scope declared under `scopes:`, or a scope written inline. */
function readAppScope(reader: YamlReader, slot: Slot, scopes: ReadonlyMap<string, Scope>): Scope | undefined {
  if (isScalar(slot.node) && typeof slot.node.value === 'string') {
    const name = reader.string(slot, 'the name of a scope declared under scopes');
    if (name === undefined) return undefined;
    const scope = scopes.get(name);
    if (scope === undefined) reader.report(slot, unknownName(name, [...scopes.keys()], 'scope'));
    return scope && structuredClone(scope);
  }
  if (isScalar(slot.node) || isSeq(slot.node)) {
    reader.expected(slot, 'the name of a scope declared under scopes, or a mapping such as "{ namespaces: [monitoring] }"');
    return undefined;
  }
  const hints = { name: 'an inline scope has no name: to share a scope between apps, declare it under scopes: and write scope: <its name>' };
  const fields = reader.fields(slot, { fields: inlineScopeFields, hints }, 'the name of a scope declared under scopes, or a mapping such as "{ namespaces: [monitoring] }"');
  return fields && readScopeGrants(reader, slot, fields);
}

/** The namespaces and cluster-scoped kinds a scope grants; one that grants nothing is reported. */
function readScopeGrants(reader: YamlReader, item: Slot, fields: Map<string, Slot>): Omit<Scope, 'name'> {
  const namespacesSlot = fields.get('namespaces');
  const namespaces: string[] = [];
  const seen = new Map<string, Slot>();
  for (const { value, slot } of namespacesSlot ? readStringList(reader, namespacesSlot, 'a list of namespaces, e.g. [monitoring, "team-*"]', 'a namespace name or pattern') : []) {
    const problem = namespacePatternProblem(value);
    if (problem) {
      reader.report(slot, `${problem}, got ${reader.describe(slot)}`);
      continue;
    }
    const first = seen.get(value);
    if (first) {
      reader.report(slot, `"${value}" is already listed at line ${reader.positionOf(first).line}: remove one`);
      continue;
    }
    seen.set(value, slot);
    namespaces.push(value);
  }
  const resourcesSlot = fields.get('clusterResources');
  const clusterResources = resourcesSlot ? readClusterResources(reader, resourcesSlot) : [];
  if (!namespacesSlot && !resourcesSlot) {
    reader.report(item, 'grants nothing: list the namespaces (namespaces) or the cluster-scoped kinds (clusterResources) it lets apps write');
  }
  return { namespaces, clusterResources };
}

function readClusterResources(reader: YamlReader, slot: Slot): ClusterResource[] {
  const items = reader.items(slot, 'a list of cluster-scoped kinds, e.g. "- { group: rbac.authorization.k8s.io, kind: ClusterRole }"') ?? [];
  const seen = new Map<string, Slot>();
  const resources: ClusterResource[] = [];
  for (const item of items) {
    const fields = reader.fields(item, { fields: clusterResourceFields, hints: { apiGroup: 'did you mean "group"?', apiVersion: 'write the API group (without the version) in group' } }, 'a mapping such as "{ group: rbac.authorization.k8s.io, kind: ClusterRole }"');
    if (fields === undefined) continue;
    const kindSlot = reader.require(fields, item, 'kind', 'the cluster-scoped kind, such as ClusterRole ("*" for any)');
    const kind = kindSlot && reader.string(kindSlot, 'a kind such as ClusterRole ("*" for any)');
    if (kindSlot && kind !== undefined && kind !== '*' && !/^[A-Za-z][A-Za-z0-9]*$/.test(kind)) {
      reader.report(kindSlot, `must be a kind such as ClusterRole (letters and digits) or "*", got ${reader.describe(kindSlot)}`);
      continue;
    }
    const builtinGroups = kind === undefined || kind === '*' ? [] : builtinGroupsOf(kind);
    const groupPurpose = builtinGroups.length > 0 ? `the API group of ${kind}: ${builtinGroups.map((g) => (g === '' ? '"" (the core group)' : g)).join(' or ')}` : 'the kind\'s API group, such as rbac.authorization.k8s.io ("" for the core group, "*" for any)';
    const groupSlot = reader.require(fields, item, 'group', groupPurpose);
    const group = groupSlot && readGroup(reader, groupSlot);
    if (kind === undefined || group === undefined || !kindSlot || !groupSlot) continue;
    if (group !== '*' && kind !== '*') {
      const scope = builtinScope(group, kind);
      if (scope?.namespaced) {
        reader.report(kindSlot, `${kind} is a namespaced kind: a scope grants namespaced objects by namespace (namespaces), not by kind`);
        continue;
      }
      if (scope === undefined && builtinGroups.length > 0 && (group === '' || group.endsWith('.k8s.io'))) {
        reader.report(groupSlot, `${kind} is served by ${builtinGroups.map((g) => (g === '' ? 'the core group ("")' : g)).join(' and ')}, not ${group === '' ? 'the core group' : group}: write group: ${builtinGroups[0] === '' ? '""' : builtinGroups[0]}`);
        continue;
      }
    }
    const id = `${group}/${kind}`;
    const first = seen.get(id);
    if (first) {
      reader.report(item, `${kind === '*' ? 'every kind' : kind} of ${group === '' ? 'the core group' : group === '*' ? 'every group' : group} is already listed at line ${reader.positionOf(first).line}: remove one`);
      continue;
    }
    seen.set(id, item);
    resources.push({ group, kind });
  }
  return resources;
}

// ---------------------------------------------------------------------------------------------
// Apps
// ---------------------------------------------------------------------------------------------

function readApps(reader: YamlReader, slot: Slot, environmentNames: string[] | undefined, scopes: ReadonlyMap<string, Scope>): AppDraft[] {
  const items = reader.items(slot, 'a list of apps, e.g. "- name: guestbook"') ?? [];
  const seen = new Map<string, Slot>();
  return items.map((item) => {
    const draft = readApp(reader, item, environmentNames, scopes);
    if (draft.app.name !== '' && draft.nameSlot) checkUnique(reader, seen, draft.app.name, draft.nameSlot, 'app');
    return draft;
  });
}

/** The apps the generators make, each read as one under apps:; a name another app has is reported naming both. */
function readGeneratedApps(reader: YamlReader, slot: Slot, directories: GeneratorDirectories | undefined, declared: readonly AppDraft[], environmentNames: string[] | undefined, scopes: ReadonlyMap<string, Scope>): AppDraft[] {
  const byName = new Map(declared.filter((d) => d.app.name !== '').map((d) => [d.app.name, d]));
  const made: AppDraft[] = [];
  for (const generated of readGenerators(reader, slot, directories, environmentNames)) {
    const draft: AppDraft = { ...readGenerated(reader, generated, (item) => readApp(reader, item, environmentNames, scopes)), origin: generated.origin };
    made.push(draft);
    const name = draft.app.name;
    if (name === '') continue;
    const first = byName.get(name);
    if (first === undefined) {
      byName.set(name, draft);
      continue;
    }
    const where = first.origin ?? `${first.slot.path} (line ${reader.positionOf(first.nameSlot ?? first.slot).line})`;
    reader.report(draft.nameSlot ?? draft.slot, `app "${name}" made by ${generated.origin} is also made by ${where}: app names must be unique (exclude the element, or rename one of them)`);
  }
  return made;
}

function readApp(reader: YamlReader, item: Slot, environmentNames: string[] | undefined, scopes: ReadonlyMap<string, Scope>): AppDraft {
  const fields = reader.fields(item, { fields: appFields, hints: appHints }, 'a mapping such as "name: guestbook"');
  const nameSlot = reader.require(fields, item, 'name', 'the app\'s name, a DNS label such as "guestbook"');
  const name = nameSlot && readDnsLabel(reader, nameSlot);

  const typeSlot = fields?.get('type');
  const type = typeSlot && reader.oneOf(typeSlot, appTypes);
  const serviceSlot = fields?.get('service');
  const service = serviceSlot && readDnsLabel(reader, serviceSlot);
  if (serviceSlot && type !== 'artifact') reader.report(serviceSlot, 'service is read only by apps of type: artifact (the service whose released artifact the app renders): add type: artifact, or remove service');
  const helmSlot = fields?.get('helm');
  const helm = helmSlot && readHelm(reader, helmSlot, true);
  const remoteChart = helm?.chartSlot !== undefined;
  const sourceSlot = fields?.get('source');
  if (type === 'artifact' && sourceSlot) reader.report(sourceSlot, `an app of type: artifact renders the artifact released to each environment (from ${artifactsDir}/<service>/): remove source`);
  // with a chart from a repository, source is the folder values files are read from (default the repo root)
  const source = type === 'artifact' ? `${artifactsDir}/${service ?? name ?? ''}` : sourceSlot ? readRepoPath(reader, sourceSlot) : remoteChart ? '.' : undefined;
  const namespaceSlot = fields?.get('namespace');
  const namespace = namespaceSlot && readDnsLabel(reader, namespaceSlot);
  const createSlot = fields?.get('createNamespace');
  const createNamespace = createSlot && reader.boolean(createSlot);

  const dependsOnSlots = (fields?.get('dependsOn') && reader.items(fields.get('dependsOn')!, 'a list of app names, e.g. [database]')) || [];
  const dependsOn = dependsOnSlots.map((s) => reader.string(s, 'the name of an app') ?? '');

  const imagesSlot = fields?.get('images');
  const { images, lockFile: imageLockFile } = imagesSlot ? readImages(reader, imagesSlot) : { images: [] };
  const lintSlot = fields?.get('lint');
  const lint = lintSlot && readLint(reader, lintSlot);
  const ignoreSlot = fields?.get('ignoreDifferences');
  const ignoreDifferences = ignoreSlot ? readIgnoreDifferences(reader, ignoreSlot) : [];
  const healthSlot = fields?.get('health');
  const health = healthSlot ? readHealthRules(reader, healthSlot) : [];
  const policySlot = fields?.get('syncPolicy');
  const syncPolicy = policySlot ? readSyncPolicy(reader, policySlot) : {};
  const optionsSlot = fields?.get('syncOptions');
  const syncOptions = optionsSlot ? readSyncOptions(reader, optionsSlot) : cloneSyncOptions(defaultSyncOptions);
  const scopeSlot = fields?.get('scope');
  const scope = scopeSlot && readAppScope(reader, scopeSlot, scopes);

  const environmentsSlot = fields?.get('environments');
  const overrides = environmentsSlot ? readAppEnvironments(reader, environmentsSlot, environmentNames) : undefined;

  const app: AppSpec = { name: name ?? '', source: source ?? '', dependsOn, images, ignoreDifferences, health, syncPolicy, syncOptions };
  if (type !== undefined) app.type = type;
  if (service !== undefined) app.service = service;
  if (namespace !== undefined) app.namespace = namespace;
  if (createNamespace !== undefined) app.createNamespace = createNamespace;
  if (helm !== undefined) app.helm = helm.helm;
  if (imageLockFile !== undefined) app.imageLockFile = imageLockFile;
  if (lint !== undefined) app.lint = lint;
  if (scope !== undefined) app.scope = scope;
  const { postRender } = fields ? readFluxOptions(reader, fields, syncOptions, optionsSlot) : {};
  if (postRender !== undefined) app.postRender = postRender;
  checkTargetNamespace(reader, app, fields, type);
  if (overrides !== undefined) app.environments = Object.fromEntries(overrides.map((o) => [o.env, o.override]));

  if (fields) {
    if (type !== 'artifact' && !remoteChart) checkSourceSet(reader, item, overrides, sourceSlot);
    checkNamespaceSet(reader, item, app, overrides, namespaceSlot ?? (app.postRender?.targetNamespace === undefined ? undefined : fields.get('targetNamespace')));
    checkHelmApplies(reader, app, helm, overrides);
    checkChartVersionOverrides(reader, app, overrides);
    checkValuesFiles(reader, app, helm, overrides);
  }
  return { app, slot: item, nameSlot, dependsOnSlots };
}

function readRepoPath(reader: YamlReader, slot: Slot): string | undefined {
  const text = reader.string(slot, 'a path inside the config repo, such as apps/guestbook');
  if (text === undefined) return undefined;
  const checked = checkRepoPath(text);
  if (checked.problem !== undefined) {
    reader.report(slot, checked.problem);
    return undefined;
  }
  return checked.path;
}

function readStringList(reader: YamlReader, slot: Slot, expected: string, itemExpected: string): Array<{ value: string; slot: Slot }> {
  const items = reader.items(slot, expected) ?? [];
  const result: Array<{ value: string; slot: Slot }> = [];
  for (const item of items) {
    const value = reader.string(item, itemExpected);
    if (value !== undefined) result.push({ value, slot: item });
  }
  return result;
}

interface HelmDraft {
  helm: HelmSpec;
  slot: Slot;
  /** `chart:` as written (an environment's sets only `version`). */
  chartSlot?: Slot;
  chartVersion?: string;
  files: Array<{ value: string; slot: Slot }>;
}

function readHelm(reader: YamlReader, slot: Slot, appLevel: boolean): HelmDraft | undefined {
  const fields = reader.fields(slot, { fields: appLevel ? helmFields : environmentHelmFields, hints: appLevel ? helmHints : { ...environmentHelmHints, releaseName: appEnvironmentHints.releaseName } });
  if (fields === undefined) return undefined;
  const helm: HelmSpec = { valuesFiles: [], values: {} };
  const files: Array<{ value: string; slot: Slot }> = [];
  const releaseSlot = fields.get('releaseName');
  if (releaseSlot) {
    const releaseName = reader.string(releaseSlot, 'a Helm release name');
    if (releaseName !== undefined && (releaseName.length > 53 || !releaseNamePattern.test(releaseName))) {
      reader.report(releaseSlot, `must be a Helm release name (at most 53 lowercase letters, digits, "-" and ".", starting and ending with a letter or digit), got ${reader.describe(releaseSlot)}`);
    } else if (releaseName !== undefined) {
      helm.releaseName = releaseName;
    }
  }
  const filesSlot = fields.get('valuesFiles');
  if (filesSlot) {
    for (const { value, slot: fileSlot } of readStringList(reader, filesSlot, 'a list of values files, e.g. [values-prod.yaml]', 'a values file path')) {
      const problem = checkRelativeFile(value);
      if (problem) {
        reader.report(fileSlot, problem);
      } else {
        helm.valuesFiles.push(value);
        files.push({ value, slot: fileSlot });
      }
    }
  }
  const valuesSlot = fields.get('values');
  if (valuesSlot) helm.values = reader.plainMap(valuesSlot, 'a mapping of Helm values, e.g. { replicaCount: 2 }') ?? {};
  readHelmCapabilities(reader, fields, helm);
  const chartSlot = fields.get('chart');
  if (chartSlot && appLevel) {
    const chart = readHelmChart(reader, chartSlot);
    if (chart !== undefined) helm.chart = chart;
  }
  const chartVersion = chartSlot && !appLevel ? readEnvironmentChartVersion(reader, chartSlot) : undefined;
  const repositoriesSlot = appLevel ? fields.get('repositories') : undefined;
  if (repositoriesSlot) helm.repositories = readChartRepositories(reader, repositoriesSlot);
  return { helm, slot, files, ...(chartSlot ? { chartSlot } : {}), ...(chartVersion === undefined ? {} : { chartVersion }) };
}

const chartExample = 'chart: { repository: https://charts.example.com, name: nginx, version: "^1.2" }';
const credentialsAdvice = 'credentials: { file: /etc/capstan/charts.json } (a JSON file {"username", "password"} on capstan\'s host) or credentials: { secret: <name> } (a Secret in capstan\'s namespace with the keys username and password)';
const neverInRepo = `credentials are never written in capstan.yaml: ${credentialsAdvice}`;

/** `helm.chart`: the repository (or OCI registry) URL, the chart's name, its version or range, and where credentials are read from. */
function readHelmChart(reader: YamlReader, slot: Slot): HelmChartSource | undefined {
  const hints = { repo: 'did you mean "repository"?', repoURL: 'did you mean "repository"?', url: 'did you mean "repository"?', chart: 'did you mean "name"?', targetRevision: 'did you mean "version"?', username: neverInRepo, password: neverInRepo };
  const fields = reader.fields(slot, { fields: helmChartFields, hints }, `a mapping such as ${chartExample}`);
  if (fields === undefined) return undefined;
  const repositorySlot = reader.require(fields, slot, 'repository', 'the chart repository\'s URL (https://charts.example.com) or an OCI registry path (oci://registry.example.com/charts)');
  const nameSlot = reader.require(fields, slot, 'name', 'the chart\'s name in the repository, such as nginx');
  const versionSlot = reader.require(fields, slot, 'version', 'the chart version, exact (1.2.3) or a Helm range (^1.2, ">=1.0, <2.0")');
  let repository = repositorySlot && reader.string(repositorySlot, 'a URL such as https://charts.example.com or oci://registry.example.com/charts');
  if (repository !== undefined && repositorySlot) {
    const problem = checkChartRepository(repository);
    if (problem !== undefined) {
      reader.report(repositorySlot, `must be a chart repository URL: ${problem.startsWith('"') ? problem : `it ${problem}`}`);
      repository = undefined;
    }
  }
  let name = nameSlot && reader.string(nameSlot, 'a chart name such as nginx');
  if (name !== undefined && nameSlot && !/^[A-Za-z0-9][A-Za-z0-9._-]*$/.test(name)) {
    reader.report(nameSlot, `must be a chart name (letters, digits, ".", "_" and "-"), got ${reader.describe(nameSlot)}`);
    name = undefined;
  }
  const version = versionSlot && readChartVersion(reader, versionSlot);
  const credentialsSlot = fields.get('credentials');
  const credentials = credentialsSlot && readChartCredentials(reader, credentialsSlot);
  const plainSlot = fields.get('plainHttp');
  const plainHttp = plainSlot && reader.boolean(plainSlot);
  if (plainSlot && plainHttp !== undefined && repository !== undefined && !repository.startsWith('oci://')) reader.report(plainSlot, 'applies to OCI registries (oci://…): a chart repository\'s URL says http or https itself');
  if (repository === undefined || name === undefined || version === undefined) return undefined;
  const chart: HelmChartSource = { repository, name, version };
  if (credentials !== undefined) chart.credentials = credentials;
  if (plainHttp === true) chart.plainHttp = true;
  return chart;
}

function readChartVersion(reader: YamlReader, slot: Slot): string | undefined {
  // a version written as a number (version: 1.2) is taken as written
  const text = isScalar(slot.node) && typeof slot.node.value === 'number' ? (slot.node.source ?? String(slot.node.value)) : reader.string(slot, 'a chart version such as "1.2.3" or "^1.2"');
  if (text === undefined) return undefined;
  try {
    parseVersionConstraint(text);
  } catch (error) {
    reader.report(slot, `must be a chart version or a Helm range, but ${reader.describe(slot)} ${(error as Error).message}`);
    return undefined;
  }
  return text;
}

/** `helm.repositories`: credentials for the repositories dependencies are fetched from, one entry per repository. */
function readChartRepositories(reader: YamlReader, slot: Slot): ChartRepositoryCredentials[] {
  const example = 'a list such as [{ url: https://charts.example.com, credentials: { secret: charts-cred } }]';
  const repositories: ChartRepositoryCredentials[] = [];
  for (const item of reader.items(slot, example) ?? []) {
    const fields = reader.fields(item, { fields: ['url', 'credentials'] as const, hints: { repository: 'did you mean "url"?', username: neverInRepo, password: neverInRepo } }, `${example.replace('a list such as [', 'a mapping such as ').replace(/]$/, '')}`);
    if (fields === undefined) continue;
    const urlSlot = reader.require(fields, item, 'url', 'the repository\'s URL, as dependencies name it (https://… or oci://…)');
    const credentialsSlot = reader.require(fields, item, 'credentials', credentialsAdvice);
    let url = urlSlot && reader.string(urlSlot, 'a URL such as https://charts.example.com');
    if (url !== undefined && urlSlot) {
      const problem = checkChartRepository(url);
      if (problem !== undefined) {
        reader.report(urlSlot, `must be a chart repository URL: ${problem.startsWith('"') ? problem : `it ${problem}`}`);
        url = undefined;
      }
    }
    const credentials = credentialsSlot && readChartCredentials(reader, credentialsSlot);
    if (url !== undefined && credentials !== undefined) repositories.push({ url, credentials });
  }
  return repositories;
}

/** An environment's `helm.chart` may set only `version` (the chart itself is the app's). */
function readEnvironmentChartVersion(reader: YamlReader, slot: Slot): string | undefined {
  const only = 'is the same in every environment: set it in the app\'s helm.chart; an environment may set only helm.chart.version';
  const fields = reader.fields(slot, { fields: ['version'] as const, hints: { repository: only, name: only, credentials: only, plainHttp: only } }, 'a mapping such as { version: "1.2.3" }');
  const versionSlot = fields?.get('version');
  return versionSlot && readChartVersion(reader, versionSlot);
}

/** `credentials:` of a chart: a file on capstan's host or a Secret in capstan's namespace; never the values themselves. */
function readChartCredentials(reader: YamlReader, slot: Slot): ChartCredentialsSource | undefined {
  const fields = reader.fields(slot, { fields: chartCredentialsFields, hints: { username: neverInRepo, password: neverInRepo } }, `a mapping: ${credentialsAdvice}`);
  if (fields === undefined) return undefined;
  const fileSlot = fields.get('file');
  const secretSlot = fields.get('secret');
  if (fileSlot && secretSlot) {
    reader.report(secretSlot, 'cannot be set together with file: keep one');
    return undefined;
  }
  if (fileSlot) {
    const file = reader.string(fileSlot, 'an absolute path on capstan\'s host, such as /etc/capstan/charts.json');
    if (file === undefined) return undefined;
    if (!file.startsWith('/')) {
      reader.report(fileSlot, `must be an absolute path on the host capstan runs on (it is read there, never from the config repo), got ${reader.describe(fileSlot)}`);
      return undefined;
    }
    return { file };
  }
  if (secretSlot) {
    const name = reader.string(secretSlot, 'the name of a Secret in capstan\'s namespace');
    if (name === undefined) return undefined;
    if (!(name.length <= 253 && dnsSubdomainPattern.test(name))) {
      reader.report(secretSlot, `must be the name of a Secret in capstan's namespace (lowercase letters, digits, "-" and "."), got ${reader.describe(secretSlot)}`);
      return undefined;
    }
    return { secret: name };
  }
  const written = isMap(slot.node) ? slot.node.items.length : 0;
  if (written === fields.size) reader.report(slot, `names no source: ${credentialsAdvice}`);
  return undefined;
}


/** `kubeVersion` as helm's `--kube-version` takes it: `v1.29.3`, `1.29`, with a pre-release or build suffix. */
const kubeVersionPattern = /^v?\d+\.\d+(\.\d+)?(-[0-9A-Za-z.-]+)?(\+[0-9A-Za-z.-]+)?$/;
/** An `--api-versions` entry: `v1`, `apps/v1`, `monitoring.coreos.com/v1/ServiceMonitor` (helm splits on commas, so none). */
const apiVersionPattern = /^([a-z0-9]([a-z0-9.-]*[a-z0-9])?\/)?v[0-9]+[a-z0-9]*(\/[A-Za-z][A-Za-z0-9]*)?$/;
const helmHints: Record<string, string> = { skipCrds: moved('skipCRDs'), includeCRDs: 'CRDs are rendered unless skipCRDs: true' };
const environmentHelmHints: Record<string, string> = Object.fromEntries(
  ['kubeVersion', 'apiVersions', 'skipCRDs'].map((f) => [f, `"${f}" cannot be set per environment: set helm.${f} on the app (with a cluster, its own version and APIs are used)`]),
);

/** `kubeVersion`, `apiVersions` and `skipCRDs` (Argo CD's helm settings of the same names). */
function readHelmCapabilities(reader: YamlReader, fields: Map<string, Slot>, helm: HelmSpec): void {
  const kubeSlot = fields.get('kubeVersion');
  if (kubeSlot) {
    const text = reader.string(kubeSlot, 'a Kubernetes version such as v1.29.3');
    if (text !== undefined && !kubeVersionPattern.test(text)) reader.report(kubeSlot, `must be a Kubernetes version such as v1.29.3 or 1.29, got ${reader.describe(kubeSlot)}`);
    else if (text !== undefined) helm.kubeVersion = text;
  }
  const apiSlot = fields.get('apiVersions');
  if (apiSlot) {
    const apiVersions: string[] = [];
    for (const { value, slot: itemSlot } of readStringList(reader, apiSlot, 'a list of API versions, e.g. [monitoring.coreos.com/v1, monitoring.coreos.com/v1/ServiceMonitor]', 'an API version')) {
      if (apiVersionPattern.test(value)) apiVersions.push(value);
      else reader.report(itemSlot, `must be an API version as group/version or group/version/Kind (e.g. apps/v1, monitoring.coreos.com/v1/ServiceMonitor), got ${reader.describe(itemSlot)}`);
    }
    helm.apiVersions = apiVersions;
  }
  const skipSlot = fields.get('skipCRDs');
  if (skipSlot) {
    const skip = reader.boolean(skipSlot);
    if (skip !== undefined) helm.skipCRDs = skip;
  }
}

function readImageName(reader: YamlReader, slot: Slot): string | undefined {
  const text = reader.string(slot, 'an image name such as nginx or ghcr.io/org/app');
  if (text === undefined) return undefined;
  const at = text.indexOf('@');
  if (at >= 0) {
    reader.report(slot, `must be an image name without a digest, got ${reader.describe(slot)}: write "${text.slice(0, at)}" and put the digest in digest`);
    return undefined;
  }
  const lastSegment = text.slice(text.lastIndexOf('/') + 1);
  const colon = lastSegment.indexOf(':');
  if (colon >= 0) {
    const tag = lastSegment.slice(colon + 1);
    reader.report(slot, `must be an image name without a tag, got ${reader.describe(slot)}: write "${text.slice(0, text.length - tag.length - 1)}" and put "${tag}" in newTag`);
    return undefined;
  }
  if (!imageNamePattern.test(text)) {
    reader.report(slot, `must be an image name (lowercase path components separated by "/", optionally after a registry host), got ${reader.describe(slot)}`);
    return undefined;
  }
  return text;
}

/**
 * `images:`: a list of overrides, in which one item may be `- lockFile: <kbld lock file>`, or a
 * mapping `{ lockFile: <kbld lock file> }` alone.
 */
function readImages(reader: YamlReader, slot: Slot): { images: ImageOverride[]; lockFile?: string } {
  if (isMap(slot.node)) {
    const fields = reader.fields(slot, { fields: ['lockFile'], hints: { name: 'image overrides are a list: write "- { name: nginx, newTag: \\"1.27\\" }"' } });
    const lockSlot = fields && reader.require(fields, slot, 'lockFile', 'a kbld lock file in the config repo, such as images.kbld.lock.yml');
    const lockFile = lockSlot && readRepoPath(reader, lockSlot);
    return lockFile === undefined ? { images: [] } : { images: [], lockFile };
  }
  const items = reader.items(slot, 'a list of image overrides, e.g. "- { name: nginx, newTag: \\"1.27\\" }", or "{ lockFile: images.kbld.lock.yml }"') ?? [];
  const seen = new Map<string, Slot>();
  const images: ImageOverride[] = [];
  let lockFile: { path: string; slot: Slot } | undefined;
  for (const item of items) {
    if (isMap(item.node) && item.node.has('lockFile')) {
      const fields = reader.fields(item, { fields: ['lockFile'], hints: { name: 'a lock file item stands alone: write the image override as its own item' } });
      const lockSlot = fields?.get('lockFile');
      const path = lockSlot && readRepoPath(reader, lockSlot);
      if (lockFile && lockSlot) reader.report(lockSlot, `a lock file is already named at line ${reader.positionOf(lockFile.slot).line}: keep one`);
      else if (path !== undefined && lockSlot) lockFile = { path, slot: lockSlot };
      continue;
    }
    const fields = reader.fields(item, { fields: imageFields, hints: { tag: 'did you mean "newTag"?', image: 'did you mean "name"?' } }, 'a mapping such as "name: nginx"');
    if (fields === undefined) continue;
    const nameSlot = reader.require(fields, item, 'name', 'the image name as written in the manifests, without tag, such as nginx');
    const name = nameSlot && readImageName(reader, nameSlot);
    if (name !== undefined && nameSlot) {
      const first = seen.get(name);
      if (first) reader.report(nameSlot, `image "${name}" is already overridden at line ${reader.positionOf(first).line}: merge the two entries`);
      else seen.set(name, nameSlot);
    }
    const image: ImageOverride = { name: name ?? '' };
    const newNameSlot = fields.get('newName');
    const newName = newNameSlot && readImageName(reader, newNameSlot);
    if (newName !== undefined) image.newName = newName;
    const tagSlot = fields.get('newTag');
    if (tagSlot) {
      const tag = reader.string(tagSlot, 'an image tag');
      if (tag !== undefined && !imageTagPattern.test(tag)) {
        reader.report(tagSlot, `must be an image tag (up to 128 letters, digits, "_", "." and "-", not starting with "." or "-"), got ${reader.describe(tagSlot)}`);
      } else if (tag !== undefined) {
        image.newTag = tag;
      }
    }
    const digestSlot = fields.get('digest');
    if (digestSlot) {
      const digest = reader.string(digestSlot, 'an image digest');
      if (digest !== undefined && (!digestPattern.test(digest) || (digest.startsWith('sha256:') && !/^sha256:[a-f0-9]{64}$/.test(digest)))) {
        reader.report(digestSlot, `must be an image digest such as sha256:<64 hexadecimal digits>, got ${reader.describe(digestSlot)}`);
      } else if (digest !== undefined) {
        image.digest = digest;
      }
    }
    if (tagSlot && digestSlot) reader.report(digestSlot, 'cannot be set together with newTag: keep one (a digest pins the exact image)');
    if (!newNameSlot && !tagSlot && !digestSlot) reader.report(item, 'changes nothing: set newName, newTag or digest');
    images.push(image);
  }
  return lockFile === undefined ? { images } : { images, lockFile: lockFile.path };
}

/** `lint: { disable: [container-probes] }`: rules of `capstan lint` turned off. */
function readLint(reader: YamlReader, slot: Slot): LintSettings | undefined {
  const fields = reader.fields(slot, { fields: ['disable'], hints: { rules: 'did you mean "disable"? (the rules turned off)', enable: 'every rule is on unless listed under disable' } }, 'a mapping such as "{ disable: [container-probes] }"');
  if (fields === undefined) return undefined;
  const disableSlot = reader.require(fields, slot, 'disable', `the rules turned off, among ${lintRuleNames.join(', ')}`);
  if (disableSlot === undefined) return undefined;
  const disable: LintSettings['disable'] = [];
  for (const item of reader.items(disableSlot, 'a list of rules, e.g. [container-probes]') ?? []) {
    const rule = reader.oneOf(item, lintRuleNames);
    if (rule === undefined) continue;
    if (disable.includes(rule)) reader.report(item, `"${rule}" is already listed: remove one`);
    else disable.push(rule);
  }
  return { disable };
}

function readIgnoreDifferences(reader: YamlReader, slot: Slot): IgnoreRule[] {
  const items = reader.items(slot, 'a list of ignore rules, e.g. "- { kind: Deployment, jsonPointers: [/spec/replicas] }"') ?? [];
  const rules: IgnoreRule[] = [];
  for (const item of items) {
    const issuesBefore = reader.issues.length;
    const fields = reader.fields(item, { fields: ignoreDifferenceFields }, 'a mapping such as "kind: Deployment"');
    if (fields === undefined) continue;
    const kindSlot = reader.require(fields, item, 'kind', 'the kind of the objects concerned, such as Deployment');
    const rule: IgnoreRule = { kind: (kindSlot && reader.string(kindSlot, 'a kind such as Deployment')) ?? '' };
    const groupSlot = fields.get('group');
    if (groupSlot) {
      const group = readGroup(reader, groupSlot);
      if (group !== undefined) rule.group = group;
    }
    for (const key of ['name', 'namespace'] as const) {
      const s = fields.get(key);
      const value = s && reader.string(s, `an object ${key}`);
      if (value !== undefined) rule[key] = value;
    }
    const pointersSlot = fields.get('jsonPointers');
    if (pointersSlot) {
      rule.jsonPointers = [];
      for (const { value, slot: pointerSlot } of readStringList(reader, pointersSlot, 'a list of JSON pointers, e.g. [/spec/replicas]', 'a JSON pointer such as /spec/replicas')) {
        if (isJsonPointer(value)) {
          rule.jsonPointers.push(value);
        } else {
          const advice = /^[\w.-]+$/.test(value) ? `: write "/${value.split('.').join('/')}"` : '';
          reader.report(pointerSlot, `must be a JSON pointer such as /spec/replicas ("/" before each field; "~1" for a "/" inside a key), got ${reader.describe(pointerSlot)}${advice}`);
        }
      }
    }
    const managersSlot = fields.get('managedFieldsManagers');
    if (managersSlot) rule.managedFieldsManagers = readStringList(reader, managersSlot, 'a list of field manager names, e.g. [kube-controller-manager]', 'a field manager name').map((m) => m.value);
    const ignoresSomething = (rule.jsonPointers?.length ?? 0) > 0 || (rule.managedFieldsManagers?.length ?? 0) > 0;
    if (!ignoresSomething && reader.issues.length === issuesBefore) reader.report(item, 'ignores nothing: set jsonPointers or managedFieldsManagers');
    rules.push(rule);
  }
  return rules;
}

function isJsonPointer(text: string): boolean {
  return text.startsWith('/') && !/~(?![01])/.test(text);
}

/** An API group; '' (or "core") is the core group. */
function readGroup(reader: YamlReader, slot: Slot): string | undefined {
  if (isScalar(slot.node) && slot.node.value === '') return '';
  return reader.string(slot, 'an API group such as apps (or "" for the core group)');
}

function readHealthRules(reader: YamlReader, slot: Slot): HealthRule[] {
  const items = reader.items(slot, 'a list of health rules per kind, e.g. "- { kind: Widget, rules: [...] }"') ?? [];
  const seen = new Map<string, Slot>();
  const found: HealthRule[] = [];
  for (const item of items) {
    const issuesBefore = reader.issues.length;
    const fields = reader.fields(item, { fields: healthFields }, 'a mapping such as "kind: Widget"');
    if (fields === undefined) continue;
    const kindSlot = reader.require(fields, item, 'kind', 'the kind the rules apply to, such as Widget');
    const check: HealthRule = { kind: (kindSlot && reader.string(kindSlot, 'a kind such as Widget')) ?? '', rules: [] };
    const groupSlot = fields.get('group');
    if (groupSlot) {
      const group = readGroup(reader, groupSlot);
      if (group !== undefined) check.group = group;
    }
    if (kindSlot && check.kind) {
      const id = `${check.group ?? ''}/${check.kind}`;
      const first = seen.get(id);
      if (first) reader.report(kindSlot, `${check.kind} already has health rules at line ${reader.positionOf(first).line}: merge their rules into one entry`);
      else seen.set(id, kindSlot);
    }
    const rulesSlot = reader.require(fields, item, 'rules', 'the health rules for this kind');
    const cases: Record<string, unknown>[] = [];
    for (const ruleSlot of (rulesSlot && reader.items(rulesSlot, 'a list of rules')) || []) {
      const rule = reader.plainMap(ruleSlot, 'a mapping (one rule)');
      if (rule) cases.push(rule);
    }
    // the cases are read as plain data and checked field by field, each problem located at its line
    if (rulesSlot && reader.issues.length === issuesBefore) {
      const read = readHealthRuleCases(cases);
      for (const problem of read.problems) reader.report(reader.descend(rulesSlot, problem.path), problem.message);
      check.rules = read.cases;
    }
    found.push(check);
  }
  return found;
}

function readSyncPolicy(reader: YamlReader, slot: Slot): Partial<SyncPolicy> {
  const fields = reader.fields(slot, { fields: syncPolicyFields }, 'a mapping such as "{ prune: true, selfHeal: true }"');
  const policy: Partial<SyncPolicy> = {};
  for (const key of syncPolicyFields) {
    const s = fields?.get(key);
    const value = s && reader.boolean(s);
    if (value !== undefined) policy[key] = value;
  }
  return policy;
}

function cloneSyncOptions(options: Readonly<SyncOptions>): SyncOptions {
  const copy: SyncOptions = { timeoutMs: options.timeoutMs, retry: { ...options.retry } };
  if (options.pollIntervalMs !== undefined) copy.pollIntervalMs = options.pollIntervalMs;
  if (options.conflicts !== undefined) copy.conflicts = options.conflicts;
  if (options.wait !== undefined) copy.wait = options.wait;
  return copy;
}

function readSyncOptions(reader: YamlReader, slot: Slot): SyncOptions {
  const options = cloneSyncOptions(defaultSyncOptions);
  const fields = reader.fields(slot, { fields: syncOptionsFields }, 'a mapping such as "{ timeout: 5m, pollInterval: 30s }"');
  const timeoutSlot = fields?.get('timeout');
  const timeout = timeoutSlot && readDuration(reader, timeoutSlot);
  if (timeout !== undefined) options.timeoutMs = timeout;
  const pollSlot = fields?.get('pollInterval');
  const poll = pollSlot && readDuration(reader, pollSlot);
  if (poll !== undefined) options.pollIntervalMs = poll;
  const conflictsSlot = fields?.get('conflicts');
  const conflicts = conflictsSlot && reader.oneOf(conflictsSlot, ['force', 'fail'] as const);
  if (conflicts !== undefined) options.conflicts = conflicts;
  const retrySlot = fields?.get('retry');
  const retry = retrySlot && reader.fields(retrySlot, { fields: retryFields }, 'a mapping such as "{ limit: 5, backoff: 5s, maxBackoff: 3m }"');
  if (!retry) return options;
  const limitSlot = retry.get('limit');
  const limit = limitSlot && reader.integer(limitSlot, 0);
  if (limit !== undefined) options.retry.limit = limit;
  const backoffSlot = retry.get('backoff');
  const backoff = backoffSlot && readDuration(reader, backoffSlot);
  if (backoff !== undefined) options.retry.backoffMs = backoff;
  const maxSlot = retry.get('maxBackoff');
  const maxBackoff = maxSlot && readDuration(reader, maxSlot);
  if (maxBackoff !== undefined) options.retry.maxBackoffMs = maxBackoff;
  if ((backoff !== undefined || maxBackoff !== undefined) && options.retry.backoffMs > options.retry.maxBackoffMs) {
    const backoffText = formatDuration(options.retry.backoffMs);
    const maxText = formatDuration(options.retry.maxBackoffMs);
    if (maxSlot && maxBackoff !== undefined) reader.report(maxSlot, `must be at least retry.backoff (${backoffText}), got ${maxText}`);
    else if (backoffSlot) reader.report(backoffSlot, `is longer than retry.maxBackoff (${maxText} by default): shorten it or raise maxBackoff`);
  }
  return options;
}

interface OverrideDraft {
  env: string;
  override: AppEnvironmentOverride;
  helm?: HelmDraft;
  namespaceSet: boolean;
}

function readAppEnvironments(reader: YamlReader, slot: Slot, environmentNames: string[] | undefined): OverrideDraft[] | undefined {
  const entries = reader.entries(slot, 'a mapping of environment names to overrides, e.g. "dev: { namespace: guestbook-dev }"');
  if (entries === undefined) return undefined;
  if (entries.length === 0) {
    reader.report(slot, 'lists no environment: list the environments the app is deployed to, or remove environments to deploy it to all of them');
  }
  const known = environmentNames?.filter((n) => n !== '');
  const drafts: OverrideDraft[] = [];
  for (const { key, keyNode, value } of entries) {
    if (known && !known.includes(key)) reader.reportNode(keyNode, value.path, unknownName(key, known, 'environment'));
    const override: AppEnvironmentOverride = { syncPolicy: {}, images: [] };
    const draft: OverrideDraft = { env: key, override, namespaceSet: false };
    drafts.push(draft);
    if (reader.isNull(value)) continue; // `dev:` — deployed there with no overrides
    const fields = reader.fields(value, { fields: appEnvironmentFields, hints: appEnvironmentHints }, 'a mapping of overrides such as "{ namespace: guestbook-dev }", or nothing');
    if (fields === undefined) continue;
    const sourceSlot = fields.get('source');
    const source = sourceSlot && readRepoPath(reader, sourceSlot);
    if (source !== undefined) override.source = source;
    const namespaceSlot = fields.get('namespace');
    const namespace = namespaceSlot && readDnsLabel(reader, namespaceSlot);
    if (namespace !== undefined) override.namespace = namespace;
    draft.namespaceSet = namespaceSlot !== undefined;
    const policySlot = fields.get('syncPolicy');
    if (policySlot) override.syncPolicy = readSyncPolicy(reader, policySlot);
    const syncSlot = fields.get('sync');
    if (syncSlot) {
      const sync = reader.oneOf(syncSlot, ['auto', 'manual'] as const);
      if (sync !== undefined && override.syncPolicy.automated !== undefined) {
        reader.report(syncSlot, 'is a shorthand for syncPolicy.automated, which is also set: keep one of them');
      } else if (sync !== undefined) {
        override.syncPolicy.automated = sync === 'auto';
      }
    }
    const helmSlot = fields.get('helm');
    const helm = helmSlot && readHelm(reader, helmSlot, false);
    if (helm !== undefined) {
      override.helm = { valuesFiles: helm.helm.valuesFiles, values: helm.helm.values, ...(helm.chartVersion === undefined ? {} : { chartVersion: helm.chartVersion }) };
      draft.helm = helm;
    }
    const imagesSlot = fields.get('images');
    if (imagesSlot) {
      const { images, lockFile } = readImages(reader, imagesSlot);
      override.images = images;
      if (lockFile !== undefined) override.imageLockFile = lockFile;
    }
    const lintSlot = fields.get('lint');
    const lint = lintSlot && readLint(reader, lintSlot);
    if (lint !== undefined) override.lint = lint;
    const clusterSlot = fields.get('cluster');
    const cluster = clusterSlot && reader.string(clusterSlot, 'the name of a kubeconfig context');
    if (cluster !== undefined) override.cluster = cluster;
    const postRender = readEnvironmentFluxOptions(reader, fields);
    if (postRender !== undefined) override.postRender = postRender;
  }
  return drafts;
}

/**
 * `targetNamespace` (Flux) is where every namespaced object goes, so it is also the app's namespace;
 * Flux's options apply to what kustomize and plain directories render.
 */
function checkTargetNamespace(reader: YamlReader, app: AppSpec, fields: Map<string, Slot> | undefined, type: AppSpec['type']): void {
  const target = app.postRender?.targetNamespace;
  const targetSlot = fields?.get('targetNamespace');
  if (target !== undefined && targetSlot) {
    if (app.namespace !== undefined && app.namespace !== target) reader.report(targetSlot, `moves every namespaced object to ${target}, but namespace is ${app.namespace}: keep one of them (targetNamespace also sets the app's namespace)`);
    else app.namespace = target;
  }
  if (type === undefined || type === 'kustomize' || type === 'directory') return;
  for (const name of ['targetNamespace', 'patches', 'postBuild'] as const) {
    const slot = fields?.get(name);
    if (slot) reader.report(slot, `applies to kustomize and directory apps (as Flux's Kustomization does), but the app's type is ${type}: remove ${name}`);
  }
}

/** Every environment the app is deployed to must know its source: the app's, or each environment's own. */
function checkSourceSet(reader: YamlReader, item: Slot, overrides: OverrideDraft[] | undefined, sourceSlot: Slot | undefined): void {
  if (sourceSlot !== undefined) return;
  if (overrides !== undefined && overrides.length > 0 && overrides.every((o) => o.override.source !== undefined)) return;
  const missing = overrides?.filter((o) => o.override.source === undefined).map((o) => o.env);
  const where = missing === undefined ? '' : ` (missing for ${missing.join(', ')})`;
  reader.report(
    { path: childPath(item.path, 'source'), node: undefined, at: item.node },
    `is required: the directory of the app's manifests inside the config repo, such as apps/guestbook; set it here, or under environments.<env>.source for each environment${where}`,
  );
}

/**
 * Every environment the app is deployed to must know its namespace; a pins app's is its source
 * folder's name when that is a namespace name (`state/development` → `development`).
 */
function checkNamespaceSet(reader: YamlReader, item: Slot, app: AppSpec, overrides: OverrideDraft[] | undefined, namespaceSlot: Slot | undefined): void {
  if (namespaceSlot !== undefined) return;
  const fromFolder = (source: string): boolean => app.type === 'pins' && folderNamespace(source) !== undefined;
  const named = (o: OverrideDraft): boolean => o.namespaceSet || fromFolder(o.override.source ?? app.source);
  if (overrides === undefined && fromFolder(app.source)) return;
  if (overrides !== undefined && overrides.length > 0 && overrides.every(named)) return;
  const missing = overrides?.filter((o) => !named(o)).map((o) => o.env);
  const where = missing === undefined ? '' : ` (missing for ${missing.join(', ')})`;
  reader.report(
    { path: childPath(item.path, 'namespace'), node: undefined, at: item.node },
    `is required: the namespace of the app's namespaced objects, such as ${app.name || 'my-app'}; set it here, or under environments.<env>.namespace for each environment${where}`,
  );
}

/** `helm` only means something for Helm charts. */
function checkHelmApplies(reader: YamlReader, app: AppSpec, helm: HelmDraft | undefined, overrides: OverrideDraft[] | undefined): void {
  if (app.type === undefined || app.type === 'helm') return;
  const message = `only applies to Helm charts, but the app's type is ${app.type}: remove helm, or set type: helm`;
  if (helm) reader.report(helm.slot, message);
  for (const o of overrides ?? []) if (o.helm) reader.report(o.helm.slot, message);
}

/** An environment's `helm.chart.version` needs a chart from a repository on the app. */
function checkChartVersionOverrides(reader: YamlReader, app: AppSpec, overrides: OverrideDraft[] | undefined): void {
  if (app.helm?.chart !== undefined) return;
  for (const o of overrides ?? []) {
    if (o.helm?.chartSlot) reader.report(o.helm.chartSlot, 'sets the version of a chart from a repository, but the app has no helm.chart: add helm.chart (repository, name, version) to the app, or remove this');
  }
}

/** Values files may climb out of the chart directory with `..`, but never out of the repo. */
function checkValuesFiles(reader: YamlReader, app: AppSpec, helm: HelmDraft | undefined, overrides: OverrideDraft[] | undefined): void {
  if (!app.source) return;
  const check = (draft: HelmDraft | undefined, sources: Array<{ source: string; env?: string }>): void => {
    for (const { value, slot } of draft?.files ?? []) {
      const escape = sources.find((c) => joinInsideRepo(c.source, value) === undefined);
      if (!escape) continue;
      const from = escape.env === undefined ? `source ${escape.source}` : `source ${escape.source} (environment ${escape.env})`;
      reader.report(slot, `"${value}" leaves the config repo when read from ${from}: values files must be inside the repo`);
    }
  };
  const sources: Array<{ source: string; env?: string }> = [{ source: app.source }];
  for (const o of overrides ?? []) if (o.override.source) sources.push({ source: o.override.source, env: o.env });
  check(helm, sources);
  for (const o of overrides ?? []) check(o.helm, [{ source: o.override.source ?? app.source, env: o.env }]);
}

/** dependsOn names existing apps other than the app itself, once each, without cycles. */
function checkDependencies(reader: YamlReader, apps: AppDraft[]): void {
  const names = apps.map((a) => a.app.name).filter((n) => n !== '');
  const known = new Set(names);
  for (const { app, dependsOnSlots } of apps) {
    const listed = new Set<string>();
    app.dependsOn.forEach((dependency, i) => {
      const slot = dependsOnSlots[i];
      if (dependency === '') return;
      if (dependency === app.name) reader.report(slot, 'an app cannot depend on itself: remove this entry');
      else if (!known.has(dependency)) reader.report(slot, unknownName(dependency, names, 'app'));
      else if (listed.has(dependency)) reader.report(slot, `"${dependency}" is listed twice: remove one`);
      listed.add(dependency);
    });
  }
  const byName = new Map(apps.map((a) => [a.app.name, a]));
  for (const cycle of findCycles(names, (name) => byName.get(name)?.app.dependsOn ?? [])) {
    const first = byName.get(cycle[0]);
    const at = first?.dependsOnSlots[first.app.dependsOn.indexOf(cycle[1])];
    if (at) reader.report(at, `dependency cycle: ${cycle.join(' -> ')} ("->" reads "depends on"): remove one of these dependsOn entries`);
  }
}

// ---------------------------------------------------------------------------------------------
// Notifications
// ---------------------------------------------------------------------------------------------

const notificationFields = ['name', 'type', 'url', 'events', 'services'] as const;
const notificationHints: Record<string, string> = {
  webhook: 'did you mean "url"?',
  webhookUrl: 'did you mean "url"?',
  endpoint: 'did you mean "url"?',
  on: 'did you mean "events"?',
  triggers: 'did you mean "events"?',
  apps: 'did you mean "services"? (service or app names)',
  channel: 'a Slack incoming webhook posts to the channel it was created for: create one webhook per channel',
};
const urlSourceFields = ['secret', 'key', 'file'] as const;
const secretKeyPattern = /^[-._a-zA-Z0-9]+$/;
const dnsSubdomainPattern = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
/** What to write instead of a URL, in every message about one. */
const urlAdvice = 'write url: { secret: <namespace>/<name>, key: url } (a Secret in the cluster) or url: { file: /etc/capstan/<name>-url } (a file on the agent\'s host)';

/** `notifications:`: the webhooks notifications go to; their URLs are read from Secrets or files, never from the repo. */
function readNotifications(reader: YamlReader, slot: Slot): NotificationTarget[] {
  const items = reader.items(slot, 'a list of notification targets, e.g. "- { name: team-slack, type: slack, url: { secret: capstan-system/slack-hook, key: url } }"') ?? [];
  const seen = new Map<string, Slot>();
  const targets: NotificationTarget[] = [];
  for (const item of items) {
    const fields = reader.fields(item, { fields: notificationFields, hints: notificationHints }, 'a mapping such as "{ name: team-slack, type: slack, url: { secret: capstan-system/slack-hook, key: url } }"');
    if (fields === undefined) continue;
    const nameSlot = reader.require(fields, item, 'name', 'the target\'s name, a DNS label such as "team-slack" (logs name a target by it, never by its URL)');
    const name = nameSlot && readDnsLabel(reader, nameSlot);
    if (name !== undefined && nameSlot) checkUnique(reader, seen, name, nameSlot, 'notification target');
    const typeSlot = reader.require(fields, item, 'type', 'slack (a Slack-compatible incoming webhook) or webhook (a generic JSON webhook)');
    const type = typeSlot && reader.oneOf(typeSlot, notificationTargetTypes);
    const urlSlot = reader.require(fields, item, 'url', `where the webhook's URL is read from: ${urlAdvice}`);
    const url = urlSlot && readUrlSource(reader, urlSlot);
    const eventsSlot = fields.get('events');
    const events = eventsSlot ? readNotificationEvents(reader, eventsSlot) : [...notificationEventTypes];
    const servicesSlot = fields.get('services');
    const services = servicesSlot && readStringList(reader, servicesSlot, 'a list of service or app names, e.g. [web, api]', 'a service or app name').map((s) => s.value);
    if (servicesSlot && isSeq(servicesSlot.node) && servicesSlot.node.items.length === 0) reader.report(servicesSlot, 'lists no service: remove services to be told about every service, or list some');
    if (name === undefined || type === undefined || url === undefined) continue;
    const target: NotificationTarget = { name, type, url, events };
    if (services !== undefined) target.services = services;
    targets.push(target);
  }
  return targets;
}

/** `url:` is a Secret's key or a file: a URL written in the repo is refused, without repeating it (it holds a token). */
function readUrlSource(reader: YamlReader, slot: Slot): UrlSource | undefined {
  if (isScalar(slot.node) && typeof slot.node.value === 'string') {
    const looksLikeUrl = /^[a-z][a-z0-9+.-]*:\/\//i.test(slot.node.value.trim());
    const what = looksLikeUrl ? 'a URL written in capstan.yaml is refused' : 'must say where the URL is read from, not be text';
    reader.report(slot, `${what}: a webhook URL holds the token that lets anyone post to it, and everyone who can read the config repo would have it; ${urlAdvice}`);
    return undefined;
  }
  const fields = reader.fields(slot, { fields: urlSourceFields, hints: { value: `a URL written in capstan.yaml is refused (it holds a token): ${urlAdvice}`, path: 'did you mean "file"?', secretKey: 'did you mean "key"?' } }, `a mapping: ${urlAdvice}`);
  if (fields === undefined) return undefined;
  const secretSlot = fields.get('secret');
  const keySlot = fields.get('key');
  const fileSlot = fields.get('file');
  if (secretSlot && fileSlot) {
    reader.report(fileSlot, 'cannot be set together with secret: keep one');
    return undefined;
  }
  if (fileSlot) {
    if (keySlot) reader.report(keySlot, 'is the key of a Secret: remove it, or read the URL from a Secret (secret: <namespace>/<name>) instead of a file');
    const file = reader.string(fileSlot, 'an absolute path on the agent\'s host, such as /etc/capstan/slack-url');
    if (file === undefined) return undefined;
    if (!file.startsWith('/')) {
      reader.report(fileSlot, `must be an absolute path on the host the agent runs on (it is read there, not from the config repo), got ${reader.describe(fileSlot)}`);
      return undefined;
    }
    return { file };
  }
  if (!secretSlot) {
    // an unknown field (reported already) is what was meant as the source
    const written = isMap(slot.node) ? slot.node.items.length : 0;
    if (written === fields.size) reader.report(slot, `names no source: ${urlAdvice}`);
    return undefined;
  }
  const ref = reader.string(secretSlot, 'a Secret as <namespace>/<name>, such as capstan-system/slack-hook');
  if (ref === undefined) return undefined;
  const [namespace, name, ...rest] = ref.split('/');
  if (rest.length > 0 || name === undefined) {
    reader.report(secretSlot, `must name a Secret as <namespace>/<name>, such as capstan-system/slack-hook, got ${reader.describe(secretSlot)}`);
    return undefined;
  }
  if (!(namespace.length <= 63 && dnsLabelPattern.test(namespace)) || !(name.length <= 253 && dnsSubdomainPattern.test(name))) {
    reader.report(secretSlot, `must name a Secret as <namespace>/<name> (a namespace and a Secret name in lowercase letters, digits, "-" and "."), got ${reader.describe(secretSlot)}`);
    return undefined;
  }
  let key = 'url';
  if (keySlot) {
    const written = reader.string(keySlot, 'the key of the Secret that holds the URL, such as url');
    if (written === undefined) return undefined;
    if (!secretKeyPattern.test(written) || written.length > 253) {
      reader.report(keySlot, `must be a Secret key (letters, digits, "-", "_" and "."), got ${reader.describe(keySlot)}`);
      return undefined;
    }
    key = written;
  }
  return { secret: { namespace, name, key } };
}

function readNotificationEvents(reader: YamlReader, slot: Slot): NotificationTarget['events'] {
  const items = reader.items(slot, `a list of events, e.g. [crash, sync-failed] (known events: ${notificationEventTypes.join(', ')})`) ?? [];
  if (items.length === 0) reader.report(slot, 'lists no event: remove events to be told about every event, or list some');
  const seen = new Map<string, Slot>();
  const events: NotificationTarget['events'] = [];
  for (const item of items) {
    const event = reader.oneOf(item, notificationEventTypes);
    if (event === undefined) continue;
    const first = seen.get(event);
    if (first) {
      reader.report(item, `"${event}" is already listed at line ${reader.positionOf(first).line}: remove one`);
      continue;
    }
    seen.set(event, item);
    events.push(event);
  }
  return events;
}
