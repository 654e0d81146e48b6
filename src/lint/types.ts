import type { LintRuleName } from '../config/index.ts';

/** What `capstan lint` found wrong with one workload (or one of its containers), and what to do about it. */
export interface LintFinding {
  app: string;
  env: string;
  /** `Kind/namespace/name` of the workload. */
  object: string;
  /** Where the object was rendered from, repo-relative. */
  source: string;
  /** The container concerned; undefined when the finding is about the pod as a whole. */
  container?: string;
  /** The rule, or `lint-disable` for an annotation naming a rule that does not exist. */
  rule: LintRuleName | 'lint-disable';
  /** What is wrong, then what to do: `has no readinessProbe: add one so …`. */
  message: string;
}

/** One container of a pod template, as a rule sees it. */
export interface LintContainer {
  name: string;
  /** `containers`, or `initContainers` (sidecars, `restartPolicy: Always`, count as long-running). */
  field: 'containers' | 'initContainers';
  spec: Record<string, unknown>;
}

/** What a rule checks: one workload's pod template. */
export interface LintSubject {
  kind: string;
  podSpec: Record<string, unknown>;
  containers: LintContainer[];
  /** Whether the pods run until stopped (not a Job, a CronJob, or a Pod that does not restart). */
  longRunning: boolean;
}

/** A problem a rule found: the container it concerns (if any) and the message. */
export interface RuleProblem {
  container?: string;
  message: string;
}

export interface LintRule {
  name: LintRuleName;
  /** One line for `capstan lint --help` and the README. */
  description: string;
  /** Off unless asked for (`--enable`), as kube-score's optional tests. */
  optional?: boolean;
  check: (subject: LintSubject) => RuleProblem[];
}

export interface LintOptions {
  app: string;
  env: string;
  /** Rules turned off for the app in this environment (capstan.yaml's `lint.disable`). */
  disable?: readonly LintRuleName[];
  /** Optional rules turned on. */
  enable?: readonly LintRuleName[];
}
