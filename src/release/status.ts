import { listArtifacts, readArtifact, readPolicies, readRelease, type AppEnvironment, type Artifact, type Policy, type Project, type ReleaseRecord } from '../config/index.ts';
import type { LogEntry } from '../source/index.ts';
import { covers } from './policies.ts';
import { parseTrailers } from './repo-change.ts';

/** What runs of a service in one environment, as the config repo says. */
export interface EnvironmentRelease {
  env: string;
  promotesFrom?: string;
  /** The apps of `type: artifact` that render this service there. */
  apps: string[];
  release?: ReleaseRecord;
  artifact?: Artifact;
}

export interface ServiceStatus {
  service: string;
  environments: EnvironmentRelease[];
  /** Newest first. */
  artifacts: Artifact[];
  policies: Policy[];
}

/** The release state of a service in every environment of the project, read from a checkout. */
export async function readServiceStatus(dir: string, project: Project, service: string): Promise<ServiceStatus> {
  const artifacts = await listArtifacts(dir, service);
  const byId = new Map(artifacts.map((a) => [a.id, a]));
  const environments = await Promise.all(
    project.environments.map(async (env): Promise<EnvironmentRelease> => {
      const release = await readRelease(dir, service, env.name);
      const apps = project.apps
        .filter((a) => a.type === 'artifact' && (a.service ?? a.name) === service && (a.environments === undefined || env.name in a.environments))
        .map((a) => a.name);
      const artifact = release ? byId.get(release.artifact) : undefined;
      return { env: env.name, ...(env.promotesFrom ? { promotesFrom: env.promotesFrom } : {}), apps, ...(release ? { release } : {}), ...(artifact ? { artifact } : {}) };
    }),
  );
  const policies = (await readPolicies(dir)).filter((p) => covers(p, service));
  return { service, environments, artifacts: artifacts.reverse(), policies };
}

/** One entry of the release log: a commit capstan made, read back from git. */
export interface ReleaseLogEntry {
  commit: string;
  /** ISO 8601 (the author date). */
  date: string;
  author: string;
  subject: string;
  action: string;
  service?: string;
  env?: string;
  artifact?: string;
  previous?: string;
  from?: string;
  forced?: string;
  branch?: string;
}

export interface ReleaseLogFilter {
  service?: string;
  env?: string;
}

/** The commits capstan made for release management (by their `Capstan-Action` trailer), newest first. */
export function releaseLog(entries: LogEntry[], filter: ReleaseLogFilter = {}): ReleaseLogEntry[] {
  const log: ReleaseLogEntry[] = [];
  for (const entry of entries) {
    const t = parseTrailers(entry.message);
    const action = t['Capstan-Action'];
    if (!action) continue;
    const item: ReleaseLogEntry = { commit: entry.sha, date: entry.author.date, author: entry.author.name, subject: entry.subject, action };
    const fields: Array<[keyof ReleaseLogEntry, string]> = [
      ['service', 'Capstan-Service'],
      ['env', 'Capstan-Environment'],
      ['artifact', 'Capstan-Artifact'],
      ['previous', 'Capstan-Previous'],
      ['from', 'Capstan-From'],
      ['forced', 'Capstan-Forced'],
      ['branch', 'Capstan-Branch'],
    ];
    for (const [key, trailer] of fields) if (t[trailer]) (item as unknown as Record<string, string>)[key] = t[trailer];
    if (filter.service !== undefined && item.service !== filter.service) continue;
    if (filter.env !== undefined && item.env !== filter.env) continue;
    log.push(item);
  }
  return log;
}

/** The release an app of `type: artifact` runs in its environment, for crash reports; undefined for other apps or before a release. */
export interface RunningRelease {
  service: string;
  artifact: string;
  branch?: string;
  commit?: string;
  author?: string;
  releasedBy?: string;
}

export async function runningRelease(dir: string, app: Pick<AppEnvironment, 'type' | 'service' | 'name' | 'env'>): Promise<RunningRelease | undefined> {
  if (app.type !== 'artifact') return undefined;
  const service = app.service ?? app.name;
  const release = await readRelease(dir, service, app.env);
  if (!release) return undefined;
  const artifact = await readArtifact(dir, service, release.artifact);
  return {
    service,
    artifact: release.artifact,
    releasedBy: release.releasedBy,
    ...(artifact?.branch ? { branch: artifact.branch } : {}),
    ...(artifact?.commit ? { commit: artifact.commit } : {}),
    ...(artifact?.author ? { author: artifact.author } : {}),
  };
}
