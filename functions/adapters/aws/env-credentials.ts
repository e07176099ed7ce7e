import { fromEnv, type FromEnvInit } from '@aws-sdk/credential-provider-env';

/**
 * What the bundled functions use in place of `@aws-sdk/credential-provider-node` (lib/bundling.ts
 * aliases it here): Lambda hands a function its role's credentials in environment variables, so
 * the default chain's other sources (profiles, SSO, process, IMDS, web identity: ~100 KB with the
 * STS and SSO clients they load) are never reached there. Local runs are not bundled and keep the
 * full chain.
 */
export const defaultProvider = (init?: FromEnvInit) => fromEnv(init);
