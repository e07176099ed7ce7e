import { ArnFormat, Stack } from 'aws-cdk-lib';
import { type HttpApi, HttpMethod } from 'aws-cdk-lib/aws-apigatewayv2';
import { HttpLambdaIntegration } from 'aws-cdk-lib/aws-apigatewayv2-integrations';
import type { Table } from 'aws-cdk-lib/aws-dynamodb';
import { PolicyStatement } from 'aws-cdk-lib/aws-iam';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import type { ISecret } from 'aws-cdk-lib/aws-secretsmanager';
import { Construct } from 'constructs';
import { ENV } from '../functions/adapters/settings.js';
import { TABLE_KEYS } from '../functions/adapters/store/table-schema.js';
import type { ResolvedConfig } from './config.js';
import { ScanfleetFunction } from './lambda-function.js';
import { acknowledgePublicRoute } from './query-api.js';
import { onPartitions } from './results-table.js';

export interface DiscordBotProps {
  readonly config: ResolvedConfig;
  readonly table: Table;
  readonly api: HttpApi;
  readonly dispatch: IFunction;
  /**
   * /watch add and remove, /subscribe and /unsubscribe ask it: the Discord function holds no list
   * or subscription write of its own.
   */
  readonly listsWriter: IFunction;
  readonly secret: ISecret;
  readonly projectRoot: string;
}

/** POST /discord/interactions on the HTTP API: slash commands, with nothing long-running. */
export class DiscordBot extends Construct {
  readonly handler: ScanfleetFunction;

  constructor(scope: Construct, id: string, props: DiscordBotProps) {
    super(scope, id);
    const { config, table, api, dispatch, listsWriter, secret, projectRoot } = props;
    // A fixed name lets the function invoke itself for deferred replies without a reference cycle.
    const functionName = `${Stack.of(this).stackName}-discord`;
    this.handler = new ScanfleetFunction(this, 'Interactions', {
      projectRoot,
      config,
      name: 'discord',
      functionName,
      // VmHWM 108.8–113.7 MB over 500 interactions (npm run bench, three runs): above 85% of 128 MB.
      memoryMb: 192,
      timeoutSeconds: 10,
      environment: {
        [ENV.tableName]: table.tableName,
        [ENV.discordSecretId]: secret.secretArn,
        [ENV.dispatchFunction]: dispatch.functionName,
        [ENV.listsWriterFunction]: listsWriter.functionName,
        [ENV.schedules]: JSON.stringify([
          config.schedules.marketHours,
          config.schedules.afterClose,
          config.schedules.refetch,
        ]),
        [ENV.alertsIntraday]: String(config.alerts.intraday),
        [ENV.scheduleTimeZone]: config.timeZone,
        // For /status: the schedules' switch, and the provider (Schwab's token days left).
        [ENV.schedulesEnabled]: String(config.schedules.enabled),
        [ENV.provider]: config.provider,
        // Who may change how scanfleet runs, and how often a server may start a full run.
        [ENV.discordAdminPermission]: config.discord.adminPermission,
        [ENV.scanNowCooldownMinutes]: String(config.discord.scanNowCooldownMinutes),
      },
    });
    // Reads of the items (SUBS among them: /subscriptions) and the two indexes. No subscription
    // write: /subscribe and /unsubscribe ask the lists-writer.
    const indexes = [TABLE_KEYS.runsIndex.name, TABLE_KEYS.symbolIndex.name].map(
      (name) => `${table.tableArn}/index/${name}`,
    );
    this.handler.role.addToPolicy(
      new PolicyStatement({ actions: ['dynamodb:GetItem', 'dynamodb:Query'], resources: [table.tableArn, ...indexes] }),
    );
    // The runtime controls alone: the pause flag (/pause, /resume) and each server's /scan-now cooldown.
    this.handler.role.addToPolicy(onPartitions(table, ['GetItem', 'PutItem', 'UpdateItem'], ['control']));
    this.handler.role.addToPolicy(
      new PolicyStatement({
        actions: ['lambda:InvokeFunction'],
        resources: [
          dispatch.functionArn,
          listsWriter.functionArn,
          Stack.of(this).formatArn({
            service: 'lambda',
            resource: 'function',
            resourceName: functionName,
            arnFormat: ArnFormat.COLON_RESOURCE_NAME,
          }),
        ],
      }),
    );
    secret.grantRead(this.handler.role);
    const [route] = api.addRoutes({
      path: '/discord/interactions',
      methods: [HttpMethod.POST],
      integration: new HttpLambdaIntegration('Interactions', this.handler.fn),
    });
    acknowledgePublicRoute(
      route,
      'Discord calls this route; the function accepts only interactions signed with the application’s Ed25519 key and refuses the rest with 401.',
    );
  }
}
