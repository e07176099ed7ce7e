import type { ProviderName } from './market-data/providers.js';
import { ENV, SettingsError } from './settings.js';

// What a bundle was built for. The stack's bundles have `process.env.SCANFLEET_BUNDLED_PROVIDER`
// and `process.env.SCANFLEET_BUNDLED_DISCORD` replaced by constants (esbuild's define, from the
// config: lib/bundling.ts) and carry only the code those select; unbundled (tests, the CLI, the dev
// server) neither is set and every provider and feature is there. The branches write the
// expressions out where they decide: the minifier folds a constant comparison, not a call.

/** Throws unless this bundle carries `provider`: one built for another fails with both named. */
export function checkBundledProvider(provider: ProviderName, bundled: string | undefined): void {
  if (bundled !== undefined && bundled !== provider)
    throw new SettingsError(
      `${ENV.provider} is ${provider} but this bundle was built for the ${bundled} provider only: deploy with scanfleet.provider "${provider}"`,
    );
}

/** Throws when a Discord secret is named to a bundle built without a reader of one (the stack had none). */
export function checkBundledDiscord(secretId: string | undefined, bundled: string | undefined): void {
  if (bundled === 'none' && secretId)
    throw new SettingsError(
      `${ENV.discordSecretId} names a Discord secret (${secretId}) but this bundle was built without one: deploy with scanfleet.discordSecret`,
    );
}
