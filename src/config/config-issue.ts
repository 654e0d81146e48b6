import { ValidationError } from '../core/index.ts';
import type { ConfigIssue } from './types.ts';

/** `capstan.yaml:14:7: apps[1].environments.prod.sync: must be "auto" or "manual", got "sometimes"` */
export function formatIssue(issue: ConfigIssue): string {
  const where = `${issue.file}:${issue.line}:${issue.column}`;
  return issue.path ? `${where}: ${issue.path}: ${issue.message}` : `${where}: ${issue.message}`;
}

/** Orders issues as they appear in the file, so a report reads top to bottom. */
export function sortIssues(issues: readonly ConfigIssue[]): ConfigIssue[] {
  return [...issues].sort((a, b) => a.line - b.line || a.column - b.column);
}

/**
 * A config file with one or more problems. The message lists every issue, one per line, each
 * starting with `file:line:column`; `issues` holds the same as data (for the API and the UI).
 */
export class ConfigValidationError extends ValidationError {
  readonly file: string;
  readonly issues: readonly ConfigIssue[];

  constructor(file: string, issues: readonly ConfigIssue[]) {
    const lines = issues.map(formatIssue);
    const message = lines.length === 1 ? lines[0] : `${file} has ${lines.length} problems:\n${lines.map((l) => `  ${l}`).join('\n')}`;
    super(message);
    this.file = file;
    this.issues = issues;
  }
}
