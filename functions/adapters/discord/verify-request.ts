import { verifyKey } from 'discord-interactions';

/** Requests signed longer ago than this are refused as replays. */
export const MAX_SIGNATURE_AGE_SECONDS = 300;
/** Interactions are small; anything larger is refused before it is looked at. */
export const MAX_BODY_BYTES = 64 * 1024;

export type Verdict = { ok: true } | { ok: false; status: 400 | 401 | 413; reason: string };

/**
 * Discord's Ed25519 signature over timestamp + raw body, checked before anything else: missing,
 * malformed, tampered or stale (older than 5 minutes) requests are refused.
 */
export async function verifyDiscordRequest(
  headers: Record<string, string>,
  body: Buffer,
  publicKey: string,
  now: Date,
): Promise<Verdict> {
  if (body.length > MAX_BODY_BYTES) return { ok: false, status: 413, reason: 'body too large' };
  const signature = headers['x-signature-ed25519'];
  const timestamp = headers['x-signature-timestamp'];
  if (!signature || !timestamp) return { ok: false, status: 401, reason: 'missing signature headers' };
  if (!/^[0-9a-f]{128}$/i.test(signature)) return { ok: false, status: 401, reason: 'malformed signature' };
  if (!/^\d{1,12}$/.test(timestamp)) return { ok: false, status: 401, reason: 'malformed timestamp' };
  const age = now.getTime() / 1000 - Number(timestamp);
  if (Math.abs(age) > MAX_SIGNATURE_AGE_SECONDS) return { ok: false, status: 401, reason: 'stale timestamp' };
  const valid = await verifyKey(body, signature, timestamp, publicKey).catch(() => false);
  return valid ? { ok: true } : { ok: false, status: 401, reason: 'invalid signature' };
}
