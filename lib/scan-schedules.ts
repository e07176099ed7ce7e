import { Duration, Stack, TimeZone, Validations } from 'aws-cdk-lib';
import { Role, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import type { CfnFunction, IFunction } from 'aws-cdk-lib/aws-lambda';
import { ContextAttribute, Schedule, ScheduleExpression, ScheduleTargetInput } from 'aws-cdk-lib/aws-scheduler';
import { LambdaInvoke } from 'aws-cdk-lib/aws-scheduler-targets';
import { Queue, QueueEncryption } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import type { RunPurpose } from '../functions/core/run/dispatch-plan.js';
import type { ResolvedConfig } from './config.js';
import { GUARD_RULES, suppressGuardRules } from './guard.js';

export interface ScanSchedulesProps {
  readonly config: ResolvedConfig;
  readonly dispatch: IFunction;
}

/**
 * EventBridge Scheduler, in the exchange's time zone: the full watchlist hourly in market hours,
 * once after the close (past the provider's delay) and once in the evening to re-fetch the
 * closed session. Each invocation carries its scheduled time, from which dispatch derives the run
 * id (a retried invocation is the same run), and its purpose; dispatch records a run the market
 * clock says has nothing new (a holiday) as skipped.
 */
export class ScanSchedules extends Construct {
  readonly schedules: Schedule[] = [];
  /** Invocations Scheduler could not deliver after its retries. */
  readonly deadLetterQueue: Queue;

  constructor(scope: Construct, id: string, props: ScanSchedulesProps) {
    super(scope, id);
    const { config, dispatch } = props;
    this.deadLetterQueue = new Queue(this, 'DeadLetterQueue', {
      retentionPeriod: Duration.days(14),
      encryption: QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
    });
    Validations.of(this.deadLetterQueue).acknowledge({
      id: 'AwsSolutions-SQS3',
      reason:
        "This queue is the schedules' dead-letter queue (their targets' DeadLetterConfig), which the rule does not recognise as one; it has an alarm on its depth.",
    });
    suppressGuardRules(this.deadLetterQueue, [
      {
        rule: GUARD_RULES.queueDlq,
        reason:
          "Scheduler's dead-letter queue is the end of the line (an alarm on its depth), and not a queue SQS redrives into, so it is not declared one (RedriveAllowPolicy).",
      },
    ]);
    const role = new Role(this, 'SchedulerRole', {
      assumedBy: new ServicePrincipal('scheduler.amazonaws.com'),
      description: 'scanfleet schedules: invoke dispatch',
    });
    const dispatchId = Stack.of(this).getLogicalId(dispatch.node.defaultChild as CfnFunction);
    Validations.of(role).acknowledge({
      id: `AwsSolutions-IAM5[Resource::<${dispatchId}.Arn>:*]`,
      reason:
        'aws-scheduler-targets grants lambda:InvokeFunction on the dispatch function and its versions (ARN:*); it names that one function and nothing else.',
    });
    const timeZone = TimeZone.of(config.timeZone);
    const entries: [string, string, RunPurpose, string][] = [
      [
        'MarketHours',
        config.schedules.marketHours,
        'market-hours',
        'Full watchlist during market hours (bars still trading)',
      ],
      [
        'AfterClose',
        config.schedules.afterClose,
        'after-close',
        "Full watchlist once the close has passed the provider's delay: the session's events are alerted",
      ],
      [
        'Refetch',
        config.schedules.refetch,
        'refetch',
        'Full watchlist in the evening: the closed session re-fetched (late prints corrected)',
      ],
    ];
    for (const [name, cron, purpose, description] of entries) {
      this.schedules.push(
        new Schedule(this, name, {
          schedule: ScheduleExpression.expression(cron, timeZone),
          description,
          // schedules.enabled: false deploys them switched off (no scheduled run; /scan-now still works).
          enabled: config.schedules.enabled,
          target: new LambdaInvoke(dispatch, {
            role,
            input: ScheduleTargetInput.fromObject({
              watchlist: 'full',
              purpose,
              scheduledAt: ContextAttribute.scheduledTime,
            }),
            retryAttempts: 2,
            maxEventAge: Duration.minutes(30),
            deadLetterQueue: this.deadLetterQueue,
          }),
        }),
      );
    }
  }
}
