import { ConfigValidationError } from './config-issue.ts';
import { readProject } from './read-project.ts';
import type { ConfigIssue, Project } from './types.ts';

/** Every problem in the text of a `capstan.yaml`, in file order; [] when it is valid. */
export function checkProject(text: string, file = 'capstan.yaml'): ConfigIssue[] {
  return readProject(text, file).issues;
}

/** The project a `capstan.yaml` declares; throws a ConfigValidationError listing every problem. */
export function parseProject(text: string, file = 'capstan.yaml'): Project {
  const { project, issues } = readProject(text, file);
  if (project === undefined || issues.length > 0) throw new ConfigValidationError(file, issues);
  return project;
}
