import { Duration, Stack, Validations } from 'aws-cdk-lib';
import type { Table } from 'aws-cdk-lib/aws-dynamodb';
import { PolicyStatement, Role, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import type { CfnFunction } from 'aws-cdk-lib/aws-lambda';
import { LambdaDestination } from 'aws-cdk-lib/aws-lambda-destinations';
import { SqsEventSource } from 'aws-cdk-lib/aws-lambda-event-sources';
import { Schedule, ScheduleExpression, ScheduleTargetInput } from 'aws-cdk-lib/aws-scheduler';
import { LambdaInvoke } from 'aws-cdk-lib/aws-scheduler-targets';
import type { ISecret } from 'aws-cdk-lib/aws-secretsmanager';
import { Construct } from 'constructs';
import { ENV } from '../functions/adapters/settings.js';
import { MAX_RECEIVES } from '../functions/core/run/batching.js';
import { TABLE_KEYS } from '../functions/adapters/store/table-schema.js';
import type { ResolvedConfig } from './config.js';
import { ScanfleetFunction } from './lambda-function.js';
import { onPartitions } from './results-table.js';
import { providerEnvironment, type ScanPipeline } from './scan-pipeline.js';

export interface OperationsProps {
  readonly config: ResolvedConfig;
  readonly table: Table;
  readonly projectRoot: string;
  readonly pipeline: ScanPipeline;
  /** Discord settings: the sweeper drains the alert outbox and tells the operator of failures. */
  readonly discordSecret?: ISecret;
  /** The key subscriptions' webhooks are sealed with: the sweeper's drains unseal them to post. */
  readonly subscriptionKey?: ISecret;
  /** The dashboard the alert lines of the runs it ends link each symbol to (with Discord only). */
  readonly dashboardUrl: string;
}

/** How often the sweeper runs: the watchdog metrics' period, and the alarms' on them. */
export const SWEEP_INTERVAL = Duration.minutes(15);

/** A secret's ARN as IAM matches it: a secret named without its random suffix matches any suffix. */
export function secretArnForPolicies(secret: ISecret): string {
  return secret.secretFullArn ?? `${secret.secretArn}-??????`;
}

/**
 * The sweeper: every 15 minutes (EventBridge Scheduler), it ends overdue runs, drains alerts
 * still pending, and emits the watchdog metrics (FullRunOverdue, ResultsStale) the alarms watch;
 * it consumes the scan pipeline's dead-letter queue (a dead batch's symbols are marked failed on
 * its run at once) and is dispatch's asynchronous on-failure destination (a failed dispatch is
 * recorded). Its role has exactly the calls it makes.
 */
export class Operations extends Construct {
  readonly sweeper: ScanfleetFunction;
  readonly schedule: Schedule;

  constructor(scope: Construct, id: string, props: OperationsProps) {
    super(scope, id);
    const { config, table, projectRoot, pipeline, discordSecret, subscriptionKey } = props;
    const providerSecret = pipeline.providerSecret;
    this.sweeper = new ScanfleetFunction(this, 'Sweeper', {
      projectRoot,
      config,
      name: 'sweeper',
      memoryMb: config.sweeper.memoryMb,
      timeoutSeconds: config.sweeper.timeoutSeconds,
      environment: {
        [ENV.tableName]: table.tableName,
        [ENV.resultsTtlDays]: String(config.retention.resultsDays),
        [ENV.runsTtlDays]: String(config.retention.runsDays),
        // The scan queue: alerts the sweep could not send in time go there as delayed drain
        // messages (only Discord fills the outbox).
        ...(discordSecret && { [ENV.queueUrl]: pipeline.queue.queueUrl }),
        [ENV.batchSize]: String(config.batchSize),
        [ENV.workerConcurrency]: String(config.scanBatch.maxConcurrency),
        [ENV.schedules]: JSON.stringify([
          config.schedules.marketHours,
          config.schedules.afterClose,
          config.schedules.refetch,
        ]),
        [ENV.scheduleTimeZone]: config.timeZone,
        [ENV.schedulesEnabled]: String(config.schedules.enabled),
        [ENV.maxReceives]: String(MAX_RECEIVES),
        ...providerEnvironment(config, providerSecret),
        ...(discordSecret && {
          [ENV.discordSecretId]: discordSecret.secretArn,
          [ENV.alertEdgeHorizon]: String(config.alerts.edgeHorizon),
          [ENV.dashboardUrl]: props.dashboardUrl,
        }),
        ...(subscriptionKey && { [ENV.subscriptionKeySecretId]: subscriptionKey.secretArn }),
      },
    });
    const { role, fn } = this.sweeper;

    // Runs (read, query by the runs index, mark partial/failed, their alert logs), the outbox, the
    // controls and the scorecard's document: its writes on those partitions only.
    role.addToPolicy(
      new PolicyStatement({ actions: ['dynamodb:GetItem', 'dynamodb:Query'], resources: [table.tableArn] }),
    );
    role.addToPolicy(onPartitions(table, ['PutItem', 'UpdateItem', 'BatchWriteItem'], ['runs', 'outbox', 'control']));
    // A run it ends refreshes the live scorecard's document (the aggregates it only reads).
    role.addToPolicy(onPartitions(table, ['UpdateItem'], ['scorecardDocument']));
    role.addToPolicy(
      new PolicyStatement({
        actions: ['dynamodb:Query'],
        resources: [`${table.tableArn}/index/${TABLE_KEYS.runsIndex.name}`],
      }),
    );
    if (discordSecret)
      role.addToPolicy(new PolicyStatement({ actions: ['sqs:SendMessage'], resources: [pipeline.queue.queueArn] }));
    const secrets = [discordSecret, providerSecret, subscriptionKey].filter((s): s is ISecret => s !== undefined);
    if (secrets.length > 0)
      role.addToPolicy(
        new PolicyStatement({
          actions: ['secretsmanager:GetSecretValue'],
          resources: secrets.map(secretArnForPolicies),
        }),
      );

    // A batch that failed every delivery: the sweeper marks its symbols failed on its run.
    fn.addEventSource(new SqsEventSource(pipeline.deadLetterQueue, { batchSize: 1, reportBatchItemFailures: true }));

    // A dispatch that failed after Lambda's retries is recorded, not lost (Scheduler's DLQ only
    // catches invocations it could not deliver).
    pipeline.dispatch.fn.configureAsyncInvoke({
      onFailure: new LambdaDestination(fn, { responseOnly: false }),
      retryAttempts: 2,
    });
    const sweeperId = Stack.of(this).getLogicalId(fn.node.defaultChild as CfnFunction);
    Validations.of(pipeline.dispatch.role).acknowledge({
      id: `AwsSolutions-IAM5[Resource::<${sweeperId}.Arn>:*]`,
      reason:
        "aws-lambda-destinations grants lambda:InvokeFunction on the sweeper and its versions (ARN:*) for dispatch's on-failure destination; it names that one function and nothing else.",
    });

    const schedulerRole = new Role(this, 'SchedulerRole', {
      assumedBy: new ServicePrincipal('scheduler.amazonaws.com'),
      description: 'scanfleet sweep schedule: invoke the sweeper',
    });
    Validations.of(schedulerRole).acknowledge({
      id: `AwsSolutions-IAM5[Resource::<${sweeperId}.Arn>:*]`,
      reason:
        'aws-scheduler-targets grants lambda:InvokeFunction on the sweeper function and its versions (ARN:*); it names that one function and nothing else.',
    });
    // Always on, also with schedules.enabled false: it is the watchdog and drains the alert outbox.
    // No DLQ: a sweep that never ran leaves FullRunOverdue without data, which its alarm treats as breaching.
    this.schedule = new Schedule(this, 'SweepSchedule', {
      schedule: ScheduleExpression.rate(SWEEP_INTERVAL),
      description: 'The sweeper: overdue runs, dead letters, pending alerts and the watchdog metrics',
      target: new LambdaInvoke(fn, {
        role: schedulerRole,
        input: ScheduleTargetInput.fromObject({ sweep: true }),
        retryAttempts: 2,
        maxEventAge: Duration.minutes(10),
      }),
    });
  }
}
