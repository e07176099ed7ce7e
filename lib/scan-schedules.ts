import { Duration, Stack, TimeZone, Validations } from 'aws-cdk-lib';
import { Role, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import type { CfnFunction, IFunction } from 'aws-cdk-lib/aws-lambda';
import { ContextAttribute, Schedule, ScheduleExpression, ScheduleTargetInput } from 'aws-cdk-lib/aws-scheduler';
import { LambdaInvoke } from 'aws-cdk-lib/aws-scheduler-targets';
import { Queue, QueueEncryption } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import type { ResolvedConfig } from './config.js';

export interface ScanSchedulesProps {
  readonly config: ResolvedConfig;
  readonly dispatch: IFunction;
}

/**
 * EventBridge Scheduler, in the exchange's time zone: the full watchlist hourly in market hours
 * and once after the close, the reduced one off-hours. Each invocation carries its scheduled
 * time, from which dispatch derives the run id (a retried invocation is the same run).
 */
export class ScanSchedules extends Construct {
  readonly schedules: Schedule[] = [];
  /** Invocations Scheduler could not deliver after its retries. */
  readonly deadLetterQueue: Queue;

  constructor(scope: Construct, id: string, props: ScanSchedulesProps) {
    super(scope, id);
    const { config, dispatch } = props;
    this.deadLetterQueue = new Queue(this, 'DeadLetterQueue', { retentionPeriod: Duration.days(14), encryption: QueueEncryption.SQS_MANAGED, enforceSSL: true });
    Validations.of(this.deadLetterQueue).acknowledge({
      id: 'AwsSolutions-SQS3',
      reason: "This queue is the schedules' dead-letter queue (their targets' DeadLetterConfig), which the rule does not recognise as one; it has an alarm on its depth.",
    });
    const role = new Role(this, 'SchedulerRole', { assumedBy: new ServicePrincipal('scheduler.amazonaws.com'), description: 'scanfleet schedules: invoke dispatch' });
    const dispatchId = Stack.of(this).getLogicalId(dispatch.node.defaultChild as CfnFunction);
    Validations.of(role).acknowledge({
      id: `AwsSolutions-IAM5[Resource::<${dispatchId}.Arn>:*]`,
      reason: 'aws-scheduler-targets grants lambda:InvokeFunction on the dispatch function and its versions (ARN:*); it names that one function and nothing else.',
    });
    const timeZone = TimeZone.of(config.timeZone);
    const entries: [string, string, 'full' | 'reduced', string][] = [
      ['MarketHours', config.schedules.marketHours, 'full', 'Full watchlist, hourly during market hours'],
      ['AfterClose', config.schedules.afterClose, 'full', 'Full watchlist after the close'],
      ...config.schedules.offHours.map((cron, i): [string, string, 'reduced', string] => [`OffHours${i + 1}`, cron, 'reduced', `First ${config.reducedWatchlistSize} symbols, off-hours`]),
    ];
    for (const [name, cron, watchlist, description] of entries) {
      this.schedules.push(
        new Schedule(this, name, {
          schedule: ScheduleExpression.expression(cron, timeZone),
          description,
          target: new LambdaInvoke(dispatch, {
            role,
            input: ScheduleTargetInput.fromObject({ watchlist, scheduledAt: ContextAttribute.scheduledTime }),
            retryAttempts: 2,
            maxEventAge: Duration.minutes(30),
            deadLetterQueue: this.deadLetterQueue,
          }),
        }),
      );
    }
  }
}
