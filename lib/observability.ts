import { Duration, RemovalPolicy, Stack } from 'aws-cdk-lib';
import type { HttpApi } from 'aws-cdk-lib/aws-apigatewayv2';
import { CfnBudget } from 'aws-cdk-lib/aws-budgets';
import {
  Alarm,
  AlarmStatusWidget,
  ComparisonOperator,
  Dashboard,
  GraphWidget,
  Metric,
  type IMetric,
  TreatMissingData,
} from 'aws-cdk-lib/aws-cloudwatch';
import { SnsAction } from 'aws-cdk-lib/aws-cloudwatch-actions';
import { AnyPrincipal, Effect, PolicyStatement, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import { Key } from 'aws-cdk-lib/aws-kms';
import type { ISecret } from 'aws-cdk-lib/aws-secretsmanager';
import { Topic } from 'aws-cdk-lib/aws-sns';
import { EmailSubscription, LambdaSubscription } from 'aws-cdk-lib/aws-sns-subscriptions';
import type { IQueue } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { METRICS_NAMESPACE } from '../functions/adapters/observability.js';
import { ENV } from '../functions/adapters/settings.js';
import type { BundledConfig } from './bundling.js';
import { ScanfleetFunction } from './lambda-function.js';
import { secretArnForPolicies, SWEEP_INTERVAL } from './operations.js';

export interface ObservabilityProps {
  /** The functions to watch, by a display name: errors, throttles and peak memory each. */
  readonly functions: Record<string, ScanfleetFunction>;
  /** Queues whose every message is a failure: alarm on the first. */
  readonly deadLetterQueues: Record<string, IQueue>;
  /** The scan queue: alarm when a batch waits too long for a worker. */
  readonly scanQueue: IQueue;
  /** The HTTP API: alarm on any 5xx answer. */
  readonly httpApi: HttpApi;
  readonly alarmEmail?: string;
  /** A monthly cost budget on the account, notifying the topic; none when undefined. */
  readonly budget?: { readonly monthlyUsd: number };
  /** With the Discord secret, alarms are also posted to the operator webhook (else the alert webhook). */
  readonly discordSecret?: ISecret;
  readonly projectRoot: string;
  /** What the alarm notifier's bundle carries. */
  readonly config: BundledConfig;
}

/** Peak memory above this share of a function's configured memory alarms (Lambda kills it at 100%). */
export const MEMORY_ALARM_SHARE = 0.85;
/** A batch waiting this long for a worker alarms. */
export const QUEUE_AGE_ALARM_SECONDS = 900;

const PERIOD = Duration.minutes(5);

/** A custom metric the handlers publish (embedded metric format: namespace scanfleet, dimension service). */
export function serviceMetric(service: string, metricName: string, statistic: string, period = PERIOD): Metric {
  return new Metric({ namespace: METRICS_NAMESPACE, metricName, dimensionsMap: { service }, statistic, period });
}

/**
 * Alarms on every promise the stack makes (dead letters, queue age, throttles, errors, API 5xx,
 * failed batches, peak memory, the sweeper's overdue-run and stale-results watchdog), each with an
 * ALARM and an OK action to one SNS topic and a description saying what to do; the topic is
 * encrypted with a customer-managed KMS key whose policy lets CloudWatch and AWS Budgets publish
 * (the AWS-managed alias/aws/sns key cannot be used by them). Optional e-mail and Discord
 * channels; a monthly cost budget; a dashboard with every alarm's state.
 */
export class Observability extends Construct {
  readonly key: Key;
  readonly topic: Topic;
  readonly alarms: Alarm[] = [];
  /** Every function it watches, by display name (the props' and alarm-notify). */
  readonly functions: Record<string, ScanfleetFunction>;
  readonly dashboard: Dashboard;
  readonly budget?: CfnBudget;
  /** Posts alarms to Discord; with the Discord secret only. */
  readonly alarmNotify?: ScanfleetFunction;

  constructor(scope: Construct, id: string, props: ObservabilityProps) {
    super(scope, id);
    const stack = Stack.of(this);
    const { account, partition, region } = stack;

    // Messages in SNS are transient (nothing stays encrypted under the key), so deleting the stack
    // schedules the key's deletion after the shortest waiting period rather than keeping a billed key.
    this.key = new Key(this, 'AlarmsKey', {
      description: 'scanfleet alarm topic: lets CloudWatch alarms and AWS Budgets publish to the encrypted topic',
      enableKeyRotation: true,
      removalPolicy: RemovalPolicy.DESTROY,
      pendingWindow: Duration.days(7),
    });
    // CloudWatch: the key policy of AWS's knowledge-center article on alarms with an encrypted topic.
    this.key.addToResourcePolicy(
      new PolicyStatement({
        sid: 'CloudWatchAlarmsPublish',
        principals: [new ServicePrincipal('cloudwatch.amazonaws.com')],
        actions: ['kms:Decrypt', 'kms:GenerateDataKey*'],
        resources: ['*'],
      }),
    );
    // Budgets: the AWS Cost Management guide's statement for an encrypted topic, with its confused-deputy conditions.
    const budgetsSource = {
      StringEquals: { 'aws:SourceAccount': account },
      ArnLike: { 'aws:SourceArn': `arn:${partition}:budgets::${account}:*` },
    };
    this.key.addToResourcePolicy(
      new PolicyStatement({
        sid: 'BudgetsPublish',
        principals: [new ServicePrincipal('budgets.amazonaws.com')],
        actions: ['kms:Decrypt', 'kms:GenerateDataKey*'],
        resources: ['*'],
        conditions: budgetsSource,
      }),
    );
    // Grants on the key for AWS services' own resources only (Control Tower's CT.KMS.PR.3): no
    // principal of the account can hand the key's use to another.
    this.key.addToResourcePolicy(
      new PolicyStatement({
        sid: 'GrantsForAwsServicesOnly',
        effect: Effect.DENY,
        principals: [new AnyPrincipal()],
        actions: ['kms:CreateGrant'],
        resources: ['*'],
        conditions: {
          BoolIfExists: { 'kms:GrantIsForAWSResource': 'false', 'aws:PrincipalIsAWSService': 'false' },
        },
      }),
    );

    this.topic = new Topic(this, 'Alarms', { masterKey: this.key, enforceSSL: true });
    this.topic.addToResourcePolicy(
      new PolicyStatement({
        sid: 'CloudWatchAlarmsPublish',
        principals: [new ServicePrincipal('cloudwatch.amazonaws.com')],
        actions: ['sns:Publish'],
        resources: [this.topic.topicArn],
        conditions: {
          StringEquals: { 'aws:SourceAccount': account },
          ArnLike: { 'aws:SourceArn': `arn:${partition}:cloudwatch:${region}:${account}:alarm:*` },
        },
      }),
    );
    this.topic.addToResourcePolicy(
      new PolicyStatement({
        sid: 'BudgetsPublish',
        principals: [new ServicePrincipal('budgets.amazonaws.com')],
        actions: ['sns:Publish'],
        resources: [this.topic.topicArn],
        conditions: budgetsSource,
      }),
    );
    if (props.alarmEmail) this.topic.addSubscription(new EmailSubscription(props.alarmEmail));

    if (props.discordSecret) {
      const secret = props.discordSecret;
      this.alarmNotify = new ScanfleetFunction(this, 'AlarmNotify', {
        projectRoot: props.projectRoot,
        config: props.config,
        name: 'alarm-notify',
        // VmHWM 71.4–73.5 MB over 500 alarms (npm run bench, three runs): within 85% of 128 MB.
        memoryMb: 128,
        // The Discord client's retries (a 429 waited out, 5xx retried) fit well inside this.
        timeoutSeconds: 60,
        environment: { [ENV.discordSecretId]: secret.secretArn },
      });
      this.alarmNotify.role.addToPolicy(
        new PolicyStatement({
          actions: ['secretsmanager:GetSecretValue'],
          resources: [secretArnForPolicies(secret)],
        }),
      );
      this.topic.addSubscription(new LambdaSubscription(this.alarmNotify.fn));
    }

    if (props.budget) {
      const subscribers = [{ subscriptionType: 'SNS', address: this.topic.topicArn }];
      this.budget = new CfnBudget(this, 'MonthlyBudget', {
        budget: {
          budgetName: `${stack.stackName}-monthly`,
          budgetType: 'COST',
          timeUnit: 'MONTHLY',
          budgetLimit: { amount: props.budget.monthlyUsd, unit: 'USD' },
        },
        notificationsWithSubscribers: [
          {
            notification: {
              notificationType: 'ACTUAL',
              comparisonOperator: 'GREATER_THAN',
              threshold: 80,
              thresholdType: 'PERCENTAGE',
            },
            subscribers,
          },
          {
            notification: {
              notificationType: 'FORECASTED',
              comparisonOperator: 'GREATER_THAN',
              threshold: 100,
              thresholdType: 'PERCENTAGE',
            },
            subscribers,
          },
        ],
      });
      // Budgets checks it may publish when the budget is created: the topic policy first.
      this.budget.node.addDependency(this.topic.node.findChild('Policy'));
    }

    const functions: Record<string, ScanfleetFunction> = {
      ...props.functions,
      ...(this.alarmNotify && { AlarmNotify: this.alarmNotify }),
    };
    this.functions = functions;
    const alarm = (
      id: string,
      metric: IMetric,
      threshold: number,
      alarmDescription: string,
      options: {
        comparisonOperator?: ComparisonOperator;
        evaluationPeriods?: number;
        treatMissingData?: TreatMissingData;
      } = {},
    ) => {
      const created = new Alarm(this, id, {
        alarmDescription,
        metric,
        threshold,
        comparisonOperator: options.comparisonOperator ?? ComparisonOperator.GREATER_THAN_THRESHOLD,
        evaluationPeriods: options.evaluationPeriods ?? 1,
        treatMissingData: options.treatMissingData ?? TreatMissingData.NOT_BREACHING,
      });
      this.alarms.push(created);
      return created;
    };

    for (const [name, queue] of Object.entries(props.deadLetterQueues)) {
      alarm(
        `${name}Depth`,
        queue.metricApproximateNumberOfMessagesVisible({ period: PERIOD, statistic: 'Maximum' }),
        0,
        DLQ_ADVICE[name] ??
          `${name}: messages that failed every delivery are waiting. What to do: read the consumer's log for the cause, fix it, then redrive or purge the queue.`,
      );
    }
    alarm(
      'ScanQueueAge',
      props.scanQueue.metricApproximateAgeOfOldestMessage({ period: PERIOD, statistic: 'Maximum' }),
      QUEUE_AGE_ALARM_SECONDS,
      'A scan batch has waited over 15 minutes for a worker: workers are throttled, failing or too few for the provider. What to do: check the ScanBatch Throttles and Errors alarms and the provider; raise scanfleet.scanBatch.maxConcurrency if the provider allows more.',
    );
    alarm(
      'Api5xx',
      props.httpApi.metricServerError({ period: PERIOD, statistic: 'Sum' }),
      0,
      "The HTTP API answered 5xx (the API function failed or timed out). What to do: read the API function's log at that time; check its Errors and MaxRss alarms.",
    );
    alarm(
      'BatchesFailed',
      serviceMetric('scan-batch', 'BatchesFailed', 'Sum'),
      0,
      "A scan batch failed (provider or store error) and is retried; after 3 deliveries it goes to the dead-letter queue. What to do: read scan-batch's log for the batch's error; a rejected credential means updating the provider's secret.",
    );
    alarm(
      'FullRunOverdue',
      serviceMetric('sweeper', 'FullRunOverdue', 'Maximum', SWEEP_INTERVAL),
      1,
      'A scheduled run was due and none completed within its deadline — or the sweeper stopped reporting (no data counts as overdue). What to do: /status in Discord or GET /api/runs for the latest run and why it ended; check the Dispatch, ScanBatch and Sweeper alarms; an expired provider credential means updating its secret.',
      {
        comparisonOperator: ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
        evaluationPeriods: 2,
        treatMissingData: TreatMissingData.BREACHING,
      },
    );
    alarm(
      'ResultsStale',
      serviceMetric('sweeper', 'ResultsStale', 'Maximum', SWEEP_INTERVAL),
      1,
      "The latest complete or partial run's last bar is older than the last closed session, though the after-close run's deadline has passed. What to do: check the latest runs (/status, /api/runs) and the provider's status; once fixed, /scan-now refreshes the results.",
      { comparisonOperator: ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD },
    );
    for (const [name, f] of Object.entries(functions)) {
      alarm(
        `${name}Errors`,
        f.fn.metricErrors({ period: PERIOD, statistic: 'Sum' }),
        0,
        `${name}: invocations failed. What to do: read the ${f.name} function's log (level ERROR) for the cause.`,
      );
      alarm(
        `${name}Throttles`,
        f.fn.metricThrottles({ period: PERIOD, statistic: 'Sum' }),
        0,
        `${name}: Lambda throttled invocations (the account's or the function's concurrency limit). What to do: check the account's concurrent-executions quota and what else runs in it; throttled asynchronous and queued work is retried.`,
      );
      const limitMb = Math.round(MEMORY_ALARM_SHARE * f.memoryMb * 10) / 10;
      alarm(
        `${name}MaxRss`,
        serviceMetric(f.name, 'MaxRss', 'Maximum'),
        limitMb,
        `${name}: a container's peak memory passed ${limitMb} MB, 85% of its ${f.memoryMb} MB (Lambda kills it at 100%). What to do: look for growth in the dashboard's peak RSS graph, then raise the function's memory (scanfleet.<function>.memoryMb in cdk.json where it is a setting).`,
      );
    }
    for (const created of this.alarms) {
      const action = new SnsAction(this.topic);
      created.addAlarmAction(action);
      created.addOkAction(action);
    }

    const entries = Object.entries(functions);
    this.dashboard = new Dashboard(this, 'Dashboard', { defaultInterval: Duration.days(1) });
    this.dashboard.addWidgets(new AlarmStatusWidget({ title: 'Alarms', alarms: this.alarms, width: 24, height: 6 }));
    this.dashboard.addWidgets(
      new GraphWidget({
        title: 'Peak RSS of a container (MB)',
        left: entries.map(([name, f]) => serviceMetric(f.name, 'MaxRss', 'Maximum').with({ label: name })),
      }),
      new GraphWidget({
        title: 'Duration p99 (ms)',
        left: entries.map(([name, f]) => f.fn.metricDuration({ statistic: 'p99', period: PERIOD, label: name })),
      }),
      new GraphWidget({
        title: 'Errors',
        left: entries.map(([name, f]) => f.fn.metricErrors({ statistic: 'Sum', period: PERIOD, label: name })),
      }),
    );
    this.dashboard.addWidgets(
      new GraphWidget({
        title: 'Dead letters waiting',
        left: Object.entries(props.deadLetterQueues).map(([name, q]) =>
          q.metricApproximateNumberOfMessagesVisible({ statistic: 'Maximum', period: PERIOD, label: name }),
        ),
      }),
      new GraphWidget({
        title: 'Signals found and symbols failed, per hour',
        left: [
          serviceMetric('scan-batch', 'SignalsFound', 'Sum', Duration.hours(1)).with({ label: 'signals' }),
          serviceMetric('scan-batch', 'SymbolsFailed', 'Sum', Duration.hours(1)).with({ label: 'symbols failed' }),
        ],
      }),
      new GraphWidget({
        title: 'Runs completed, batch failures and alerts',
        left: ['RunsCompleted', 'BatchesFailed', 'MalformedMessages', 'AlertsSent', 'AlertsFailed'].map((metricName) =>
          serviceMetric('scan-batch', metricName, 'Sum', Duration.hours(1)),
        ),
      }),
    );
    this.dashboard.addWidgets(
      new GraphWidget({
        title: 'Watchdog: full run overdue, results stale (0 or 1)',
        left: [
          serviceMetric('sweeper', 'FullRunOverdue', 'Maximum', SWEEP_INTERVAL),
          serviceMetric('sweeper', 'ResultsStale', 'Maximum', SWEEP_INTERVAL),
        ],
      }),
      new GraphWidget({
        title: 'Oldest scan batch waiting (s)',
        left: [props.scanQueue.metricApproximateAgeOfOldestMessage({ statistic: 'Maximum', period: PERIOD })],
      }),
      new GraphWidget({
        title: 'API 5xx answers',
        left: [props.httpApi.metricServerError({ statistic: 'Sum', period: PERIOD })],
      }),
    );
  }
}

/** What each dead-letter queue's message means, and what to do about it. */
const DLQ_ADVICE: Record<string, string> = {
  ScanQueueDlq:
    "ScanQueueDlq: a scan batch failed every delivery and the sweeper (which consumes this queue and marks the batch's symbols failed on its run) could not settle it either. What to do: read the sweeper's log for the error, fix it; the message is retried until it expires (14 days), or purge the queue.",
  SchedulerDlq:
    'SchedulerDlq: a schedule could not invoke dispatch after its retries, so that run never started. What to do: check the dispatch function exists and the Dispatch Throttles alarm; start the run by hand (docs/operations.md) and purge the message.',
};
