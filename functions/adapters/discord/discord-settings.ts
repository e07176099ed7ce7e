import type { Settings } from '../settings.js';
import { secretJson } from '../secret-json.js';
import { checkBundledDiscord } from '../bundled.js';

export interface DiscordSettings {
  /** The application's Ed25519 public key (hex), for verifying interactions. */
  publicKey(): Promise<string | undefined>;
  /** The channel webhook alerts go to; undefined turns alerts off. */
  webhookUrl(): Promise<string | undefined>;
  /** Where failures and alarms are told; undefined: the alert webhook takes them. */
  operatorWebhookUrl(): Promise<string | undefined>;
}

/**
 * From Secrets Manager ({"publicKey", "webhookUrl", "operatorWebhookUrl"}) when a secret is named,
 * else the settings' own (the stack sets none of them: without its Discord secret, alerts are off).
 */
export function discordSettings(
  settings: Pick<Settings, 'discordSecretId' | 'discordPublicKey' | 'discordWebhookUrl' | 'discordOperatorWebhookUrl'>,
): DiscordSettings {
  const secretId = settings.discordSecretId;
  checkBundledDiscord(secretId, process.env.SCANFLEET_BUNDLED_DISCORD);
  // Folded where bundled: a stack without a Discord secret has no reader of one (nor its client).
  if (process.env.SCANFLEET_BUNDLED_DISCORD !== 'none' && secretId) {
    const read = secretJson(secretId);
    const field = async (key: string) => {
      const value = (await read())[key];
      return typeof value === 'string' && value.length > 0 ? value : undefined;
    };
    return {
      publicKey: () => field('publicKey'),
      webhookUrl: () => field('webhookUrl'),
      operatorWebhookUrl: () => field('operatorWebhookUrl'),
    };
  }
  return {
    publicKey: async () => settings.discordPublicKey,
    webhookUrl: async () => settings.discordWebhookUrl,
    operatorWebhookUrl: async () => settings.discordOperatorWebhookUrl,
  };
}
