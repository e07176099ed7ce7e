import middy from '@middy/core';
import type { APIGatewayProxyEventV2, Context } from 'aws-lambda';
import { InteractionResponseType, InteractionType } from 'discord-interactions';
import { type Invoker, lambdaInvoker, lambdaRequester, type Requester } from '../adapters/aws/lambda-invoker.js';
import { DISCORD_API_URL, DiscordClient } from '../adapters/discord/discord-client.js';
import { type DiscordSettings, discordSettings } from '../adapters/discord/discord-settings.js';
import { MAX_BODY_BYTES, verifyDiscordRequest } from '../adapters/discord/verify-request.js';
import { coldStartTracker, createTelemetry, invocationFigures } from '../adapters/observability.js';
import { injectLambdaContext } from '../adapters/telemetry/logger.js';
import { logMetrics } from '../adapters/telemetry/metrics.js';
import { createDocumentClient } from '../adapters/store/dynamodb-client.js';
import { openStoresWithLists, readStores } from '../adapters/store/stores.js';
import { environmentSettings, required, type Settings } from '../adapters/settings.js';
import {
  type CommandData,
  type CommandDeps,
  type Invocation,
  listsWriterChange,
  runCommand,
  symbolLookupDue,
} from './commands.js';
import type { ListsWriterAnswer } from '../lists-writer/handler.js';

/** Discord's message flag: shown to the member who ran the command alone. */
const EPHEMERAL = 64;
/** How long a change waits for the lists-writer: within the follow-up invocation's 10 s. */
const LISTS_WRITER_TIMEOUT_MS = 8_000;

interface DiscordUser {
  readonly id?: string;
  readonly username?: string;
}

export interface Interaction {
  readonly type: number;
  /** The interaction's id (a snowflake). */
  readonly id?: string;
  readonly application_id: string;
  readonly token: string;
  readonly data?: CommandData;
  /** Set when it comes from a server: the server, and the member with their permissions there. */
  readonly guild_id?: string;
  readonly member?: { readonly permissions?: string; readonly user?: DiscordUser };
  /** Set in a direct message. */
  readonly user?: DiscordUser;
}

export interface DiscordDeps extends CommandDeps {
  readonly settings: DiscordSettings;
  readonly discord: DiscordClient;
  readonly apiUrl: string;
  /** Finishes a command asynchronously (a new invocation) and edits the deferred reply. */
  readonly deferToSelf: (interaction: Interaction) => Promise<void>;
  /** Discord wants an answer within 3 s; a command still running after this is deferred. */
  readonly deadlineMs: number;
}

interface HttpResponse {
  statusCode: number;
  headers: Record<string, string>;
  body: string;
}

const { logger, metrics } = createTelemetry('discord');
const isColdStart = coldStartTracker();
const reply = (status: number, body: unknown): HttpResponse => ({
  statusCode: status,
  headers: { 'content-type': 'application/json' },
  body: JSON.stringify(body),
});

/**
 * POST /discord/interactions: the signature is checked before anything else, then PING is
 * answered and slash commands run. `{ followUp }` events (from deferToSelf) finish a deferred
 * command and edit its original response through the interaction webhook.
 */
