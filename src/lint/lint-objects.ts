import { lintRuleNames, type LintRuleName } from '../config/index.ts';
import { annotations, formatKey, keyOf } from '../core/index.ts';
import { podSpecOf, type RenderedObject } from '../render/index.ts';
import { lintRules } from './rules.ts';
import type { LintContainer, LintFinding, LintOptions, LintSubject } from './types.ts';

const batchKinds = new Set(['Job', 'CronJob']);

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** The pod template of a workload as the rules see it; undefined for an object that runs no pods. */
export function lintSubjectOf(object: RenderedObject): LintSubject | undefined {
  const { manifest } = object;
  const podSpec = podSpecOf(manifest);
  if (podSpec === undefined) return undefined;
  const containers: LintContainer[] = [];
  for (const field of ['initContainers', 'containers'] as const) {
    const list = podSpec[field];
    if (!Array.isArray(list)) continue;
    for (const spec of list.filter(isObject)) containers.push({ name: typeof spec.name === 'string' ? spec.name : '(unnamed)', field, spec });
  }
  const longRunning = manifest.kind === 'Pod' ? (podSpec.restartPolicy ?? 'Always') === 'Always' : !batchKinds.has(manifest.kind);
  return { kind: manifest.kind, podSpec, containers, longRunning };
}

/**
 * Checks every workload of a render (its pod template) against the rules that are on: every rule
 * but the optional ones (unless `enable`d), less those capstan.yaml's `lint.disable` turns off for
 * the app and those the object's `capstan.dev/lint-disable` annotation names. Pure.
 */
export function lintObjects(objects: readonly RenderedObject[], options: LintOptions): LintFinding[] {
  const findings: LintFinding[] = [];
  const on = lintRuleNames.filter((name) => (!lintRules[name].optional || options.enable?.includes(name)) && !options.disable?.includes(name));
  for (const object of objects) {
    const subject = lintSubjectOf(object);
    if (subject === undefined) continue;
    const base = { app: options.app, env: options.env, object: formatKey(keyOf(object.manifest)), source: object.source };
    const { disabled, unknown } = disabledByAnnotation(object);
    for (const name of unknown) {
      findings.push({ ...base, rule: 'lint-disable', message: `annotation ${annotations.lintDisable} names "${name}", which is no rule: write rules among ${lintRuleNames.join(', ')}` });
    }
    for (const name of on) {
      if (disabled.has(name)) continue;
      for (const problem of lintRules[name].check(subject)) {
        findings.push({ ...base, ...(problem.container === undefined ? {} : { container: problem.container }), rule: name, message: problem.message });
      }
    }
  }
  return findings;
}

function disabledByAnnotation(object: RenderedObject): { disabled: Set<LintRuleName>; unknown: string[] } {
  const value = object.manifest.metadata.annotations?.[annotations.lintDisable];
  const disabled = new Set<LintRuleName>();
  const unknown: string[] = [];
  if (typeof value !== 'string') return { disabled, unknown };
  for (const name of value.split(',').map((n) => n.trim()).filter((n) => n !== '')) {
    if ((lintRuleNames as readonly string[]).includes(name)) disabled.add(name as LintRuleName);
    else unknown.push(name);
  }
  return { disabled, unknown };
}
