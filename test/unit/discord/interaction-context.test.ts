import { describe, expect, it } from 'vitest';
import { discordCommands } from '../../../functions/core/discord/discord-commands.js';
import {
  hasPermission,
  isDiscordPermission,
  permissionBits,
  snowflakeTime,
} from '../../../functions/core/discord/interaction-context.js';

describe('a Discord id’s timestamp', () => {
  it('reads the instant from the id (Discord’s documented example id)', () => {
    // discord.com/developers/docs/reference#snowflakes: 175928847299117063 was made at 2016-04-30T11:18:25.796Z.
    expect(snowflakeTime('175928847299117063')?.toISOString()).toBe('2016-04-30T11:18:25.796Z');
  });

  it('is the same for the same id, and nothing for what is not an id', () => {
    expect(snowflakeTime('1310000000000000000')).toEqual(snowflakeTime('1310000000000000000'));
    for (const bad of ['', 'abc', '12', '-175928847299117063', '1759288472991170631234'])
      expect(snowflakeTime(bad)).toBeUndefined();
  });
});

describe('who may change how scanfleet runs', () => {
  it.each([
    ['32', 'MANAGE_GUILD', true], // Manage Server
    ['8', 'MANAGE_GUILD', true], // Administrator
    ['2147483680', 'MANAGE_GUILD', true], // 0x80000020: Manage Server among other bits
    ['1099511627775', 'MANAGE_GUILD', true], // every permission
    ['2048', 'MANAGE_GUILD', false], // Send Messages
    ['16', 'MANAGE_GUILD', false], // Manage Channels: bit 4, not 5
    ['0', 'MANAGE_GUILD', false],
    [undefined, 'MANAGE_GUILD', false],
    ['thirty-two', 'MANAGE_GUILD', false],
    ['-32', 'MANAGE_GUILD', false],
    ['32', 'ADMINISTRATOR', false], // Manage Server is not enough when Administrator is asked
    ['8', 'ADMINISTRATOR', true],
    ['1099511627776', 'MODERATE_MEMBERS', true], // bit 40: beyond 32 bits
    ['32', 'MODERATE_MEMBERS', false],
  ] as const)('permissions %s, %s required → %s', (permissions, required, allowed) => {
    expect(hasPermission(permissions, required)).toBe(allowed);
  });

  it('names a permission as Discord does, and registers its bit as a decimal string', () => {
    expect(permissionBits('MANAGE_GUILD')).toBe('32');
    expect(permissionBits('ADMINISTRATOR')).toBe('8');
    expect(permissionBits('MODERATE_MEMBERS')).toBe('1099511627776');
    for (const name of ['MANAGE_GUILD', 'ADMINISTRATOR', 'KICK_MEMBERS']) expect(isDiscordPermission(name)).toBe(true);
    for (const name of ['manage_guild', 'Manage Server', '32', 'toString', ''])
      expect(isDiscordPermission(name)).toBe(false);
  });

  it('registers /subscribe, /unsubscribe, /scan-now, /pause and /resume for the admin permission, in servers only; /watch and /subscriptions in servers for everyone (the changes of /watch checked by the handler); the rest for everyone', () => {
    const gated = (commands: ReturnType<typeof discordCommands>) =>
      commands.map((c) => [
        c.name,
        (c as { default_member_permissions?: string }).default_member_permissions,
        (c as { contexts?: number[] }).contexts,
      ]);
    expect(gated(discordCommands())).toEqual([
      ['scan', undefined, undefined],
      ['symbol', undefined, undefined],
      ['scorecard', undefined, undefined],
      ['top', undefined, undefined],
      ['status', undefined, undefined],
      ['watch', undefined, [0]],
      ['subscribe', '32', [0]],
      ['unsubscribe', '32', [0]],
      ['subscriptions', undefined, [0]],
      ['scan-now', '32', [0]],
      ['pause', '32', [0]],
      ['resume', '32', [0]],
    ]);
    expect(gated(discordCommands('ADMINISTRATOR')).filter(([, bits]) => bits !== undefined)).toEqual([
      ['subscribe', '8', [0]],
      ['unsubscribe', '8', [0]],
      ['scan-now', '8', [0]],
      ['pause', '8', [0]],
      ['resume', '8', [0]],
    ]);
  });
});
