import { ConfigValidationError } from './config-issue.ts';
import { readProject, type ReadProjectOptions } from './read-project.ts';
import type { ConfigIssue, Project } from './types.ts';

/** Every problem in the text of a `capstan.yaml`, in file order; [] when it is valid. */
export function checkProject(text: string, file = 'capstan.yaml', options: ReadProjectOptions = {}): ConfigIssue[] {
  return readProject(text, file, options).issues;
}

/**
 * The project a `capstan.yaml` declares; throws a ConfigValidationError listing every problem.
 * A `directories` generator needs the folders of the checkout (`options.directories`, as
 * `loadProject` lists them); without them it is reported.
 */
export function parseProject(text: string, file = 'capstan.yaml', options: ReadProjectOptions = {}): Project {
  const { project, issues } = readProject(text, file, options);
  if (project === undefined || issues.length > 0) throw new ConfigValidationError(file, issues);
  return project;
}
