import { Command, Option } from 'commander';
import { appsInEnvironment, lintRuleNames, resolveApp, selectEnvironments, type LintRuleName } from '../config/index.ts';
import { NotFoundError, ValidationError } from '../core/index.ts';
import { lintObjects, lintRules, type LintFinding } from '../lint/index.ts';
import { addRepoOptions, createEngine, openForReading, type RepoOptions } from './engine-options.ts';
import { keylessSops } from './validate-command.ts';

const lintFormats = ['text', 'json'] as const;
type LintFormat = (typeof lintFormats)[number];

interface LintCommandOptions extends RepoOptions {
  env?: string[];
  output: LintFormat;
  enable?: string[];
}

export function lintCommand(): Command {
  const optional = lintRuleNames.filter((name) => lintRules[name].optional);
  const rules = lintRuleNames.map((name) => `  ${name.padEnd(22)} ${lintRules[name].description}`).join('\n');
  return addRepoOptions(new Command('lint'))
    .description("Check the workloads the apps render against rules like kube-score's (resources, probes, image tags, privileges, root, host namespaces), without a cluster; exits 1 when anything is found")
    .argument('[app]', 'only this app (default: every app)')
    .option('--env <name...>', 'only these environments')
    .addOption(new Option('-o, --output <format>', 'text or json (the findings, as a list)').choices(lintFormats).default('text'))
    .addOption(new Option('--enable <rule...>', `turn on optional rules (${optional.join(', ')})`).choices(optional))
    .addHelpText(
      'after',
      `\nRules:\n${rules}\n\nTurn a rule off for an app in capstan.yaml (lint: { disable: [container-probes] }, also under environments.<env>),\nor for one object with the annotation capstan.dev/lint-disable: container-probes,run-as-root.\n\nExamples:\n  capstan lint\n  capstan lint web --env prod -o json`,
    )
    .action(async (appName: string | undefined, opts: LintCommandOptions) => {
      const { engine, close } = await createEngine({ sopsKeys: keylessSops() });
      try {
        const checkout = await openForReading(engine, opts);
        const project = checkout.project;
        const environments = selectEnvironments(project, opts.env);
        if (appName !== undefined && !project.apps.some((a) => a.name === appName)) resolveApp(project, appName, environments[0]?.name ?? ''); // throws: unknown app, with the names it knows
        const findings: LintFinding[] = [];
        const problems: string[] = [];
        let linted = 0;
        for (const env of environments) {
          for (const app of appsInEnvironment(project, env.name)) {
            if (appName !== undefined && app.name !== appName) continue;
            linted += 1;
            try {
              const { objects } = await engine.render(checkout, app.name, env.name);
              findings.push(...lintObjects(objects, { app: app.name, env: env.name, disable: app.lint?.disable ?? [], enable: (opts.enable ?? []) as LintRuleName[] }));
            } catch (error) {
              problems.push(`app "${app.name}" in environment "${env.name}": ${(error as Error).message}`);
            }
          }
        }
        if (appName !== undefined && linted === 0) throw new NotFoundError(`app "${appName}" is deployed to none of the environments ${environments.map((e) => e.name).join(', ')}`);
        if (opts.output === 'json') process.stdout.write(`${JSON.stringify(findings, null, 2)}\n`);
        else printFindings(findings, linted);
        if (findings.length > 0) process.exitCode = 1;
        if (problems.length > 0) throw new ValidationError(`${problems.length} app${problems.length === 1 ? '' : 's'} could not be rendered, so ${problems.length === 1 ? 'it was' : 'they were'} not linted:\n${problems.map((p) => `  - ${p.replaceAll('\n', '\n    ')}`).join('\n')}`);
      } finally {
        close();
      }
    });
}

/** `web (dev) Deployment/web/api, container api: container-probes: has no readinessProbe: add one, …` */
export function formatFinding(finding: LintFinding): string {
  const container = finding.container === undefined ? '' : `, container ${finding.container}`;
  return `${finding.app} (${finding.env}) ${finding.object}${container}: ${finding.rule}: ${finding.message}`;
}

function printFindings(findings: readonly LintFinding[], renders: number): void {
  for (const finding of findings) console.log(formatFinding(finding));
  const of = `${renders} render${renders === 1 ? '' : 's'} (app and environment)`;
  if (findings.length === 0) console.log(`no findings in ${of}`);
  else console.log(`${findings.length} finding${findings.length === 1 ? '' : 's'} in ${of}: fix them, or turn a rule off with lint.disable in capstan.yaml or the annotation capstan.dev/lint-disable`);
}
