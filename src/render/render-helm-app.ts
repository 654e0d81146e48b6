import { statSync } from 'node:fs';
import { chmod, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { AppEnvironment } from '../config/index.ts';
import { CapstanError, ValidationError } from '../core/index.ts';
import { resolveInRepo } from '../repo-path/index.ts';
import { fetchChart, isVersionRange, type ChartCredentials } from './chart-source/index.ts';
import { renderHelmChart } from './helm.ts';
import type { SopsAccess } from './sops-access.ts';
import type { RenderedObject, RenderOptions } from './types.ts';

/**
 * A Helm chart: the chart folder `chartRel` of the repo, or with `helm.chart` a chart fetched from
 * its repository (into the chart cache; helm reads it unpacked in a private work directory).
 * Values files are resolved relative to the chart directory (or the source folder, for a fetched
 * chart) and must stay inside the repo and exist. SOPS-encrypted values files are decrypted into a
 * private temp dir that is deleted after rendering.
 */
export async function renderHelmApp(repoDir: string, chartRel: string, app: AppEnvironment, sops: SopsAccess, options: RenderOptions): Promise<RenderedObject[]> {
  // with helm.chart, the source folder holds only the values files: the chart is fetched
  const folder = chartRel || '.';
  const chartDir = resolveInRepo(repoDir, chartRel);
  const remote = app.helm.chart;
  const valuesFiles: string[] = [];
  const secrets: { index: number; file: string; text: string }[] = [];
  for (const file of app.helm.valuesFiles) {
    const rel = path.posix.normalize(path.posix.join(folder, file));
    const problem = `values file "${file}" of app ${app.name} (environment ${app.env}, ${remote ? `source ${folder}` : `chart ${folder}`})`;
    if (path.posix.isAbsolute(file) || rel === '..' || rel.startsWith('../')) {
      throw new ValidationError(`${problem} leaves the repository: name a file inside the config repo, relative to the chart`);
    }
    let absolute: string;
    try {
      absolute = resolveInRepo(repoDir, rel);
    } catch (error) {
      if (error instanceof CapstanError) throw new ValidationError(`${problem} is refused: ${error.message}`, { cause: error });
      throw error;
    }
    let isFile = false;
    try {
      isFile = statSync(absolute).isFile();
    } catch {
      // missing
    }
    if (!isFile) throw new ValidationError(`${problem} does not exist: expected ${rel} in the config repo`);
    const text = await readFile(absolute, 'utf8');
    if (sops.isEncrypted(text)) secrets.push({ index: valuesFiles.length, file: rel, text });
    valuesFiles.push(absolute);
  }

  // fetched once the values files are known to be there: a mistake in the repo costs no download
  const fetched = remote && (await fetchChart(
    {
      repository: remote.repository,
      name: remote.name,
      version: remote.version,
      requestedBy: `app ${app.name} (environment ${app.env})`,
      ...(remote.credentials ? { credentials: remote.credentials } : {}),
      ...(remote.plainHttp ? { plainHttp: true } : {}),
    },
    options.charts ?? {},
  ));
  if (remote && isVersionRange(remote.version)) options.onVersionRange?.();
  const chartPath = fetched ? `chart ${fetched.name} ${fetched.version}` : folder;
  const render = options.renderHelm ?? renderHelmChart;
  // the app's helm.kubeVersion / apiVersions win over the cluster's, as Argo CD's do; the cluster is asked only for what they leave out
  const explicit = { ...pickDefined({ ...options.helm }), ...pickDefined({ kubeVersion: app.helm.kubeVersion, apiVersions: app.helm.apiVersions }) };
  const cluster = options.capabilities && (explicit.kubeVersion === undefined || explicit.apiVersions === undefined) ? await options.capabilities() : undefined;
  const base = {
    chartDir,
    repoDir,
    chartPath,
    releaseName: app.helm.releaseName,
    namespace: app.namespace,
    values: app.helm.values,
    ...pickDefined({ kubeVersion: cluster?.kubeVersion, apiVersions: cluster?.apiVersions }),
    ...explicit,
    ...(app.helm.skipCRDs ? { skipCRDs: true } : {}),
    ...(fetched ? { chartArchive: fetched.archive } : {}),
    ...(options.charts ? { charts: options.charts } : {}),
    ...(options.onVersionRange ? { onVersionRange: options.onVersionRange } : {}),
    ...(remote?.credentials || app.helm.repositories?.length ? { credentialsFor: dependencyCredentials(app) } : {}),
  };
  if (secrets.length === 0) return render({ ...base, valuesFiles });
  const temp = await mkdtemp(path.join(options.tempDir ?? os.tmpdir(), 'capstan-helm-values-'));
  try {
    await chmod(temp, 0o700);
    for (const secret of secrets) {
      const target = path.join(temp, `${secret.index}-${path.posix.basename(secret.file)}`);
      await writeFile(target, await sops.decrypt(secret.text, secret.file), { mode: 0o600 });
      valuesFiles[secret.index] = target;
    }
    return await render({ ...base, valuesFiles });
  } finally {
    await rm(temp, { recursive: true, force: true });
  }
}

/**
 * The credentials for a dependency's repository: those `helm.repositories` gives for its host, else
 * the app's chart credentials when it is on the chart repository's host; none for any other host
 * (as helm sends credentials only to the repository's host).
 */
function dependencyCredentials(app: AppEnvironment): (dependency: string) => ChartCredentials | undefined {
  const known = [...(app.helm.repositories ?? []).map((r) => ({ host: hostOf(r.url), credentials: r.credentials }))];
  if (app.helm.chart?.credentials) known.push({ host: hostOf(app.helm.chart.repository), credentials: app.helm.chart.credentials });
  return (dependency) => {
    const host = hostOf(dependency);
    return host === undefined ? undefined : known.find((k) => k.host === host)?.credentials;
  };
}

function hostOf(repository: string): string | undefined {
  try {
    return new URL(repository).host || undefined;
  } catch {
    return undefined;
  }
}

/** The entries whose value is not undefined (so a spread of them never unsets what comes before). */
function pickDefined<T extends Record<string, unknown>>(object: T): Partial<T> {
  return Object.fromEntries(Object.entries(object).filter(([, value]) => value !== undefined)) as Partial<T>;
}
