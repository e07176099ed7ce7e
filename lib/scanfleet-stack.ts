import { CfnOutput, Stack, type StackProps } from 'aws-cdk-lib';
import type { Construct } from 'constructs';
import type { ResolvedConfig } from './config.js';
import { Secret } from 'aws-cdk-lib/aws-secretsmanager';
import { DiscordBot } from './discord-bot.js';
import { Observability } from './observability.js';
import { QueryApi } from './query-api.js';
import { ResultsTable } from './results-table.js';
import { ScanPipeline } from './scan-pipeline.js';
import { ScanSchedules } from './scan-schedules.js';

export interface ScanfleetStackProps extends StackProps {
  readonly config: ResolvedConfig;
  readonly projectRoot: string;
}

/** scanfleet on AWS: results table, scan pipeline, schedules, observability. */
export class ScanfleetStack extends Stack {
  readonly results: ResultsTable;
  readonly pipeline: ScanPipeline;
  readonly schedules: ScanSchedules;
  readonly queryApi: QueryApi;
  readonly discord?: DiscordBot;
  readonly observability: Observability;

  constructor(scope: Construct, id: string, props: ScanfleetStackProps) {
    super(scope, id, props);
    const { config, projectRoot } = props;
    this.results = new ResultsTable(this, 'Results');
    const discordSecret = config.discordSecret
      ? config.discordSecret.startsWith('arn:')
        ? Secret.fromSecretCompleteArn(this, 'DiscordSecret', config.discordSecret)
        : Secret.fromSecretNameV2(this, 'DiscordSecret', config.discordSecret)
      : undefined;
    this.pipeline = new ScanPipeline(this, 'Pipeline', {
      config,
      table: this.results.table,
      projectRoot,
      discordSecret,
    });
    this.schedules = new ScanSchedules(this, 'Schedules', { config, dispatch: this.pipeline.dispatch.fn });
    this.queryApi = new QueryApi(this, 'Query', {
      config,
      table: this.results.table,
      projectRoot,
      providerSecret: this.pipeline.providerSecret,
    });
    this.discord = discordSecret
      ? new DiscordBot(this, 'Discord', {
          config,
          table: this.results.table,
          api: this.queryApi.api,
          dispatch: this.pipeline.dispatch.fn,
          secret: discordSecret,
          projectRoot,
        })
      : undefined;
    this.observability = new Observability(this, 'Observability', {
      functions: {
        Dispatch: this.pipeline.dispatch.fn,
        ScanBatch: this.pipeline.scanBatch.fn,
        Api: this.queryApi.handler.fn,
        ...(this.discord && { Discord: this.discord.handler.fn }),
      },
      deadLetterQueues: { ScanQueueDlq: this.pipeline.deadLetterQueue, SchedulerDlq: this.schedules.deadLetterQueue },
      alarmEmail: config.alarmEmail,
    });
    new CfnOutput(this, 'TableName', { value: this.results.table.tableName });
    new CfnOutput(this, 'ScanQueueUrl', { value: this.pipeline.queue.queueUrl });
    new CfnOutput(this, 'DeadLetterQueueUrl', { value: this.pipeline.deadLetterQueue.queueUrl });
    new CfnOutput(this, 'DashboardUrl', {
      value: this.queryApi.api.apiEndpoint,
      description: 'The dashboard; the API is under /api',
    });
    new CfnOutput(this, 'CloudWatchDashboard', { value: this.observability.dashboard.dashboardName });
    new CfnOutput(this, 'DispatchFunctionName', { value: this.pipeline.dispatch.fn.functionName });
  }
}
