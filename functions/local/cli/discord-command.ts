import { DISCORD_COMMANDS } from '../../core/discord/discord-commands.js';
import { DISCORD_API_URL, DiscordClient } from '../../adapters/discord/discord-client.js';
import type { CommandIo } from './scan-command.js';
import { UsageError } from './usage-error.js';

export const DISCORD_USAGE = `Usage: scanfleet discord register [--guild ID]

Registers the slash commands (/scan, /symbol, /status, /scan-now, /pause, /resume) with Discord:
globally, or in one server (guild) with --guild, where they appear at once. Needs DISCORD_APPLICATION_ID and
DISCORD_BOT_TOKEN in the environment.`;

export async function discordCommand(argv: readonly string[], io: CommandIo): Promise<void> {
  const [sub, ...rest] = argv;
  if (sub === undefined || sub === '-h' || sub === '--help') {
    io.stdout.write(`${DISCORD_USAGE}\n`);
    return;
  }
  if (sub !== 'register') throw new UsageError(`unknown discord command "${sub}"; run "scanfleet discord --help"`);
  let guild: string | undefined;
  for (let i = 0; i < rest.length; i++) {
    if (rest[i] === '--guild') guild = rest[++i];
    else throw new UsageError(`unknown option "${rest[i]}" for discord register`);
  }
  if (guild !== undefined && !/^\d{5,25}$/.test(guild))
    throw new UsageError(`--guild must be a server id (digits), got "${guild ?? ''}"`);
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
  const registered = (await new DiscordClient().send(url, 'PUT', DISCORD_COMMANDS, 'command registration', {
    authorization: `Bot ${token}`,
  })) as { name: string }[];
  io.stdout.write(
    `Registered ${registered.length} commands ${guild ? `in server ${guild}` : 'globally (they may take up to an hour to appear)'}: ${registered.map((c) => `/${c.name}`).join(', ')}\n`,
  );
}
