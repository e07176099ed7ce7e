/** Discord's epoch (2015-01-01T00:00:00Z): a snowflake's top 42 bits count milliseconds from it. */
const DISCORD_EPOCH_MS = 1_420_070_400_000n;

/** The instant a Discord id (a snowflake, decimal) was made, or undefined if it is not one. */
export function snowflakeTime(id: string): Date | undefined {
  if (!/^\d{15,20}$/.test(id)) return undefined;
  const ms = (BigInt(id) >> 22n) + DISCORD_EPOCH_MS;
  return new Date(Number(ms));
}

/** The permission bits scanfleet checks (Discord's documented values). */
export const PERMISSIONS = { administrator: 1n << 3n, manageGuild: 1n << 5n } as const;

/** The `default_member_permissions` of the commands that change how scanfleet runs: Manage Server. */
export const MANAGE_SERVER_PERMISSION = String(PERMISSIONS.manageGuild);

/**
 * Whether a member's permissions (the interaction's `member.permissions`, a decimal bitfield)
 * include Manage Server, or Administrator (which implies every permission). Anything that is not
 * a bitfield grants nothing.
 */
export function canManageServer(permissions: string | undefined): boolean {
  if (permissions === undefined || !/^\d{1,40}$/.test(permissions)) return false;
  const bits = BigInt(permissions);
  return (bits & (PERMISSIONS.manageGuild | PERMISSIONS.administrator)) !== 0n;
}
