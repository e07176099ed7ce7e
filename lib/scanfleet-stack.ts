import { Aspects, CfnOutput, Stack, type StackProps } from 'aws-cdk-lib';
import type { Construct } from 'constructs';
import type { ResolvedConfig } from './config.js';
import { Secret } from 'aws-cdk-lib/aws-secretsmanager';
import { DiscordBot } from './discord-bot.js';
import { ListsWriter, subscriptionKeySecret } from './lists-writer.js';
import { PermissionSourceAccount } from './guard.js';
import { Observability } from './observability.js';
import { Operations } from './operations.js';
import { QueryApi } from './query-api.js';
import { ResultsTable } from './results-table.js';
import { ScanPipeline } from './scan-pipeline.js';
import { ScanSchedules } from './scan-schedules.js';

export interface ScanfleetStackProps extends StackProps {
  readonly config: ResolvedConfig;
  readonly projectRoot: string;
}

/** scanfleet on AWS: results table, scan pipeline, schedules, the sweeper, observability. */
export class ScanfleetStack extends Stack {
  readonly results: ResultsTable;
  readonly pipeline: ScanPipeline;
  readonly schedules: ScanSchedules;
  readonly queryApi: QueryApi;
  readonly lists: ListsWriter;
  readonly discord?: DiscordBot;
  readonly operations: Operations;
  readonly observability: Observability;

  constructor(scope: Construct, id: string, props: ScanfleetStackProps) {
    super(scope, id, props);
    Aspects.of(this).add(new PermissionSourceAccount());
    const { config, projectRoot } = props;
    this.results = new ResultsTable(this, 'Results');
    const discordSecret = config.discordSecret
      ? config.discordSecret.startsWith('arn:')
        ? Secret.fromSecretCompleteArn(this, 'DiscordSecret', config.discordSecret)
        : Secret.fromSecretNameV2(this, 'DiscordSecret', config.discordSecret)
      : undefined;
    // Subscriptions come from Discord's /subscribe: without Discord there is nothing to seal.
    const subscriptionKey = discordSecret ? subscriptionKeySecret(this) : undefined;
    this.queryApi = new QueryApi(this, 'Query', {
      config,
      table: this.results.table,
      projectRoot,
    });
    // Alert lines link each symbol to the dashboard: the HTTP API's own address unless the config names one.
    const dashboardUrl = config.alerts.dashboardUrl ?? this.queryApi.api.apiEndpoint;
    this.pipeline = new ScanPipeline(this, 'Pipeline', {
      config,
      table: this.results.table,
      projectRoot,
      discordSecret,
      subscriptionKey,
      dashboardUrl,
    });
    this.schedules = new ScanSchedules(this, 'Schedules', { config, dispatch: this.pipeline.dispatch.fn });
    this.lists = new ListsWriter(this, 'Lists', {
      config,
      table: this.results.table,
      projectRoot,
      api: this.queryApi.api,
      authorizer: this.queryApi.tokenAuthorizer,
      providerSecret: this.pipeline.providerSecret,
      subscriptionKey,
    });
    this.discord = discordSecret
      ? new DiscordBot(this, 'Discord', {
          config,
          table: this.results.table,
          api: this.queryApi.api,
          dispatch: this.pipeline.dispatch.fn,
          listsWriter: this.lists.handler.fn,
          secret: discordSecret,
          projectRoot,
        })
      : undefined;
    this.operations = new Operations(this, 'Operations', {
      config,
      table: this.results.table,
      projectRoot,
      pipeline: this.pipeline,
      discordSecret,
      subscriptionKey,
      dashboardUrl,
    });
    this.observability = new Observability(this, 'Observability', {
      functions: {
        Dispatch: this.pipeline.dispatch,
        ScanBatch: this.pipeline.scanBatch,
        Api: this.queryApi.handler,
        Authorizer: this.queryApi.authorizer,
        Sweeper: this.operations.sweeper,
        ListsWriter: this.lists.handler,
        ...(this.discord && { Discord: this.discord.handler }),
      },
      deadLetterQueues: { ScanQueueDlq: this.pipeline.deadLetterQueue, SchedulerDlq: this.schedules.deadLetterQueue },
      scanQueue: this.pipeline.queue,
      httpApi: this.queryApi.api,
      alarmEmail: config.alarmEmail,
      ...(config.budget.enabled && { budget: { monthlyUsd: config.budget.monthlyUsd } }),
      discordSecret,
      projectRoot,
      config,
    });
    new CfnOutput(this, 'TableName', { value: this.results.table.tableName });
    new CfnOutput(this, 'ScanQueueUrl', { value: this.pipeline.queue.queueUrl });
    new CfnOutput(this, 'DeadLetterQueueUrl', { value: this.pipeline.deadLetterQueue.queueUrl });
    new CfnOutput(this, 'DashboardUrl', {
      value: this.queryApi.api.apiEndpoint,
      description: 'The dashboard; the API is under /api',
    });
    new CfnOutput(this, 'ApiTokenSecret', {
      value: this.queryApi.tokenSecret.secretArn,
      description:
        'The API token: aws secretsmanager get-secret-value --secret-id <this> --query SecretString (its "token")',
    });
    new CfnOutput(this, 'CloudWatchDashboard', { value: this.observability.dashboard.dashboardName });
    new CfnOutput(this, 'DispatchFunctionName', { value: this.pipeline.dispatch.fn.functionName });
  }
}
