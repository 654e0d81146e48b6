import { Document, isMap, isSeq, parseDocument, type YAMLMap } from 'yaml';
import { policiesFile, policyId, type Artifact, type Environment, type Policy, type Project } from '../config/index.ts';
import { ValidationError } from '../core/index.ts';

/** A release a policy refuses: which policy, and why, for the message and the notification. */
export class PolicyRefusal extends ValidationError {
  constructor(
    readonly policy: Policy,
    readonly service: string,
    readonly env: string,
    readonly artifact: string,
    readonly branch: string,
  ) {
    super(
      `policy ${policy.id} refuses to release artifact "${artifact}" of service "${service}" to environment "${env}": it is of branch "${branch}", and only branches matching /${(policy as { branchRegex?: string }).branchRegex ?? ''}/ may run in ${env}. Release an artifact of such a branch, or change the policy (capstan policy list)`,
    );
  }
}

/** Whether a policy covers a service (a policy without one covers every service). */
export function covers(policy: Policy, service: string): boolean {
  return policy.service === undefined || policy.service === service;
}

/** Throws PolicyRefusal when a branch restriction of `env` refuses the artifact. */
export function checkBranchRestrictions(policies: Policy[], artifact: Artifact, env: string): void {
  for (const policy of policies) {
    if (policy.type !== 'branch-restriction' || policy.env !== env || !covers(policy, artifact.service)) continue;
    if (!new RegExp(policy.branchRegex).test(artifact.branch)) throw new PolicyRefusal(policy, artifact.service, env, artifact.id, artifact.branch);
  }
}

/** The auto-release policies a new artifact triggers: one per environment. */
export function autoReleaseTargets(policies: Policy[], artifact: Artifact): string[] {
  const envs = policies.filter((p) => p.type === 'auto-release' && covers(p, artifact.service) && p.branch === artifact.branch).map((p) => p.env);
  return [...new Set(envs)];
}

export type PolicyInput = { type: 'auto-release'; service?: string; env: string; branch: string } | { type: 'branch-restriction'; service?: string; env: string; branchRegex: string };

/** The environment `env` of capstan.yaml; a ValidationError naming the ones it has when there is none. */
export function environmentOf(project: Project, env: string): Environment {
  const environment = project.environments.find((e) => e.name === env);
  if (!environment) throw new ValidationError(`environment "${env}" is not in capstan.yaml (it has ${project.environments.map((e) => e.name).join(', ')}): name one of those with --env`);
  return environment;
}

/** Checks a policy against the project before it is written: a known environment, a valid regex. */
export function checkPolicyInput(project: Project, input: PolicyInput): Policy {
  environmentOf(project, input.env);
  if (input.type === 'branch-restriction') {
    try {
      new RegExp(input.branchRegex);
    } catch (error) {
      throw new ValidationError(`--branch-regex ${JSON.stringify(input.branchRegex)} is not a regular expression: ${(error as Error).message}`);
    }
  } else if (input.branch.trim() === '') {
    throw new ValidationError('--branch must name a branch, such as master');
  }
  return { ...input, id: policyId(input.type, input.service, input.env) } as Policy;
}

/**
 * `releases/policies.yaml` with `policy` added (or replacing the one of the same id), edited in
 * place so comments and the other entries stay as they were.
 */
export function withPolicy(text: string | undefined, policy: Policy): string {
  const doc = text === undefined || text.trim() === '' ? new Document({ policies: [] }) : parseDocument(text);
  if (doc.errors.length > 0) throw new ValidationError(`${policiesFile}: ${doc.errors[0].message.split('\n')[0]}: fix it first`);
  if (!doc.contents || !isMap(doc.contents)) doc.contents = doc.createNode({ policies: [] }) as YAMLMap;
  let list = doc.get('policies');
  if (!isSeq(list)) {
    doc.set('policies', doc.createNode([]));
    list = doc.get('policies');
  }
  const seq = list as ReturnType<Document['createNode']> & { items: unknown[] };
  const node = doc.createNode(ordered(policy));
  const index = seq.items.findIndex((item) => isMap(item) && item.get('id') === policy.id);
  if (index >= 0) seq.items[index] = node;
  else seq.items.push(node);
  if (text === undefined || text.trim() === '') doc.commentBefore = ' Release policies: written by capstan policy apply / delete; enforced on every release.';
  return doc.toString({ lineWidth: 0 });
}

/** `releases/policies.yaml` without the policy `id`; undefined when it has no such policy. */
export function withoutPolicy(text: string | undefined, id: string): string | undefined {
  if (text === undefined) return undefined;
  const doc = parseDocument(text);
  const list = doc.get('policies');
  if (!isSeq(list)) return undefined;
  const index = list.items.findIndex((item) => isMap(item) && item.get('id') === id);
  if (index < 0) return undefined;
  list.items.splice(index, 1);
  return doc.toString({ lineWidth: 0 });
}

function ordered(policy: Policy): Record<string, string> {
  const base: Record<string, string> = { id: policy.id, type: policy.type };
  if (policy.service !== undefined) base.service = policy.service;
  base.env = policy.env;
  if (policy.type === 'auto-release') base.branch = policy.branch;
  else base.branchRegex = policy.branchRegex;
  return base;
}

/** A line for `policy list` and for messages. */
export function describePolicy(policy: Policy): string {
  const who = policy.service === undefined ? 'every service' : `service ${policy.service}`;
  return policy.type === 'auto-release'
    ? `auto-release: a new artifact of branch ${policy.branch} (${who}) is released to ${policy.env}`
    : `branch-restriction: only branches matching /${policy.branchRegex}/ (${who}) may run in ${policy.env}`;
}
