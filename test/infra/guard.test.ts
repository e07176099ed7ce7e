import { App, Validations } from 'aws-cdk-lib';
import { LogGroup } from 'aws-cdk-lib/aws-logs';
import { Queue } from 'aws-cdk-lib/aws-sqs';
import { AwsSolutionsChecks } from 'cdk-nag';
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { arch, platform } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../lib/config.js';
import { GUARD_RULES, type GuardMetadata } from '../../lib/guard.js';
import { ControlTowerChecks } from '../../lib/guard-validator.js';
import { ScanfleetStack, type ScanfleetStackProps } from '../../lib/scanfleet-stack.js';
import { tempDir } from '../helpers/temp-dir.js';

// AWS Control Tower's proactive controls as @cdklabs/cdk-validator-cfnguard ships them: its
// cfn-guard binary and its rules directory, run here as the plugin runs them at synth.
const projectRoot = fileURLToPath(new URL('../..', import.meta.url));
const packageDir = join(dirname(createRequire(import.meta.url).resolve('@cdklabs/cdk-validator-cfnguard')), '..');
const GUARD = join(
  packageDir,
  'bin',
  platform() === 'darwin' ? 'macos' : 'ubuntu',
  arch() === 'arm64' ? 'aarch64' : 'x86_64',
  'cfn-guard',
);
const RULES = join(packageDir, 'rules', 'control-tower', 'cfn-guard');
/** Every function, route and secret: the Discord bot, a live provider, the API token. */
const FULL = {
  discordSecret: 'scanfleet/discord',
  provider: 'schwab',
  providerSecret: 'scanfleet/schwab',
  api: { tokenSecret: 'scanfleet/api-token' },
};

type Resources = Record<
  string,
  { Type: string; Properties: Record<string, unknown>; Metadata?: Record<string, unknown> }
>;

/** The app as bin/app.ts builds it: cdk-nag and the guard plugin, synthesized into `outdir`. */
function synth(
  context: unknown,
  outdir: string,
  options: Partial<ScanfleetStackProps> = {},
  extra?: (stack: ScanfleetStack) => void,
) {
  // No bundling: the rules read the template, not the functions' code.
  const app = new App({ outdir, context: { 'aws:cdk:bundling-stacks': [] } });
  const stack = new ScanfleetStack(app, 'Scanfleet', {
    config: loadConfig(context, projectRoot),
    projectRoot,
    ...options,
  });
  extra?.(stack);
  Validations.of(app).addPlugins(new AwsSolutionsChecks(app), new ControlTowerChecks());
  return { app, template: join(outdir, 'Scanfleet.template.json') };
}

