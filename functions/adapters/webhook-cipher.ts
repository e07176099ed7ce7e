import { createCipheriv, createDecipheriv, hkdfSync, randomBytes } from 'node:crypto';
import { ProviderError } from '../core/errors.js';
import type { AwsJsonCaller } from './aws/aws-json.js';
import { secretJson } from './secret-json.js';
import type { Settings } from './settings.js';

/** Encrypts and decrypts subscriptions' webhook URLs (credentials: a URL's path holds its token). */
export interface WebhookCipher {
  /** `v1.<iv>.<ciphertext>.<tag>` (base64url), bound to `context` (the subscription's id). */
  seal(url: string, context: string): Promise<string>;
  /** The URL; throws when the text was not sealed with this key and context (a ProviderError, no content). */
  open(sealed: string, context: string): Promise<string>;
}

const INFO = 'scanfleet subscription webhook v1';

/**
 * AES-256-GCM, its key derived (HKDF-SHA-256) from a secret string: the stack generates one in
 * Secrets Manager ({"key": "…"}), read once per container; locally a key from the settings.
 * A fresh 12-byte IV a seal; the subscription's id is the additional data, so a sealed URL copied
 * onto another subscription does not open.
 */
export function webhookCipher(secret: () => Promise<string>): WebhookCipher {
  let key: Promise<Buffer> | undefined;
  const keyOf = () =>
    (key ??= secret()
      .then((text) => Buffer.from(hkdfSync('sha256', text, '', INFO, 32)))
      .catch((error: unknown) => {
        key = undefined;
        throw error;
      }));
  return {
    async seal(url, context) {
      const iv = randomBytes(12);
      const cipher = createCipheriv('aes-256-gcm', await keyOf(), iv);
      cipher.setAAD(Buffer.from(context));
      const data = Buffer.concat([cipher.update(url, 'utf8'), cipher.final()]);
      return ['v1', iv, data, cipher.getAuthTag()]
        .map((p) => (typeof p === 'string' ? p : p.toString('base64url')))
        .join('.');
    },
    async open(sealed, context) {
      const [version, iv, data, tag] = sealed.split('.');
      if (version !== 'v1' || !iv || !data || !tag)
        throw new ProviderError('subscriptions', `subscription ${context}: its webhook is not sealed in a known form`);
      try {
        const decipher = createDecipheriv('aes-256-gcm', await keyOf(), Buffer.from(iv, 'base64url'));
        decipher.setAAD(Buffer.from(context));
        decipher.setAuthTag(Buffer.from(tag, 'base64url'));
        return Buffer.concat([decipher.update(Buffer.from(data, 'base64url')), decipher.final()]).toString('utf8');
      } catch {
        throw new ProviderError(
          'subscriptions',
          `subscription ${context}: its webhook does not open with this stack's key (was the key secret replaced?)`,
        );
      }
    },
  };
}

/** The cipher from the settings: the stack's generated secret, or a key given locally; undefined without either. */
export function settingsCipher(
  settings: Pick<Settings, 'subscriptionKeySecretId' | 'subscriptionKey'>,
  secrets?: () => AwsJsonCaller,
): WebhookCipher | undefined {
  const { subscriptionKeySecretId: secretId, subscriptionKey } = settings;
  // Folded where bundled: a stack without Discord has no subscriptions, and no reader of their key's secret.
  if (process.env.SCANFLEET_BUNDLED_DISCORD !== 'none' && secretId) {
    const read = secretJson(secretId, secrets);
    return webhookCipher(async () => {
      const key = (await read()).key;
      if (typeof key !== 'string' || key.length < 32)
        throw new ProviderError('subscriptions', `secret ${secretId} lacks a "key" of 32 characters or more`);
      return key;
    });
  }
  return subscriptionKey ? webhookCipher(async () => subscriptionKey) : undefined;
}
