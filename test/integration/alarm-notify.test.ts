import type { SNSEvent } from 'aws-lambda';
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { DiscordClient } from '../../functions/adapters/discord/discord-client.js';
import { settingsFrom } from '../../functions/adapters/settings.js';
import { localLambdaContext } from '../../functions/local/lambda-context.js';
import { type FakeDiscord, startFakeDiscord } from '../helpers/discord.js';
import { captureLogs } from '../helpers/logs.js';

vi.hoisted(() => {
  process.env.POWERTOOLS_LOG_LEVEL = 'INFO';
});
const { alarmNotifyDeps, createAlarmNotifyHandler } = await import('../../functions/alarm-notify/handler.js');

// Fake webhook paths in Discord's shape: the tokens are obviously not real.
const OPERATOR_PATH = '/api/webhooks/2222222/fake-operator-token';
const ALERT_PATH = '/api/webhooks/1111111/fake-alert-token';

let discord: FakeDiscord;
let logs: ReturnType<typeof captureLogs>;
beforeAll(async () => {
  discord = await startFakeDiscord();
  logs = captureLogs();
});
afterAll(async () => {
  logs.restore();
  await discord.close();
});
beforeEach(() => {
  discord.received.length = 0;
});

const context = localLambdaContext('alarm-notify');
const client = new DiscordClient({ sleep: async () => {} });

/** The handler posting to the operator webhook on the fake Discord (as its settings would give it). */
function handlerWith(webhookUrl: () => Promise<string | undefined> = async () => `${discord.url}${OPERATOR_PATH}`) {
  return createAlarmNotifyHandler(() => ({ discord: client, webhookUrl }));
}

/** An SNS event of one record, as SNS invokes a subscribed function. */
function snsEvent(message: string, subject: string | null = null): SNSEvent {
  return {
    Records: [
      {
        EventSource: 'aws:sns',
        EventVersion: '1.0',
        EventSubscriptionArn: 'arn:aws:sns:us-east-1:123456789012:Alarms:0b2c',
        Sns: {
          Type: 'Notification',
          MessageId: '95df01b4-ee98-5cb9-9903-4c221d41eb5e',
          TopicArn: 'arn:aws:sns:us-east-1:123456789012:Alarms',
          Subject: subject as string,
          Message: message,
          Timestamp: '2026-11-24T21:50:00.000Z',
          SignatureVersion: '1',
          Signature: 'EXAMPLE',
          SigningCertUrl: 'https://sns.us-east-1.amazonaws.com/cert.pem',
          UnsubscribeUrl: 'https://sns.us-east-1.amazonaws.com/?Action=Unsubscribe',
          MessageAttributes: {},
        },
      },
    ],
  };
}

/** CloudWatch's alarm state-change message, with the fields it carries. */
const alarmMessage = (newState: string, oldState: string, reason: string) =>
  JSON.stringify({
    AlarmName: 'Scanfleet-ObservabilityScanQueueDlqDepth',
    AlarmDescription:
      'ScanQueueDlq: a message failed every delivery and the sweeper could not settle it. What to do: read the sweeper log, then redrive or delete the message.',
    AWSAccountId: '123456789012',
    AlarmConfigurationUpdatedTimestamp: '2026-11-20T10:00:00.000+0000',
    NewStateValue: newState,
    NewStateReason: reason,
    StateChangeTime: '2026-11-24T21:50:00.000+0000',
    Region: 'US East (N. Virginia)',
    AlarmArn: 'arn:aws:cloudwatch:us-east-1:123456789012:alarm:Scanfleet-ObservabilityScanQueueDlqDepth',
    OldStateValue: oldState,
    Trigger: { MetricName: 'ApproximateNumberOfMessagesVisible', Namespace: 'AWS/SQS', Threshold: 0 },
  });

const posted = () =>
  discord.received.map((r) => ({ method: r.method, path: r.path, body: r.body as { embeds: unknown[] } }));

