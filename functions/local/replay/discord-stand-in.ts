import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface WebhookPost {
  readonly content?: string;
  readonly embeds?: { title?: string; description?: string }[];
}

export interface DiscordStandIn {
  /** A channel webhook URL on loopback. */
  readonly webhookUrl: string;
  /** Every message posted, in order. */
  readonly posts: WebhookPost[];
  close(): Promise<void>;
}

/**
 * Discord's channel webhook on loopback, for the replay: it answers a POST as Discord does
 * (204 No Content) and keeps the message, so a replay shows what the channel would have got.
 */
export async function startDiscordStandIn(): Promise<DiscordStandIn> {
  const posts: WebhookPost[] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      if (req.method !== 'POST' || !/^\/api\/webhooks\/\d+\/[\w-]+$/.test(req.url ?? '')) {
        res
          .writeHead(404, { 'content-type': 'application/json' })
          .end(JSON.stringify({ message: '404: Not Found', code: 0 }));
        return;
      }
      posts.push(JSON.parse(Buffer.concat(chunks).toString('utf8')) as WebhookPost);
      res.writeHead(204).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  return {
    webhookUrl: `http://127.0.0.1:${(server.address() as AddressInfo).port}/api/webhooks/1/replay`,
    posts,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** How many alerted events a posted message carries: a line each, and "… and N more" for the rest. */
export function alertCount(post: WebhookPost): number {
  let count = 0;
  for (const embed of post.embeds ?? []) {
    for (const line of (embed.description ?? '').split('\n')) {
      const more = /^… and (\d+) more$/.exec(line);
      if (more) count += Number(more[1]);
      else if (line.startsWith('**')) count++;
    }
  }
  return count;
}
