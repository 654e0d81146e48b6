import { ValidationError } from '../core/index.ts';
import type { RenderProblem } from './types.ts';

/** `apps/web/deploy.yaml: Deployment/web/api: has no metadata.name: …` */
export function formatProblem(problem: RenderProblem): string {
  return problem.subject ? `${problem.source}: ${problem.subject}: ${problem.message}` : `${problem.source}: ${problem.message}`;
}

/**
 * One or more problems in a render, reported together: the message lists every one, one per line;
 * `problems` holds the same as data (for the API and the UI).
 */
export class RenderValidationError extends ValidationError {
  readonly problems: readonly RenderProblem[];

  constructor(problems: readonly RenderProblem[], what = 'the render') {
    const lines = problems.map(formatProblem);
    super(lines.length === 1 ? lines[0] : `${what} has ${lines.length} problems:\n${lines.map((l) => `  ${l}`).join('\n')}`);
    this.problems = problems;
  }
}

/** Throws a RenderValidationError when any problem was collected. */
export function throwProblems(problems: readonly RenderProblem[], what?: string): void {
  if (problems.length > 0) throw new RenderValidationError(problems, what);
}
