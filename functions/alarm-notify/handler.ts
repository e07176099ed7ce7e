import middy from '@middy/core';
import type { Context, SNSEvent, SNSEventRecord } from 'aws-lambda';
import * as v from 'valibot';
import { COLOURS, EMBED_LIMITS, type Embed } from '../core/discord/discord-embeds.js';
import { checkSchema, nonArray } from '../core/schemas.js';
import { DiscordClient } from '../adapters/discord/discord-client.js';
import { discordSettings } from '../adapters/discord/discord-settings.js';
import { coldStartTracker, createTelemetry, invocationFigures } from '../adapters/observability.js';
import { injectLambdaContext } from '../adapters/telemetry/logger.js';
import { logMetrics } from '../adapters/telemetry/metrics.js';
import { environmentSettings } from '../adapters/settings.js';

/** The fields of CloudWatch's alarm state-change message (the SNS message is this JSON) that the embed shows. */
const alarmMessageSchema = nonArray(
  v.object({
    AlarmName: v.pipe(v.string(), v.minLength(1)),
    AlarmDescription: v.optional(v.nullable(v.string())),
    NewStateValue: v.picklist(['ALARM', 'OK', 'INSUFFICIENT_DATA']),
    OldStateValue: v.optional(v.string()),
    NewStateReason: v.optional(v.string()),
    StateChangeTime: v.optional(v.string()),
    Region: v.optional(v.string()),
  }),
);
export type AlarmMessage = v.InferOutput<typeof alarmMessageSchema>;

export interface AlarmNotifyDeps {
  readonly discord: DiscordClient;
  /** The operator webhook, else the alert webhook; undefined: nowhere to post (logged, not an error). */
  readonly webhookUrl: () => Promise<string | undefined>;
}

/** What an embed of one topic message is, or why the message cannot be one. */
export type Notification =
  { readonly kind: 'alarm' | 'text'; readonly embed: Embed } | { readonly kind: 'bad'; readonly reason: string };

const STATE_COLOURS: Record<AlarmMessage['NewStateValue'], number> = {
  ALARM: COLOURS.bearish,
  OK: COLOURS.bullish,
  INSUFFICIENT_DATA: COLOURS.neutral,
};

function clip(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
}

/** A CloudWatch alarm's state change: red in ALARM, green back to OK; the description says what to do. */
export function alarmEmbed(alarm: AlarmMessage): Embed {
  const description = [
    alarm.AlarmDescription?.trim() || 'No description: see the alarm in the CloudWatch console.',
    alarm.NewStateValue === 'OK' ? 'Recovered: nothing to do.' : undefined,
    alarm.NewStateReason ? `Why: ${alarm.NewStateReason}` : undefined,
  ]
    .filter((line): line is string => line !== undefined)
    .join('\n\n');
  return {
    title: clip(`${alarm.NewStateValue}: ${alarm.AlarmName}`, EMBED_LIMITS.title),
    description: clip(description, EMBED_LIMITS.description),
    color: STATE_COLOURS[alarm.NewStateValue],
    fields: [
      { name: 'State', value: `${alarm.OldStateValue ?? '?'} → ${alarm.NewStateValue}`, inline: true },
      ...(alarm.StateChangeTime ? [{ name: 'Since', value: alarm.StateChangeTime, inline: true }] : []),
      ...(alarm.Region ? [{ name: 'Region', value: clip(alarm.Region, EMBED_LIMITS.fieldValue), inline: true }] : []),
    ],
    footer: { text: 'scanfleet alarm' },
  };
}

/** A plain-text notification on the topic (AWS Budgets sends these): its subject and text, amber. */
export function textEmbed(subject: string | undefined, text: string): Embed {
  const budget = /budget/i.test(`${subject ?? ''} ${text}`);
  const todo = budget
    ? 'What to do: open Cost Explorer to see which service grew; the budget is scanfleet.budget.monthlyUsd in cdk.json.'
    : undefined;
  const body = todo ? `${todo}\n\n${text.trim()}` : text.trim();
  return {
    title: clip(subject?.trim() || (budget ? 'AWS Budgets notification' : 'Notification'), EMBED_LIMITS.title),
    description: clip(body, EMBED_LIMITS.description),
    color: COLOURS.neutral,
    footer: { text: budget ? 'scanfleet budget' : 'scanfleet alarm topic' },
  };
}

/**
 * One SNS record as one embed: CloudWatch's alarm JSON, or plain text (Budgets). JSON that is not an
 * alarm state change, and an empty message, are bad.
 */
export function notificationOf(record: Pick<SNSEventRecord['Sns'], 'Message' | 'Subject'>): Notification {
  const message = record.Message ?? '';
  if (message.trim() === '') return { kind: 'bad', reason: 'empty message' };
  let json: unknown;
  try {
    json = JSON.parse(message);
  } catch {
    return { kind: 'text', embed: textEmbed(record.Subject ?? undefined, message) };
  }
  const parsed = checkSchema(alarmMessageSchema, json);
  if (!parsed.success) {
    const [issue] = parsed.issues;
    return { kind: 'bad', reason: `not an alarm state change: ${issue.path || 'message'}: ${issue.message}` };
  }
  return { kind: 'alarm', embed: alarmEmbed(parsed.output) };
}

const { logger, metrics } = createTelemetry('alarm-notify');
const isColdStart = coldStartTracker();

/**
 * The alarm topic's Discord channel: each alarm state change or budget notification as one embed
 * on the operator webhook (else the alert webhook). A message that is neither is logged in one
 * line and dropped; a post that fails after the client's retries throws, so Lambda retries the
 * invocation. The webhook URL (its path holds the token) is never logged.
 */
export function createAlarmNotifyHandler(deps: () => AlarmNotifyDeps) {
  const notify = async (event: SNSEvent, _context: Context): Promise<{ posted: number; bad: number }> => {
    const started = performance.now();
    const { discord, webhookUrl } = deps();
    let posted = 0;
    let bad = 0;
    let url: string | undefined;
    for (const record of event.Records ?? []) {
      const notification = notificationOf(record.Sns ?? { Message: '' });
      if (notification.kind === 'bad') {
        bad++;
        logger.warn('alarm-notify: message dropped', {
          reason: notification.reason,
          messageId: record.Sns?.MessageId,
          topic: record.Sns?.TopicArn,
        });
        continue;
      }
      url ??= await webhookUrl();
      if (url === undefined) {
        logger.warn('alarm-notify: no operator or alert webhook configured; nothing posted', {
          kind: notification.kind,
          title: notification.embed.title,
        });
        continue;
      }
      await discord.send(url, 'POST', { embeds: [notification.embed] }, 'operator webhook');
      posted++;
    }
    logger.info('alarm-notify finished', { posted, bad, ...invocationFigures(metrics, started, isColdStart()) });
    return { posted, bad };
  };
  return middy(notify).use(injectLambdaContext(logger)).use(logMetrics(metrics));
}

/** Dependencies from the settings, created once per container. */
export function alarmNotifyDeps(settings = environmentSettings()): AlarmNotifyDeps {
  const discord = discordSettings(settings);
  return {
    discord: new DiscordClient(),
    webhookUrl: async () => (await discord.operatorWebhookUrl()) ?? (await discord.webhookUrl()),
  };
}

let deps: AlarmNotifyDeps | undefined;
export const handler = createAlarmNotifyHandler(() => (deps ??= alarmNotifyDeps()));