export function createDiscordHandler(deps: () => DiscordDeps) {
  const discord = async (
    event: APIGatewayProxyEventV2 | { followUp: Interaction },
    _context: Context,
  ): Promise<HttpResponse | undefined> => {
    const started = performance.now();
    const { settings } = deps();
    if ('followUp' in event) {
      await followUp(event.followUp, deps());
      return undefined;
    }
    const headers: Record<string, string> = {};
    for (const [name, value] of Object.entries(event.headers ?? {}))
      if (value !== undefined) headers[name.toLowerCase()] = value;
    const encoding = event.isBase64Encoded ? 'base64' : 'utf8';
    // Measured before it is decoded: an oversized body is refused without a copy of it made.
    if (Buffer.byteLength(event.body ?? '', encoding) > MAX_BODY_BYTES) {
      logger.warn('interaction refused', { reason: 'body too large', status: 413 });
      return reply(413, { error: 'body too large' });
    }
    const body = Buffer.from(event.body ?? '', encoding);
    const publicKey = await settings.publicKey();
    if (!publicKey) return reply(503, { error: 'Discord is not configured (no application public key)' });
    const verdict = await verifyDiscordRequest(headers, body, publicKey, deps().now());
    if (!verdict.ok) {
      logger.warn('interaction refused', { reason: verdict.reason, status: verdict.status });
      return reply(verdict.status, { error: verdict.reason });
    }
    let parsed: unknown;
    try {
      parsed = JSON.parse(body.toString('utf8'));
    } catch {
      return reply(400, { error: 'body is not JSON' });
    }
    if (!isInteraction(parsed)) return reply(400, { error: 'body is not an interaction' });
    const interaction = parsed;
    let response: HttpResponse;
    if (interaction.type === InteractionType.PING) {
      response = reply(200, { type: InteractionResponseType.PONG });
    } else if (interaction.type === InteractionType.APPLICATION_COMMAND && interaction.data) {
      response = reply(200, await answer(interaction, deps()));
    } else {
      response = reply(400, { error: `unsupported interaction type ${Number(interaction.type)}` });
    }
    logger.info('interaction', {
      type: interaction.type,
      command: interaction.data?.name,
      status: response.statusCode,
      ...invocationFigures(metrics, started, isColdStart()),
    });
    return response;
  };
  return middy(discord).use(injectLambdaContext(logger)).use(logMetrics(metrics));
}

/** The fields the handler reads, of the types it reads them as: anything else is a 400, not a crash. */
function isInteraction(value: unknown): value is Interaction {
  if (typeof value !== 'object' || value === null || typeof (value as { type?: unknown }).type !== 'number')
    return false;
  const data = (value as { data?: unknown }).data;
  if (data === undefined || data === null) return true;
  if (typeof data !== 'object' || typeof (data as { name?: unknown }).name !== 'string') return false;
  const options = (data as { options?: unknown }).options;
  if (options !== undefined && !(Array.isArray(options) && options.every((o) => typeof o === 'object' && o !== null)))
    return false;
  const { id, guild_id: guild, member, user } = value as Record<string, unknown>;
  const text = (v: unknown) => v === undefined || typeof v === 'string';
  const isUser = (v: unknown) =>
    v === undefined ||
    (typeof v === 'object' && v !== null && text((v as DiscordUser).id) && text((v as DiscordUser).username));
  const isMember = (v: unknown) =>
    v === undefined ||
    (typeof v === 'object' &&
      v !== null &&
      text((v as { permissions?: unknown }).permissions) &&
      isUser((v as { user?: unknown }).user));
  return text(id) && text(guild) && isMember(member) && isUser(user);
}

/** Who runs the command, and where, as the commands see it. */
function invocationOf(interaction: Interaction): Invocation {
  const user = interaction.member?.user ?? interaction.user;
  return {
    id: interaction.id,
    guildId: interaction.guild_id,
    permissions: interaction.member?.permissions,
    userId: user?.id,
    userName: user?.username,
  };
}

/** The command's message if it is ready in time; otherwise a deferred reply, finished elsewhere. */
async function answer(interaction: Interaction, deps: DiscordDeps): Promise<unknown> {
  // A change is made once, in the follow-up: never started here and repeated there.
  const change = listsWriterChange(interaction.data as CommandData);
  if (change) {
    await deps.deferToSelf(interaction);
    return {
      type: InteractionResponseType.DEFERRED_CHANNEL_MESSAGE_WITH_SOURCE,
      ...(change === 'private' && { data: { flags: EPHEMERAL } }),
    };
  }
  // An on-demand /symbol lookup is claimed here and made once, in the follow-up.
  const lookup = await symbolLookupDue(interaction.data as CommandData, deps, invocationOf(interaction));
  if (lookup === 'defer') {
    await deps.deferToSelf(interaction);
    return { type: InteractionResponseType.DEFERRED_CHANNEL_MESSAGE_WITH_SOURCE };
  }
  if (lookup) return { type: InteractionResponseType.CHANNEL_MESSAGE_WITH_SOURCE, data: lookup };
  const command = runCommand(interaction.data as CommandData, deps, invocationOf(interaction)).then((data) => ({
    type: InteractionResponseType.CHANNEL_MESSAGE_WITH_SOURCE,
    data,
  }));
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<'late'>((resolve) => (timer = setTimeout(() => resolve('late'), deps.deadlineMs)));
  const first = await Promise.race([command, late]).finally(() => clearTimeout(timer));
  if (first !== 'late') return first;
  command.catch(() => undefined); // its result is no longer wanted here
  await deps.deferToSelf(interaction);
  return { type: InteractionResponseType.DEFERRED_CHANNEL_MESSAGE_WITH_SOURCE };
}

