import { discordCommands } from '../../core/discord/discord-commands.js';
import {
  DEFAULT_ADMIN_PERMISSION,
  DISCORD_PERMISSION_NAMES,
  DISCORD_PERMISSIONS,
  isDiscordPermission,
} from '../../core/discord/interaction-context.js';
import { DISCORD_API_URL, DiscordClient } from '../../adapters/discord/discord-client.js';
import { ProviderError } from '../../core/errors.js';
import type { CommandIo } from './symbol-source.js';
import { CommandFailure, UsageError } from './usage-error.js';

const COMMANDS = discordCommands();
/** The commands the admin permission gates (Discord shows them to its holders by default). */
const GATED = COMMANDS.filter((c) => 'default_member_permissions' in c).map((c) => `/${c.name}`);

export const DISCORD_USAGE = `Usage: scanfleet discord register (--guild ID | --global) [--permission NAME]

Registers the slash commands (${COMMANDS.map((c) => `/${c.name}`).join(', ')}) with Discord.
  --guild ID          in one server (its id: 17 to 20 digits), where they appear at once
  --global            in every server the bot is in (they may take up to an hour to appear)
  --permission NAME   who sees ${GATED.join(', ')} by default: ${DISCORD_PERMISSION_NAMES.join(', ')}
                      (default ${DEFAULT_ADMIN_PERMISSION}; use the deployment's discord.adminPermission)
Needs DISCORD_APPLICATION_ID and DISCORD_BOT_TOKEN in the environment.`;

/** A server (guild) id: a Discord snowflake, 17 to 20 decimal digits. */
const SNOWFLAKE = /^\d{17,20}$/;

export async function discordCommand(argv: readonly string[], io: CommandIo): Promise<void> {
  const [sub, ...rest] = argv;
  if (sub === undefined || sub === '-h' || sub === '--help') {
    io.stdout.write(`${DISCORD_USAGE}\n`);
    return;
  }
  if (sub !== 'register') throw new UsageError(`unknown discord command "${sub}"; run "scanfleet discord --help"`);
  let guild: string | undefined;
  let global = false;
  let permission: string = DEFAULT_ADMIN_PERMISSION;
  for (let i = 0; i < rest.length; i++) {
    const arg = rest[i];
    if (arg === '-h' || arg === '--help') {
      io.stdout.write(`${DISCORD_USAGE}\n`);
      return;
    }
    if (arg === '--global') global = true;
    else if (arg === '--guild' || arg === '--permission') {
      const value = rest[++i];
      if (value === undefined) throw new UsageError(`${arg} needs a value`);
      if (arg === '--guild') guild = value;
      else permission = value;
    } else throw new UsageError(`unknown option "${arg}" for discord register`);
  }
  if (guild === undefined && !global)
    throw new UsageError('discord register needs --guild ID (one server) or --global (every server)');
  if (guild !== undefined && global) throw new UsageError('discord register takes --guild ID or --global, not both');
  if (guild !== undefined && !SNOWFLAKE.test(guild))
    throw new UsageError(`--guild must be a server id (a snowflake of 17 to 20 digits), got "${guild.slice(0, 40)}"`);
  if (!isDiscordPermission(permission))
    throw new UsageError(
      `--permission must be one of ${DISCORD_PERMISSION_NAMES.join(', ')}, got "${permission.slice(0, 40)}"`,
    );
  const applicationId = io.env.DISCORD_APPLICATION_ID;
  const token = io.env.DISCORD_BOT_TOKEN;
  if (!applicationId || !/^\d{5,25}$/.test(applicationId))
    throw new UsageError(
      'set DISCORD_APPLICATION_ID to your application id (digits, from the Discord developer portal)',
    );
  if (!token) throw new UsageError('set DISCORD_BOT_TOKEN to your bot token (Discord developer portal → Bot)');
  const base = (io.env.DISCORD_API_URL ?? DISCORD_API_URL).replace(/\/$/, '');
  const url = `${base}/applications/${applicationId}${guild ? `/guilds/${guild}` : ''}/commands`;
  // PUT replaces the whole set: commands removed here disappear from Discord too.
  const registered = (await new DiscordClient()
    .send(url, 'PUT', discordCommands(permission), 'command registration', { authorization: `Bot ${token}` })
    .catch((error: unknown) => {
      // Discord down, unreachable or refusing the token: one line, exit 1.
      if (error instanceof ProviderError) throw new CommandFailure(`Discord: ${error.message}`, { cause: error });
      throw error;
    })) as { name: string }[];
  io.stdout.write(
    `Registered ${registered.length} commands ${guild ? `in server ${guild}` : 'globally (they may take up to an hour to appear)'}: ${registered.map((c) => `/${c.name}`).join(', ')}; /subscribe, /unsubscribe, /scan-now, /pause, /resume and /watch add|remove for members with ${DISCORD_PERMISSIONS[permission].label}\n`,
  );
}
