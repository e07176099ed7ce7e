import type { AlertRouting } from '../../core/run/run-alert.js';
import type { RunStore } from '../store/run-store.js';
import type { SubscriptionRoutes, SubscriptionStore } from '../store/subscription-store.js';
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
 * The routes from the subscriptions' store, the run's frozen lists and the configured webhook,
 * the subscriptions read once for the routes' life: they are made for one run's finish or one
 * drain, so a subscription added or removed takes effect at the next (a removal also for what is
 * still pending).
 */
export function alertRoutes(deps: {
  readonly subscriptions: Pick<SubscriptionStore, 'routes' | 'sealedWebhook'>;
  readonly runs: Pick<RunStore, 'runLists'>;
  readonly webhookUrl: () => Promise<string | undefined>;
  readonly cipher: WebhookCipher | undefined;
}): AlertRoutes {
  const { subscriptions, runs, webhookUrl, cipher } = deps;
  // Read once for the routes' life (one run's finish, or one drain): every target asks.
  let read: Promise<SubscriptionRoutes> | undefined;
  const routesRead = () => (read ??= subscriptions.routes());
  return {
    alertsOn: async () => (await webhookUrl()) !== undefined || (await routesRead()).subscriptions.length > 0,
    routing: async (runId) => {
      const routes = await routesRead();
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
        configuredRemoved: async () => (await routesRead()).configuredRemoved !== undefined,
      },
    }),
  };
}