async function followUp(interaction: Interaction, deps: DiscordDeps): Promise<void> {
  const data = await runCommand(interaction.data as CommandData, deps, invocationOf(interaction)).catch(
    (error: Error) => ({
      content: `Sorry, that failed: ${error.message}`.slice(0, 2000),
    }),
  );
  const url = `${deps.apiUrl}/webhooks/${encodeURIComponent(interaction.application_id)}/${encodeURIComponent(interaction.token)}/messages/@original`;
  await deps.discord.send(url, 'PATCH', data, 'interaction follow-up');
  logger.info('follow-up sent', { command: interaction.data?.name });
}

/**
 * Dependencies from the settings, created once per container. The local runtime overrides how a
 * scan starts and how a command is deferred (in its own process): DISPATCH_FUNCTION and the
 * function's own name are needed only when they are not.
 */
export function discordDeps(settings: Settings, overrides: Partial<DiscordDeps> = {}): DiscordDeps {
  const client = createDocumentClient(settings.dynamodbEndpoint);
  const tableName = required(settings, 'tableName');
  // The stores keep the handler's time (a pause is stamped with it).
  const now = overrides.now ?? (() => new Date());
  const stores = openStoresWithLists(client, { tableName, now });
  return {
    ...readStores(stores),
    control: stores.control,
    intradayAlerts: settings.alertsIntraday,
    schedulesEnabled: settings.schedulesEnabled,
    provider: settings.provider,
    settings: discordSettings(settings),
    discord: new DiscordClient(),
    apiUrl: settings.discordApiUrl ?? DISCORD_API_URL,
    startScan: overrides.startScan ?? startScanVia(lambdaInvoker(required(settings, 'dispatchFunction'))),
    deferToSelf: overrides.deferToSelf ?? followUpVia(lambdaInvoker(required(settings, 'functionName'))),
    askListsWriter: overrides.askListsWriter ?? listsWriterVia(settings),
    schedules: settings.schedules,
    timeZone: settings.scheduleTimeZone,
    adminPermission: settings.discordAdminPermission,
    scanNowCooldownMs: settings.scanNowCooldownMinutes * 60_000,
    deadlineMs: 2500,
    now,
    ...overrides,
  };
}

const startScanVia =
  (invoke: Invoker): DiscordDeps['startScan'] =>
  (watchlist, scheduledAt, requestId) =>
    invoke({ watchlist, kind: 'manual', scheduledAt: scheduledAt.toISOString(), ...(requestId && { requestId }) });

/** The lists-writer, asked and waited for (within the follow-up's 10 s); made on the first change asked of it. */
function listsWriterVia(settings: Settings): DiscordDeps['askListsWriter'] {
  let request: Requester | undefined;
  return async (change) => {
    request ??= lambdaRequester(required(settings, 'listsWriterFunction'), { timeoutMs: LISTS_WRITER_TIMEOUT_MS });
    return (await request(change)) as ListsWriterAnswer;
  };
}

const followUpVia =
  (invoke: Invoker): DiscordDeps['deferToSelf'] =>
  (interaction) =>
    invoke({ followUp: interaction });

let deps: DiscordDeps | undefined;
export const handler = createDiscordHandler(() => (deps ??= discordDeps(environmentSettings())));
