import { CfnResource, type IAspect, Stack, Token } from 'aws-cdk-lib';
import { CfnPermission } from 'aws-cdk-lib/aws-lambda';
import type { IConstruct } from 'constructs';

/**
 * AWS Control Tower's proactive controls (the cfn-guard rules @cdklabs/cdk-validator-cfnguard
 * ships) that scanfleet suppresses on some resources, by their guard rule names.
 */
export const GUARD_RULES = {
  routeAuthorization: 'api_gw_v2_authorization_type_configured_check',
  logRetention: 'cloudwatch_log_group_retention_period_check',
  logEncryption: 'cloudwatch_log_group_encrypted_check',
  tableKmsKey: 'dynamodb_table_encrypted_kms_check',
  permissionSource: 'lambda_function_public_access_prohibited_check',
  lambdaInVpc: 'lambda_inside_vpc_check',
  queueDlq: 'sqs_dlq_check',
} as const;

export type GuardRule = (typeof GUARD_RULES)[keyof typeof GUARD_RULES];

/** A resource's `Metadata.guard`. */
export interface GuardMetadata {
  readonly SuppressedRules: string[];
  readonly Reasons: Record<string, string>;
}

export interface GuardSuppression {
  readonly rule: GuardRule;
  readonly reason: string;
}

/**
 * Suppresses guard rules on one resource (a CfnResource, or the construct whose default child it
 * is): its template metadata names them in `guard.SuppressedRules` (the convention of AWS's guard
 * rules, which ControlTowerChecks applies) and gives each its reason in `guard.Reasons`.
 */
export function suppressGuardRules(construct: IConstruct, rules: GuardSuppression[]): void {
  const resource = construct instanceof CfnResource ? construct : construct.node.defaultChild;
  if (!(resource instanceof CfnResource))
    throw new Error(`suppressGuardRules: ${construct.node.path} is not a CloudFormation resource`);
  const guard = resource.getMetadata('guard') as GuardMetadata | undefined;
  resource.addMetadata('guard', {
    SuppressedRules: [...(guard?.SuppressedRules ?? []), ...rules.map((r) => r.rule)],
    Reasons: { ...guard?.Reasons, ...Object.fromEntries(rules.map((r) => [r.rule, r.reason])) },
  } satisfies GuardMetadata);
}

/**
 * Every Lambda permission names the account its caller must be in (SourceAccount: the stack's
 * account), besides its source ARN. The guard rule reads SourceAccount only as a literal and
 * SourceArn only as a reference to a resource of the template: a stack without an account at synth
 * (`Ref AWS::AccountId`) whose permission's ARN is built (API Gateway's execute-api ARN) gets the
 * rule suppressed on that permission, with the reason.
 */
export class PermissionSourceAccount implements IAspect {
  visit(node: IConstruct): void {
    if (!(node instanceof CfnPermission) || node.sourceAccount !== undefined) return;
    const stack = Stack.of(node);
    node.sourceAccount = stack.account;
    const sourceArn: unknown = stack.resolve(node.sourceArn);
    const readable =
      typeof sourceArn === 'string' ||
      (typeof sourceArn === 'object' && sourceArn !== null && ('Ref' in sourceArn || 'Fn::GetAtt' in sourceArn));
    if (Token.isUnresolved(stack.account) && sourceArn !== undefined && !readable)
      suppressGuardRules(node, [
        {
          rule: GUARD_RULES.permissionSource,
          reason:
            'SourceAccount is the deploying account (Ref AWS::AccountId, resolved at deploy) and SourceArn this stack’s own resource in it (a joined ARN); the rule reads neither.',
        },
      ]);
  }
}
