import { CfnGuardValidator } from '@cdklabs/cdk-validator-cfnguard';
import type {
  IPolicyValidationContextBeta1,
  IPolicyValidationPluginBeta1,
  PolicyValidationPluginReportBeta1,
} from 'aws-cdk-lib';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';

type Template = { Resources?: Record<string, { Metadata?: { guard?: { SuppressedRules?: string[] } } }> };

/**
 * AWS Control Tower's proactive controls (the cfn-guard rules @cdklabs/cdk-validator-cfnguard
 * ships, all of them) as a CDK policy validation plugin, honouring per-resource suppressions: a
 * finding on a resource whose `Metadata.guard.SuppressedRules` names the rule is dropped, every
 * other (and any finding on no resource) fails the synth. The shipped rules do not read that metadata themselves, and a CDK
 * acknowledgment of one finding would pass the plugin's whole report (its findings carry no
 * severity), so the suppressions are applied here, resource by resource.
 */
export class ControlTowerChecks implements IPolicyValidationPluginBeta1 {
  private readonly guard = new CfnGuardValidator();
  readonly name = this.guard.name;
  readonly version = this.guard.version;
  readonly ruleIds = this.guard.ruleIds;

  validate(context: IPolicyValidationContextBeta1): PolicyValidationPluginReportBeta1 {
    const report = this.guard.validate(context);
    const templates = new Map(
      context.templatePaths.map((path) => [resolve(path), JSON.parse(readFileSync(path, 'utf8')) as Template]),
    );
    const suppressed = (rule: string, templatePath: string | undefined, logicalId: string) =>
      templatePath !== undefined &&
      (templates.get(resolve(templatePath))?.Resources?.[logicalId]?.Metadata?.guard?.SuppressedRules ?? []).includes(
        rule,
      );
    const violations = report.violations
      .map((violation) => ({
        ...violation,
        violatingResources: violation.violatingResources.filter(
          (r) => !suppressed(violation.ruleName, r.templatePath, r.resourceLogicalId),
        ),
      }))
      .filter(
        (violation, i) =>
          violation.violatingResources.length > 0 || report.violations[i].violatingResources.length === 0,
      );
    return { success: violations.length === 0, violations };
  }
}
