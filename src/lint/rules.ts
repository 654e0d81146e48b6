/** The rules of `capstan lint`: pure checks of one workload's pod template, as kube-score's. */
import type { LintRuleName } from '../config/index.ts';
import { parseImage } from '../render/index.ts';
import type { LintContainer, LintRule, LintSubject, RuleProblem } from './types.ts';

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function field(node: unknown, ...path: string[]): unknown {
  let current = node;
  for (const key of path) current = isObject(current) ? current[key] : undefined;
  return current;
}

/** Containers that run as long as the pod: regular ones, and sidecars (init containers with `restartPolicy: Always`). */
function runningContainers(subject: LintSubject): LintContainer[] {
  return subject.containers.filter((c) => c.field === 'containers' || c.spec.restartPolicy === 'Always');
}

const containerResources: LintRule = {
  name: 'container-resources',
  description: 'every container requests and limits cpu and memory',
  check: (subject) =>
    subject.containers.flatMap((c) => {
      const missing = (['requests', 'limits'] as const).flatMap((kind) => (['cpu', 'memory'] as const).filter((r) => field(c.spec, 'resources', kind, r) === undefined).map((r) => `resources.${kind}.${r}`));
      if (missing.length === 0) return [];
      return [{ container: c.name, message: `has no ${missing.join(', ')}: set them, so the scheduler places the pod where it fits and one container cannot starve the node` }];
    }),
};

const containerProbes: LintRule = {
  name: 'container-probes',
  description: 'the containers of long-running workloads have a readinessProbe and a livenessProbe',
  check: (subject) => {
    if (!subject.longRunning) return [];
    return runningContainers(subject).flatMap((c) => {
      const problems: RuleProblem[] = [];
      if (c.spec.readinessProbe === undefined) problems.push({ container: c.name, message: 'has no readinessProbe: add one, so traffic and rollouts wait until the container is ready' });
      if (c.spec.livenessProbe === undefined) problems.push({ container: c.name, message: 'has no livenessProbe: add one, so a container that hangs is restarted' });
      return problems;
    });
  },
};

const imageTagLatest: LintRule = {
  name: 'image-tag-latest',
  description: 'no image is `:latest` or without a tag (a digest pins it)',
  check: (subject) =>
    subject.containers.flatMap((c) => {
      if (typeof c.spec.image !== 'string') return [];
      const ref = parseImage(c.spec.image);
      if (ref.digest !== undefined || (ref.tag !== undefined && ref.tag !== 'latest')) return [];
      const what = ref.tag === undefined ? 'has no tag (so it is :latest)' : 'is :latest';
      return [{ container: c.name, message: `image "${c.spec.image}" ${what}: pin a version tag or a digest (images in capstan.yaml, or images.lockFile), so every node and every sync runs the same image` }];
    }),
};

const containerPrivileged: LintRule = {
  name: 'container-privileged',
  description: 'no container is privileged or allows privilege escalation',
  check: (subject) =>
    subject.containers.flatMap((c) => {
      const problems: RuleProblem[] = [];
      if (field(c.spec, 'securityContext', 'privileged') === true) problems.push({ container: c.name, message: 'is privileged: remove securityContext.privileged, and grant only the capabilities it needs (securityContext.capabilities.add)' });
      if (field(c.spec, 'securityContext', 'allowPrivilegeEscalation') === true) problems.push({ container: c.name, message: 'allows privilege escalation: set securityContext.allowPrivilegeEscalation: false' });
      return problems;
    }),
};

const runAsRoot: LintRule = {
  name: 'run-as-root',
  description: 'every container runs as non-root (runAsNonRoot: true, or a runAsUser other than 0, on the container or the pod)',
  check: (subject) =>
    subject.containers.flatMap((c) => {
      const setting = (key: string): unknown => field(c.spec, 'securityContext', key) ?? field(subject.podSpec, 'securityContext', key);
      const user = setting('runAsUser');
      if (user === 0) return [{ container: c.name, message: 'runs as root (runAsUser: 0): set a runAsUser other than 0 and runAsNonRoot: true' }];
      if (setting('runAsNonRoot') === true || (typeof user === 'number' && user > 0)) return [];
      return [{ container: c.name, message: 'may run as root: set securityContext.runAsNonRoot: true (on the container or the pod), with a runAsUser other than 0 if the image has no user' }];
    }),
};

const hostNamespaces: LintRule = {
  name: 'host-namespaces',
  description: "the pod does not share the node's network, process or IPC namespace",
  check: (subject) => {
    const shared = (['hostNetwork', 'hostPID', 'hostIPC'] as const).filter((key) => subject.podSpec[key] === true);
    if (shared.length === 0) return [];
    return [{ message: `shares the node's namespaces (${shared.map((k) => `${k}: true`).join(', ')}): remove ${shared.length === 1 ? 'it' : 'them'}, unless the pod is a node agent that needs ${shared.length === 1 ? 'it' : 'them'} (then disable the rule on it)` }];
  },
};

const imagePullPolicy: LintRule = {
  name: 'image-pull-policy',
  description: 'optional: images not pinned by digest are pulled with imagePullPolicy: Always',
  optional: true,
  check: (subject) =>
    subject.containers.flatMap((c) => {
      if (typeof c.spec.image !== 'string' || parseImage(c.spec.image).digest !== undefined || c.spec.imagePullPolicy === 'Always') return [];
      const policy = typeof c.spec.imagePullPolicy === 'string' ? `imagePullPolicy is ${c.spec.imagePullPolicy}` : 'imagePullPolicy is not set';
      return [{ container: c.name, message: `${policy} for "${c.spec.image}", which no digest pins: set imagePullPolicy: Always, or pin the digest (images.lockFile), so a node does not keep an older image of the tag` }];
    }),
};

/** Every rule, by name, in the order findings are listed. */
export const lintRules: Readonly<Record<LintRuleName, LintRule>> = {
  'container-resources': containerResources,
  'container-probes': containerProbes,
  'image-tag-latest': imageTagLatest,
  'container-privileged': containerPrivileged,
  'run-as-root': runAsRoot,
  'host-namespaces': hostNamespaces,
  'image-pull-policy': imagePullPolicy,
};
