import { Validations } from 'aws-cdk-lib';
import type { HttpStage } from 'aws-cdk-lib/aws-apigatewayv2';
import { HttpApi, LogGroupLogDestination } from 'aws-cdk-lib/aws-apigatewayv2';
import { HttpLambdaIntegration } from 'aws-cdk-lib/aws-apigatewayv2-integrations';
import type { Table } from 'aws-cdk-lib/aws-dynamodb';
import { PolicyStatement } from 'aws-cdk-lib/aws-iam';
import { LogGroup, RetentionDays } from 'aws-cdk-lib/aws-logs';
import { Secret } from 'aws-cdk-lib/aws-secretsmanager';
import { Construct } from 'constructs';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ENV } from '../functions/adapters/settings.js';
import { TABLE_KEYS } from '../functions/adapters/store/table-schema.js';
import type { ResolvedConfig } from './config.js';
import { ScanfleetFunction } from './lambda-function.js';

export interface QueryApiProps {
  readonly config: ResolvedConfig;
  readonly table: Table;
  readonly projectRoot: string;
}

/** The HTTP API and dashboard: one read-only function behind a throttled HTTP API stage. */
export class QueryApi extends Construct {
  readonly api: HttpApi;
  readonly handler: ScanfleetFunction;
  readonly stage: HttpStage;

  constructor(scope: Construct, id: string, props: QueryApiProps) {
    super(scope, id);
    const { config, table, projectRoot } = props;
    const chartsBuild = join(
      dirname(fileURLToPath(import.meta.resolve('lightweight-charts'))),
      'lightweight-charts.standalone.production.js',
    );
    const version = (JSON.parse(readFileSync(join(projectRoot, 'package.json'), 'utf8')) as { version: string })
      .version;
    const tokenSecret = config.api.tokenSecret
      ? config.api.tokenSecret.startsWith('arn:')
        ? Secret.fromSecretCompleteArn(this, 'TokenSecret', config.api.tokenSecret)
        : Secret.fromSecretNameV2(this, 'TokenSecret', config.api.tokenSecret)
      : undefined;

    this.handler = new ScanfleetFunction(this, 'Api', {
      projectRoot,
      name: 'api',
      memoryMb: config.api.memoryMb,
      timeoutSeconds: config.api.timeoutSeconds,
      environment: {
        [ENV.tableName]: table.tableName,
        [ENV.dashboardDir]: '/var/task/dashboard',
        [ENV.chartsFile]: '/var/task/dashboard/vendor/lightweight-charts.js',
        [ENV.lookbackBars]: String(config.lookbackBars),
        [ENV.appVersion]: version,
        ...(config.api.debugMemory && { [ENV.debugMemory]: 'true' }),
        ...(config.api.corsOrigin && { [ENV.corsOrigin]: config.api.corsOrigin }),
        ...(tokenSecret && { [ENV.apiTokenSecretId]: tokenSecret.secretArn }),
      },
      afterBundling: (outputDir) => [
        `mkdir -p "${outputDir}/dashboard/vendor"`,
        `cp "${projectRoot}/functions/api/dashboard/"* "${outputDir}/dashboard/"`,
        `cp "${chartsBuild}" "${outputDir}/dashboard/vendor/lightweight-charts.js"`,
      ],
    });
    // Read-only: the items and the two indexes, nothing else.
    const indexes = [TABLE_KEYS.runsIndex.name, TABLE_KEYS.symbolIndex.name].map(
      (name) => `${table.tableArn}/index/${name}`,
    );
    this.handler.role.addToPolicy(
      new PolicyStatement({ actions: ['dynamodb:GetItem', 'dynamodb:Query'], resources: [table.tableArn, ...indexes] }),
    );
    tokenSecret?.grantRead(this.handler.role);

    this.api = new HttpApi(this, 'Http', {
      description: 'scanfleet: read API and dashboard',
      defaultIntegration: new HttpLambdaIntegration('Handler', this.handler.fn),
      createDefaultStage: false,
      ...(config.api.corsOrigin && {
        corsPreflight: { allowOrigins: [config.api.corsOrigin], allowMethods: [], allowHeaders: ['authorization'] },
      }),
    });
    const accessLogs = new LogGroup(this, 'AccessLogs', { retention: RetentionDays.TWO_WEEKS });
    this.stage = this.api.addStage('Stage', {
      stageName: '$default',
      autoDeploy: true,
      throttle: { rateLimit: config.api.throttleRate, burstLimit: config.api.throttleBurst },
      accessLogSettings: { destination: new LogGroupLogDestination(accessLogs) },
    });
    Validations.of(this.api).acknowledge({
      id: 'AwsSolutions-APIG4',
      reason:
        'A read-only API of scan results by design; a bearer token (api.tokenSecret) is checked in the function for users who want it private, and the stage is throttled.',
    });
  }
}
