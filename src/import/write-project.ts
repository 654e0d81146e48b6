import { Document, isMap, isSeq } from 'yaml';
import { projectApiVersion, projectKind } from '../config/index.ts';
import { inClusterEnvironment, type ImportedEnvironment, type ImportedProject } from './imported-project.ts';

/**
 * The imported apps as a complete `capstan.yaml`: the environments they deploy to, then each app
 * under a comment naming where it came from and every setting with no equivalent
 * (`# no equivalent: <setting> (<why / what to do>)`).
 */
export function writeProject(project: ImportedProject, title: string): string {
  const environments = new Map<string, ImportedEnvironment>();
  for (const app of [...project.apps, ...project.generators]) {
    const env = app.environment ?? inClusterEnvironment;
    if (!environments.has(env.name)) environments.set(env.name, env);
  }
  if (environments.size === 0) environments.set(inClusterEnvironment.name, inClusterEnvironment);
  const imported = new Set(project.apps.map((a) => String(a.entry.name)));
  const names = new Set<string>();
  const apps = project.apps.map((app) => {
    let name = String(app.entry.name);
    for (let n = 2; names.has(name); n++) name = `${String(app.entry.name)}-${n}`;
    names.add(name);
    const entry: Record<string, unknown> = { ...app.entry, name };
    if (environments.size > 1) entry.environments = { [(app.environment ?? inClusterEnvironment).name]: {} };
    const notes = name === app.entry.name ? [...app.notes] : [...app.notes, `a second app named ${String(app.entry.name)} (renamed ${name})`];
    // capstan refuses a dependency on an app it does not declare
    const dependsOn = (entry.dependsOn as string[] | undefined) ?? [];
    const missing = dependsOn.filter((d) => !imported.has(d));
    if (missing.length > 0) {
      notes.push(`dependsOn ${missing.join(', ')} (not among the imported apps: import ${missing.length === 1 ? 'it' : 'them'} too and add dependsOn back)`);
      if (missing.length === dependsOn.length) delete entry.dependsOn;
      else entry.dependsOn = dependsOn.filter((d) => imported.has(d));
    }
    return { entry, comment: [app.origin, ...notes.map((n) => `no equivalent: ${n}`)] };
  });
  const generators = project.generators.map((generator) => {
    const template: Record<string, unknown> = { ...generator.entry };
    if (environments.size > 1) template.environments = { [(generator.environment ?? inClusterEnvironment).name]: {} };
    const entry = generator.list ? { list: generator.list, template } : { directories: generator.directories, ...(generator.exclude.length > 0 ? { exclude: generator.exclude } : {}), template };
    return { entry, comment: [generator.origin, ...generator.notes.map((n) => `no equivalent: ${n}`)] };
  });
  const doc = new Document({
    apiVersion: projectApiVersion,
    kind: projectKind,
    environments: [...environments.values()].map((e) => ({ name: e.name, ...(e.cluster ? { cluster: e.cluster } : {}) })),
    ...(apps.length > 0 || generators.length === 0 ? { apps: apps.map((a) => a.entry) } : {}),
    ...(generators.length > 0 ? { generators: generators.map((g) => g.entry) } : {}),
  });
  doc.commentBefore = comment([title, ...project.header]);
  const envNodes = doc.get('environments', true);
  if (isSeq(envNodes)) {
    [...environments.values()].forEach((env, i) => {
      const node = envNodes.items[i];
      if (env.note && isMap(node)) node.commentBefore = comment([env.note]);
    });
  }
  for (const [key, entries] of [['apps', apps], ['generators', generators]] as const) {
    const nodes = doc.get(key, true);
    if (!isSeq(nodes)) continue;
    entries.forEach((entry, i) => {
      const node = nodes.items[i];
      if (isMap(node)) node.commentBefore = comment(entry.comment);
    });
  }
  return doc.toString({ lineWidth: 0 });
}

function comment(lines: string[]): string {
  return lines.map((l) => ` ${l}`).join('\n');
}