/** The plain cfn-guard run over a template: its non-compliant (rule, resource) pairs, sorted. */
function guardFindings(template: string): string[] {
  let output: string;
  try {
    output = execFileSync(
      GUARD,
      [
        'validate',
        '--rules',
        RULES,
        '--data',
        template,
        '--output-format',
        'json',
        '--show-summary',
        'none',
        '--structured',
      ],
      {
        encoding: 'utf8',
        maxBuffer: 64 * 1024 * 1024,
      },
    );
  } catch (error) {
    // cfn-guard exits 19 when a rule fails; its report is on stdout all the same.
    output = (error as { stdout: string }).stdout;
  }
  const reports = JSON.parse(output) as { not_compliant: { Rule: { name: string; checks: unknown[] } }[] }[];
  const findings = new Set<string>();
  for (const { Rule } of reports.flatMap((r) => r.not_compliant)) {
    for (const [, resource] of JSON.stringify(Rule.checks).matchAll(/\/Resources\/([A-Za-z0-9]+)\//g))
      findings.add(`${Rule.name} ${resource}`);
  }
  return [...findings].sort();
}

/** The (rule, resource) pairs the template's `Metadata.guard.SuppressedRules` name, sorted. */
function suppressions(resources: Resources): string[] {
  return Object.entries(resources)
    .flatMap(([id, r]) =>
      ((r.Metadata?.guard as { SuppressedRules?: string[] } | undefined)?.SuppressedRules ?? []).map(
        (rule) => `${rule} ${id}`,
      ),
    )
    .sort();
}

const withoutHash = (id: string) => id.replace(/[0-9A-F]{8}$/, '');

describe('AWS Control Tower proactive controls (cfn-guard)', () => {
  it('pass at synth, beside cdk-nag, with the default and the full configuration', () => {
    for (const context of [{}, FULL]) {
      const { app, template } = synth(context, tempDir('guard'));
      expect(() => app.synth()).not.toThrow();
      // Nothing failed, nothing was acknowledged away (the plugins run: see the careless cases below).
      const report = JSON.parse(readFileSync(join(dirname(template), 'validation-report.json'), 'utf8')) as {
        pluginReports: unknown[];
      };
      expect(report.pluginReports).toEqual([]);
    }
  }, 120_000);

  it('fail exactly on the rules and resources the template suppresses, each with its reason in lib/', () => {
    const { app, template } = synth(FULL, tempDir('guard'));
    app.synth();
    const resources = (JSON.parse(readFileSync(template, 'utf8')) as { Resources: Resources }).Resources;
    const findings = guardFindings(template);
    // The plain cfn-guard run, with the same binary and rules: everything it reports is suppressed
    // on that very resource, and no suppression is left unused.
    expect(findings.length).toBeGreaterThan(0);
    expect(findings).toEqual(suppressions(resources));

    const suppressed = (rule: string) =>
      suppressions(resources)
        .filter((s) => s.startsWith(`${rule} `))
        .map((s) => withoutHash(s.split(' ')[1]))
        .sort();
    const functions = [
      'DiscordInteractionsFunction',
      'ListsWriterFunction',
      'ObservabilityAlarmNotifyFunction',
      'OperationsSweeperFunction',
      'PipelineDispatchFunction',
      'PipelineScanBatchFunction',
      'QueryApiFunction',
      'QueryAuthorizerFunction',
    ];
    const logGroups = [
      'DiscordInteractionsLogs',
      'ListsWriterLogs',
      'ObservabilityAlarmNotifyLogs',
      'OperationsSweeperLogs',
      'PipelineDispatchLogs',
      'PipelineScanBatchLogs',
      'QueryAccessLogs',
      'QueryApiLogs',
      'QueryAuthorizerLogs',
    ];
    expect(suppressed(GUARD_RULES.lambdaInVpc)).toEqual(functions);
    expect(suppressed(GUARD_RULES.logRetention)).toEqual(logGroups);
    expect(suppressed(GUARD_RULES.logEncryption)).toEqual(logGroups);
    expect(suppressed(GUARD_RULES.tableKmsKey)).toEqual(['ResultsTable']);
    expect(suppressed(GUARD_RULES.queueDlq)).toEqual(['SchedulesDeadLetterQueue']);
    // The list writes (the lists-writer's routes) are authorized: no suppression.
    expect(suppressed(GUARD_RULES.routeAuthorization)).toEqual([
      'QueryHttpDefaultRoute',
      'QueryHttpGETapihealth',
      'QueryHttpPOSTdiscordinteractions',
    ]);
    // The API Gateway permissions (one per route, and the authorizer's) name their source as a
    // joined execute-api ARN, which the rule cannot read; SNS's names its topic and passes.
    expect(suppressed(GUARD_RULES.permissionSource)).toEqual([
      'QueryHttpANYapiHandlerPermission',
      'QueryHttpANYapiproxyHandlerPermission',
      'QueryHttpDELETEapiwatchlistsnameWriterPermission',
      'QueryHttpDELETEapiwatchlistsnamesymbolssymbolWriterPermission',
      'QueryHttpDefaultRouteHandlerPermission',
      'QueryHttpGETapihealthHandlerPermission',
      'QueryHttpGETapisymbolssymbolchartHandlerPermission',
      'QueryHttpPOSTapiwatchlistsnamesymbolsWriterPermission',
      'QueryHttpPOSTdiscordinteractionsInteractionsPermission',
      'QueryHttpPUTapiwatchlistsnameWriterPermission',
      'QueryHttpScanfleetQueryHttpToken16061A96Permission',
    ]);

    // Each suppression gives its reason beside it.
    for (const [id, r] of Object.entries(resources)) {
      const guard = r.Metadata?.guard as GuardMetadata | undefined;
      if (!guard) continue;
      expect(Object.keys(guard.Reasons).sort(), id).toEqual([...guard.SuppressedRules].sort());
      for (const reason of Object.values(guard.Reasons)) expect(reason.length, id).toBeGreaterThan(40);
    }
  }, 120_000);

  it('are fixed, not suppressed, where a fix protects: permissions name their account, the DLQ is declared one, the alarm key limits grants', () => {
    const { app, template } = synth(FULL, tempDir('guard'));
    app.synth();
    const resources = (JSON.parse(readFileSync(template, 'utf8')) as { Resources: Resources }).Resources;
    const permissions = Object.values(resources).filter((r) => r.Type === 'AWS::Lambda::Permission');
    // The API's 5 routes, the authorizer, the Discord route, the 4 list writes and the alarm topic.
    expect(permissions).toHaveLength(12);
    for (const permission of permissions)
      expect(permission.Properties.SourceAccount).toEqual({ Ref: 'AWS::AccountId' });
    const dlq = Object.entries(resources).find(([id]) => id.startsWith('PipelineDeadLetterQueue'))?.[1];
    expect(dlq?.Properties.RedriveAllowPolicy).toEqual({ redrivePermission: 'allowAll' });
    const key = Object.entries(resources).find(([id]) => id.startsWith('ObservabilityAlarmsKey'))?.[1];
    expect((key?.Properties.KeyPolicy as { Statement: unknown[] }).Statement).toContainEqual({
      Sid: 'GrantsForAwsServicesOnly',
      Effect: 'Deny',
      Principal: { AWS: '*' },
      Action: 'kms:CreateGrant',
      Resource: '*',
      Condition: { BoolIfExists: { 'kms:GrantIsForAWSResource': 'false', 'aws:PrincipalIsAWSService': 'false' } },
    });
  }, 120_000);

  it('pass the permission rule unsuppressed when the stack is deployed to a known account', () => {
    const { app, template } = synth(FULL, tempDir('guard'), { env: { account: '111122223333', region: 'us-east-1' } });
    app.synth();
    const resources = (JSON.parse(readFileSync(template, 'utf8')) as { Resources: Resources }).Resources;
    for (const permission of Object.values(resources).filter((r) => r.Type === 'AWS::Lambda::Permission'))
      expect(permission.Properties.SourceAccount).toBe('111122223333');
    expect(suppressions(resources).filter((s) => s.startsWith(GUARD_RULES.permissionSource))).toEqual([]);
    expect(guardFindings(template)).toEqual(suppressions(resources));
  }, 120_000);

  it('is a check that can fail: a queue without a dead-letter queue fails synthesis', () => {
    const { app } = synth({}, tempDir('guard'), {}, (stack) => {
      const careless = new Queue(stack, 'Careless', { enforceSSL: true });
      Validations.of(careless).acknowledge({ id: 'AwsSolutions-SQS3', reason: 'cdk-nag is not under test here' });
    });
    expect(() => app.synth()).toThrow(/CT\.SQS\.PR\.1[^]*Scanfleet\/Careless/);
  }, 120_000);

  it('suppresses a rule on the resource that names it alone: a new log group is still checked', () => {
    const { app } = synth({}, tempDir('guard'), {}, (stack) => new LogGroup(stack, 'Careless'));
    expect(() => app.synth()).toThrow(/CT\.CLOUDWATCH\.PR\.3[^]*Scanfleet\/Careless/);
  }, 120_000);
});
