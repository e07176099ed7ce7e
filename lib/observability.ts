import { Duration } from 'aws-cdk-lib';
import {
  Alarm,
  ComparisonOperator,
  Dashboard,
  GraphWidget,
  Metric,
  TreatMissingData,
} from 'aws-cdk-lib/aws-cloudwatch';
import { SnsAction } from 'aws-cdk-lib/aws-cloudwatch-actions';
import { Alias } from 'aws-cdk-lib/aws-kms';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import { Topic } from 'aws-cdk-lib/aws-sns';
import { EmailSubscription } from 'aws-cdk-lib/aws-sns-subscriptions';
import type { IQueue } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';

export interface ObservabilityProps {
  readonly functions: Record<string, IFunction>;
  /** Queues whose every message is a failure: alarm on the first. */
  readonly deadLetterQueues: Record<string, IQueue>;
  readonly alarmEmail?: string;
}

/**
 * Alarms on dead letters and function errors, sent to one SNS topic; a dashboard of memory
 * (the MaxRss metric every handler emits), duration, errors, DLQ depth and signals per run.
 */
export class Observability extends Construct {
  readonly topic: Topic;
  readonly alarms: Alarm[] = [];
  readonly dashboard: Dashboard;

  constructor(scope: Construct, id: string, props: ObservabilityProps) {
    super(scope, id);
    this.topic = new Topic(this, 'Alarms', {
      masterKey: Alias.fromAliasName(this, 'SnsKey', 'alias/aws/sns'),
      enforceSSL: true,
    });
    if (props.alarmEmail) this.topic.addSubscription(new EmailSubscription(props.alarmEmail));
    const action = new SnsAction(this.topic);
    for (const [name, queue] of Object.entries(props.deadLetterQueues)) {
      this.alarms.push(
        new Alarm(this, `${name}Depth`, {
          alarmDescription: `${name}: messages that failed every delivery are waiting`,
          metric: queue.metricApproximateNumberOfMessagesVisible({ period: Duration.minutes(5), statistic: 'Maximum' }),
          threshold: 0,
          comparisonOperator: ComparisonOperator.GREATER_THAN_THRESHOLD,
          evaluationPeriods: 1,
          treatMissingData: TreatMissingData.NOT_BREACHING,
        }),
      );
    }
    for (const [name, fn] of Object.entries(props.functions)) {
      this.alarms.push(
        new Alarm(this, `${name}Errors`, {
          alarmDescription: `${name}: invocations failed`,
          metric: fn.metricErrors({ period: Duration.minutes(5), statistic: 'Sum' }),
          threshold: 0,
          comparisonOperator: ComparisonOperator.GREATER_THAN_THRESHOLD,
          evaluationPeriods: 1,
          treatMissingData: TreatMissingData.NOT_BREACHING,
        }),
      );
    }
    for (const alarm of this.alarms) alarm.addAlarmAction(action);

    const functions = Object.entries(props.functions);
    const period = Duration.minutes(5);
    // Powertools Metrics publishes under namespace "scanfleet" with the dimension service = the handler's name.
    const services: Record<string, string> = {
      Dispatch: 'dispatch',
      ScanBatch: 'scan-batch',
      Api: 'api',
      Discord: 'discord',
    };
    this.dashboard = new Dashboard(this, 'Dashboard', { defaultInterval: Duration.days(1) });
    this.dashboard.addWidgets(
      new GraphWidget({
        title: 'Peak RSS of a container (MB)',
        left: functions
          .filter(([name]) => name in services)
          .map(
            ([name]) =>
              new Metric({
                namespace: 'scanfleet',
                metricName: 'MaxRss',
                dimensionsMap: { service: services[name] },
                statistic: 'Maximum',
                period,
                label: name,
              }),
          ),
      }),
      new GraphWidget({
        title: 'Duration p99 (ms)',
        left: functions.map(([name, fn]) => fn.metricDuration({ statistic: 'p99', period, label: name })),
      }),
      new GraphWidget({
        title: 'Errors',
        left: functions.map(([name, fn]) => fn.metricErrors({ statistic: 'Sum', period, label: name })),
      }),
    );
    this.dashboard.addWidgets(
      new GraphWidget({
        title: 'Dead letters waiting',
        left: Object.entries(props.deadLetterQueues).map(([name, q]) =>
          q.metricApproximateNumberOfMessagesVisible({ statistic: 'Maximum', period, label: name }),
        ),
      }),
      new GraphWidget({
        title: 'Signals found and symbols failed, per hour',
        left: [
          new Metric({
            namespace: 'scanfleet',
            metricName: 'SignalsFound',
            dimensionsMap: { service: 'scan-batch' },
            statistic: 'Sum',
            period: Duration.hours(1),
            label: 'signals',
          }),
          new Metric({
            namespace: 'scanfleet',
            metricName: 'SymbolsFailed',
            dimensionsMap: { service: 'scan-batch' },
            statistic: 'Sum',
            period: Duration.hours(1),
            label: 'symbols failed',
          }),
        ],
      }),
      new GraphWidget({
        title: 'Runs completed, batch failures and alerts',
        left: ['RunsCompleted', 'BatchesFailed', 'MalformedMessages', 'AlertsSent', 'AlertsFailed'].map(
          (metricName) =>
            new Metric({
              namespace: 'scanfleet',
              metricName,
              dimensionsMap: { service: 'scan-batch' },
              statistic: 'Sum',
              period: Duration.hours(1),
            }),
        ),
      }),
    );
  }
}
