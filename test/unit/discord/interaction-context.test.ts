import { describe, expect, it } from 'vitest';
import {
  canManageServer,
  MANAGE_SERVER_PERMISSION,
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

describe('who may pause', () => {
  it.each([
    ['32', true], // Manage Server
    ['8', true], // Administrator
    ['2147483680', true], // 0x80000020: Manage Server among other bits
    ['1099511627775', true], // every permission
    ['2048', false], // Send Messages
    ['16', false], // Manage Channels: bit 4, not 5
    ['0', false],
    [undefined, false],
    ['thirty-two', false],
    ['-32', false],
  ])('permissions %s → %s', (permissions, allowed) => {
    expect(canManageServer(permissions)).toBe(allowed);
  });

  it('registers /pause and /resume for Manage Server by default', () => {
    expect(MANAGE_SERVER_PERMISSION).toBe('32');
  });
});
