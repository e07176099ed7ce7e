/** Discord's epoch (2015-01-01T00:00:00Z): a snowflake's top 42 bits count milliseconds from it. */
const DISCORD_EPOCH_MS = 1_420_070_400_000n;

/** The instant a Discord id (a snowflake, decimal) was made, or undefined if it is not one. */
export function snowflakeTime(id: string): Date | undefined {
  if (!/^\d{15,20}$/.test(id)) return undefined;
  const ms = (BigInt(id) >> 22n) + DISCORD_EPOCH_MS;
  return new Date(Number(ms));
}

/**
 * The permissions a server may require to run the commands that change how scanfleet runs (config
 * discord.adminPermission), by Discord's names, with their documented bits and the names its
 * client shows. Administrator implies every one.
 */
export const DISCORD_PERMISSIONS = {
  ADMINISTRATOR: { bit: 1n << 3n, label: 'Administrator' },
  MANAGE_GUILD: { bit: 1n << 5n, label: 'Manage Server' },
  MANAGE_CHANNELS: { bit: 1n << 4n, label: 'Manage Channels' },
  MANAGE_ROLES: { bit: 1n << 28n, label: 'Manage Roles' },
  MANAGE_WEBHOOKS: { bit: 1n << 29n, label: 'Manage Webhooks' },
  MANAGE_MESSAGES: { bit: 1n << 13n, label: 'Manage Messages' },
  MANAGE_EVENTS: { bit: 1n << 33n, label: 'Manage Events' },
  KICK_MEMBERS: { bit: 1n << 1n, label: 'Kick Members' },
  BAN_MEMBERS: { bit: 1n << 2n, label: 'Ban Members' },
  MODERATE_MEMBERS: { bit: 1n << 40n, label: 'Timeout Members' },
} as const;

export type DiscordPermission = keyof typeof DISCORD_PERMISSIONS;
export const DISCORD_PERMISSION_NAMES = Object.keys(DISCORD_PERMISSIONS) as [DiscordPermission, ...DiscordPermission[]];

export const isDiscordPermission = (name: string): name is DiscordPermission =>
  Object.hasOwn(DISCORD_PERMISSIONS, name);

/** Manage Server: who may /scan-now, /pause and /resume unless the configuration says otherwise. */
export const DEFAULT_ADMIN_PERMISSION: DiscordPermission = 'MANAGE_GUILD';

/** A command's `default_member_permissions`: the permission's bit, as Discord's decimal string. */
export const permissionBits = (permission: DiscordPermission) => String(DISCORD_PERMISSIONS[permission].bit);

/**
 * Whether a member's permissions (the interaction's `member.permissions`, a decimal bitfield)
 * include `permission`, or Administrator (which implies every permission). Anything that is not
 * a bitfield grants nothing.
 */
export function hasPermission(permissions: string | undefined, permission: DiscordPermission): boolean {
  if (permissions === undefined || !/^\d{1,40}$/.test(permissions)) return false;
  const bits = BigInt(permissions);
  return (bits & (DISCORD_PERMISSIONS[permission].bit | DISCORD_PERMISSIONS.ADMINISTRATOR.bit)) !== 0n;
}

/** Minutes between two /scan-now runs of one server, unless configured (discord.scanNowCooldownMinutes). */
export const DEFAULT_SCAN_NOW_COOLDOWN_MINUTES = 10;
/** The longest cooldown a deployment may set: a day (a claim is kept a day past its cooldown). */
export const MAX_SCAN_NOW_COOLDOWN_MINUTES = 24 * 60;