describe('alarm-notify', () => {
  it('posts an alarm going to ALARM as one red embed whose description says what to do', async () => {
    const result = await handlerWith()(
      snsEvent(
        alarmMessage(
          'ALARM',
          'OK',
          'Threshold Crossed: 1 datapoint [1.0 (24/11/26 21:45:00)] was greater than the threshold (0.0).',
        ),
        'ALARM: "Scanfleet-ObservabilityScanQueueDlqDepth" in US East (N. Virginia)',
      ),
      context,
    );
    expect(result).toEqual({ posted: 1, bad: 0 });
    expect(posted()).toEqual([
      {
        method: 'POST',
        path: OPERATOR_PATH,
        body: {
          embeds: [
            {
              title: 'ALARM: Scanfleet-ObservabilityScanQueueDlqDepth',
              description:
                'ScanQueueDlq: a message failed every delivery and the sweeper could not settle it. What to do: read the sweeper log, then redrive or delete the message.\n\n' +
                'Why: Threshold Crossed: 1 datapoint [1.0 (24/11/26 21:45:00)] was greater than the threshold (0.0).',
              color: 0xe0464e,
              fields: [
                { name: 'State', value: 'OK → ALARM', inline: true },
                { name: 'Since', value: '2026-11-24T21:50:00.000+0000', inline: true },
                { name: 'Region', value: 'US East (N. Virginia)', inline: true },
              ],
              footer: { text: 'scanfleet alarm' },
            },
          ],
        },
      },
    ]);
  });

  it('posts the recovery to OK as a green embed that says nothing is left to do', async () => {
    await handlerWith()(
      snsEvent(
        alarmMessage(
          'OK',
          'ALARM',
          'Threshold Crossed: 1 datapoint [0.0 (24/11/26 22:05:00)] was not greater than the threshold (0.0).',
        ),
      ),
      context,
    );
    const [embed] = posted()[0].body.embeds as {
      title: string;
      color: number;
      description: string;
      fields: unknown[];
    }[];
    expect(embed.title).toBe('OK: Scanfleet-ObservabilityScanQueueDlqDepth');
    expect(embed.color).toBe(0x26a65b);
    expect(embed.description.split('\n\n')).toEqual([
      'ScanQueueDlq: a message failed every delivery and the sweeper could not settle it. What to do: read the sweeper log, then redrive or delete the message.',
      'Recovered: nothing to do.',
      'Why: Threshold Crossed: 1 datapoint [0.0 (24/11/26 22:05:00)] was not greater than the threshold (0.0).',
    ]);
    expect(embed.fields[0]).toEqual({ name: 'State', value: 'ALARM → OK', inline: true });
  });

  it('posts an AWS Budgets notification (plain text) with its subject and what to do, in amber', async () => {
    const text =
      'AWS Budget Notification November 24, 2026\nAWS Account 123456789012\n\nDear AWS Customer,\n\n' +
      'You requested that we alert you when the ACTUAL Cost associated with your Scanfleet-monthly budget is greater than $8.00 for the current month. ' +
      'The ACTUAL Cost associated with this budget is $8.42.';
    await handlerWith()(snsEvent(text, 'AWS Budgets: Scanfleet-monthly has exceeded your alert threshold'), context);
    expect(posted()).toEqual([
      {
        method: 'POST',
        path: OPERATOR_PATH,
        body: {
          embeds: [
            {
              title: 'AWS Budgets: Scanfleet-monthly has exceeded your alert threshold',
              description:
                'What to do: open Cost Explorer to see which service grew; the budget is scanfleet.budget.monthlyUsd in cdk.json.\n\n' +
                text,
              color: 0xe2a33d,
              footer: { text: 'scanfleet budget' },
            },
          ],
        },
      },
    ]);
  });

  it('logs a message that is neither an alarm nor text in one line and posts nothing, without throwing', async () => {
    const before = logs.lines().length;
    const result = await handlerWith()(snsEvent(JSON.stringify({ AlarmName: 'x', NewStateValue: 'MAYBE' })), context);
    expect(result).toEqual({ posted: 0, bad: 1 });
    expect(discord.received).toEqual([]);
    const dropped = logs
      .lines()
      .slice(before)
      .filter((l) => l.message === 'alarm-notify: message dropped');
    expect(dropped).toHaveLength(1);
    expect(dropped[0].reason).toMatch(/^not an alarm state change: NewStateValue: /);
    expect(await handlerWith()(snsEvent('  '), context)).toEqual({ posted: 0, bad: 1 });
  });

  it('retries a rate-limited post and never logs the webhook URL', async () => {
    discord.failNext(429, 1);
    const result = await handlerWith()(snsEvent(alarmMessage('ALARM', 'OK', 'Threshold Crossed')), context);
    expect(result).toEqual({ posted: 1, bad: 0 });
    expect(discord.received.map((r) => r.path)).toEqual([OPERATOR_PATH, OPERATOR_PATH]);
    expect(logs.text()).not.toContain('fake-operator-token');
    expect(logs.text()).not.toContain('fake-alert-token');
  });

  it('throws when Discord keeps failing, so Lambda retries the invocation; the error names no URL', async () => {
    discord.failNext(500, 4);
    const failing = handlerWith();
    const error = await failing(snsEvent(alarmMessage('ALARM', 'OK', 'Threshold Crossed')), context).catch(
      (e: unknown) => e as Error,
    );
    expect(error).toBeInstanceOf(Error);
    expect((error as Error).message).toBe('operator webhook: HTTP 500 after 4 attempts');
    expect(logs.text()).not.toContain('fake-operator-token');
  });

  it('takes the operator webhook from its settings, else the alert webhook', async () => {
    const operator = alarmNotifyDeps(
      settingsFrom({
        DISCORD_WEBHOOK_URL: `${discord.url}${ALERT_PATH}`,
        DISCORD_OPERATOR_WEBHOOK_URL: `${discord.url}${OPERATOR_PATH}`,
      }),
    );
    expect(operator.discord).toBeInstanceOf(DiscordClient);
    expect(await operator.webhookUrl()).toBe(`${discord.url}${OPERATOR_PATH}`);
    const alertOnly = alarmNotifyDeps(settingsFrom({ DISCORD_WEBHOOK_URL: `${discord.url}${ALERT_PATH}` }));
    expect(await alertOnly.webhookUrl()).toBe(`${discord.url}${ALERT_PATH}`);
    await createAlarmNotifyHandler(() => alertOnly)(snsEvent(alarmMessage('ALARM', 'OK', 'x')), context);
    expect(discord.received.map((r) => r.path)).toEqual([ALERT_PATH]);
    const none = alarmNotifyDeps(settingsFrom({}));
    expect(await none.webhookUrl()).toBeUndefined();
    expect(await createAlarmNotifyHandler(() => none)(snsEvent(alarmMessage('ALARM', 'OK', 'x')), context)).toEqual({
      posted: 0,
      bad: 0,
    });
  });
});
