import type { AlertRouting } from '../../core/run/run-alert.js';
import type { RunStore } from '../store/run-store.js';
import type { SubscriptionStore } from '../store/subscription-store.js';
import type { WebhookCipher } from '../webhook-cipher.js';

/** The subscriptions' webhooks as a drainer posts to them. */
export interface SubscriptionWebhooks {
  /** The subscription's webhook URL, unsealed; undefined when the subscription was removed. */
  webhookUrl(id: string): Promise<string | undefined>;
  /** Whether the configured webhook's implicit subscription was removed. */
  configuredRemoved(): Promise<boolean>;
}

/** Where a run's alerts go, as the worker and the sweeper route them. */
export interface AlertRoutes {
  /** Whether an ended run's alerts have anywhere to go: a configured webhook, or a subscription. */
  readonly alertsOn: () => Promise<boolean>;
  readonly routing: (runId: string) => Promise<AlertRouting>;
  /** For the drain; undefined without a key to unseal webhooks with (their messages wait). */
  readonly webhooks?: SubscriptionWebhooks;
}

/**
 * The routes from the subscriptions' store, the run's frozen lists and the configured webhook.
 * Each reader reads the store when called (a subscription added or removed takes effect at the
 * next run's alerts, a removal also for what is still pending).
 */
export function alertRoutes(deps: {
  readonly subscriptions: Pick<SubscriptionStore, 'routes' | 'sealedWebhook'>;
  readonly runs: Pick<RunStore, 'runLists'>;
  readonly webhookUrl: () => Promise<string | undefined>;
  readonly cipher: WebhookCipher | undefined;
}): AlertRoutes {
  const { subscriptions, runs, webhookUrl, cipher } = deps;
  return {
    alertsOn: async () => (await webhookUrl()) !== undefined || (await subscriptions.routes()).subscriptions.length > 0,
    routing: async (runId) => {
      const routes = await subscriptions.routes();
      return {
        configured: routes.configuredRemoved === undefined && (await webhookUrl()) !== undefined,
        subscriptions: routes.subscriptions,
        lists: routes.subscriptions.some((s) => s.list !== undefined) ? await runs.runLists(runId) : new Map(),
      };
    },
    ...(cipher && {
      webhooks: {
        webhookUrl: async (id) => {
          const sealed = await subscriptions.sealedWebhook(id);
          return sealed === undefined ? undefined : cipher.open(sealed, id);
        },
        configuredRemoved: async () => (await subscriptions.routes()).configuredRemoved !== undefined,
      },
    }),
  };
}
