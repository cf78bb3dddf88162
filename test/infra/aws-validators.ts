import { createRequire } from 'node:module';
import { App, Stack } from 'aws-cdk-lib';
import { CfnInclude } from 'aws-cdk-lib/cloudformation-include';

/**
 * AWS's own offline template checks, run on the templates `osls package` writes:
 * - `@aws/cloudformation-validate` (AWS CloudFormation's validator: resource schemas, semantics,
 *   best practices; bundled with aws-cdk-lib, WebAssembly, no network);
 * - `aws-cdk-lib/cloudformation-include`'s CfnInclude, which parses every resource into its CDK
 *   L1 class and resolves every Ref/GetAtt/DependsOn, failing on what it cannot.
 */

const require = createRequire(import.meta.url);
// It ships inside aws-cdk-lib (a bundled dependency), so it resolves from aws-cdk-lib's folder.
const validator = require(
  require.resolve('@aws/cloudformation-validate', { paths: [require.resolve('aws-cdk-lib')] }),
) as {
  CompositeEngine: new () => {
    validateTemplate: (template: unknown, config?: unknown) => { diagnostics: RawDiagnostic[] };
    free: () => void;
  };
  TemplateFile: new (path: string) => unknown;
};

interface RawDiagnostic {
  severity: string;
  ruleId: string;
  message: string;
  entity?: { logicalId?: string };
}

export interface Finding {
  severity: string;
  rule: string;
  resource: string | undefined;
  message: string;
}

// Building the engine compiles every rule (seconds on a loaded machine): one per test file.
let engine: InstanceType<typeof validator.CompositeEngine> | undefined;

/** Findings at WARN and above (WARN, ERROR, FATAL). */
export const validateTemplate = (path: string, region: string): Finding[] => {
  engine ??= new validator.CompositeEngine();
  const report = engine.validateTemplate(new validator.TemplateFile(path), {
    severityLevel: 'WARN',
    detailLevel: 'STANDARD',
    pseudoParameterOverrides: { region },
  });
  return report.diagnostics.map((d) => ({
    severity: d.severity,
    rule: d.ruleId,
    resource: d.entity?.logicalId,
    message: d.message,
  }));
};

export const isError = (finding: Finding): boolean =>
  finding.severity === 'ERROR' || finding.severity === 'FATAL';

/**
 * Warnings we keep, each with why. Anything else fails the test.
 * - W3005 "dependency already enforced by a GetAtt/Ref": the framework itself adds `DependsOn`
 *   on each function's role (it does so for any `role:` given as a logical id) and on the route's
 *   integration; redundant, harmless, and not ours to remove.
 */
const explainedWarnings: { rule: string; why: string; matches: (finding: Finding) => boolean }[] = [
  {
    rule: 'W3005',
    why: 'framework-generated DependsOn on a function role or route integration',
    matches: (finding) =>
      /LambdaFunction$/.test(finding.resource ?? '') || /^HttpApiRoute/.test(finding.resource ?? ''),
  },
];

export const unexplainedWarnings = (findings: Finding[]): Finding[] =>
  findings.filter(
    (finding) =>
      finding.severity === 'WARN' &&
      !explainedWarnings.some((explained) => explained.rule === finding.rule && explained.matches(finding)),
  );

/** Loads the template with CfnInclude and synthesizes it; returns the resource count. */
export const includeTemplate = (path: string): number => {
  const app = new App();
  const stack = new Stack(app, 'Included');
  new CfnInclude(stack, 'Template', { templateFile: path });
  const synthesized = app.synth().getStackByName('Included').template as { Resources: object };
  return Object.keys(synthesized.Resources).length;
};
