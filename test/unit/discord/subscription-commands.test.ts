import { describe, expect, it } from 'vitest';
import type { Subscription } from '../../../functions/core/lists/subscription-rules.js';
import type { SubscriptionRoutes } from '../../../functions/adapters/store/subscription-store.js';
import { subscriptionsCommand, type SubscriptionDeps } from '../../../functions/discord/subscription-commands.js';

// /subscriptions over fixed routes: the configured webhook's three states, and a list longer than
// a message.
function deps(routes: SubscriptionRoutes, webhookUrl?: string): SubscriptionDeps {
  return {
    subscriptions: { routes: async () => routes },
    settings: { webhookUrl: async () => webhookUrl },
    askListsWriter: async () => {
      throw new Error('/subscriptions changes nothing');
    },
  };
}

const subscription = (n: number): Subscription => ({
  id: n.toString(16).padStart(8, '0'),
  scanner: 'ttm-squeeze',
  signal: 'fired_long',
  list: 'semis',
  channelId: '900000000000000001',
  guildId: '777000111',
  webhookLast4: '0042',
  createdBy: '@alice',
  createdAt: '2026-11-30T19:40:12.345Z',
});

describe('/subscriptions', () => {
  it('says when no alert webhook is configured', async () => {
    expect(await subscriptionsCommand(deps({ subscriptions: [] }))).toEqual({
      content: '`configured` none configured: the stack has no alert webhook',
    });
  });

  it('shows the configured webhook by its id’s last 4 digits, never its URL', async () => {
    const url = `https://discord.com/api/webhooks/000000000000001234/${'FAKE-TOKEN'.padEnd(68, 'x')}`;
    const { content } = await subscriptionsCommand(deps({ subscriptions: [subscription(1)] }, url));
    expect(content).toBe(
      "`configured` every signal of every list → the stack's alert webhook …1234\n" +
        '`00000001` ttm-squeeze fired_long · list semis → <#900000000000000001> (webhook …0042), by @alice at 2026-11-30 14:40 EST',
    );
    expect(content).not.toContain('FAKE-TOKEN');
  });

  it('says who removed the configured webhook’s subscription, and when, configured or not', async () => {
    const removed = { subscriptions: [], configuredRemoved: { by: '@bob', at: '2026-11-30T20:01:00.000Z' } };
    for (const url of [undefined, 'https://discord.com/api/webhooks/000000000000001234/token'])
      expect((await subscriptionsCommand(deps(removed, url))).content).toBe(
        '`configured` every signal of every list: removed by @bob at 2026-11-30 15:01 EST',
      );
  });

  it('cuts 50 subscriptions at Discord’s 2,000 characters, the configured line kept, saying how many were left out', async () => {
    const all = Array.from({ length: 50 }, (_, i) => subscription(i + 1));
    const { content } = await subscriptionsCommand(deps({ subscriptions: all }));
    const lines = (content as string).split('\n');
    expect((content as string).length).toBeLessThanOrEqual(2000);
    expect(lines[0]).toBe('`configured` none configured: the stack has no alert webhook');
    expect(lines.at(-1)).toBe(`… and ${51 - (lines.length - 1)} more`);
    expect(lines.slice(1, -1)).toEqual(
      all
        .slice(0, lines.length - 2)
        .map(
          (s) =>
            `\`${s.id}\` ttm-squeeze fired_long · list semis → <#900000000000000001> (webhook …0042), by @alice at 2026-11-30 14:40 EST`,
        ),
    );
  });
});
