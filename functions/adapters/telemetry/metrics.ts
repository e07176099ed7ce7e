import type { MiddlewareObj } from '@middy/core';
import { writeTelemetry } from './output.js';

/** The CloudWatch units the handlers publish in. */
export const MetricUnit = { Count: 'Count', Megabytes: 'Megabytes' } as const;
export type MetricUnit = (typeof MetricUnit)[keyof typeof MetricUnit];

/**
 * Custom metrics in CloudWatch's embedded metric format: added during an invocation, written at
 * its end (logMetrics) as one JSON document with the namespace and the `service` dimension —
 * CloudWatch turns it into metrics, nothing to call. A name added twice in one invocation holds
 * both values. POWERTOOLS_METRICS_DISABLED=true (the local runtime, handler tests) writes nothing.
 */
export class Metrics {
  readonly #namespace: string;
  readonly #service: string;
  readonly #enabled: boolean;
  readonly #now: () => number;
  readonly #stored = new Map<string, { unit: MetricUnit; values: number[] }>();

  constructor(options: { namespace: string; service: string; env?: NodeJS.ProcessEnv; now?: () => number }) {
    this.#namespace = options.namespace;
    this.#service = options.service;
    this.#enabled = (options.env ?? process.env).POWERTOOLS_METRICS_DISABLED !== 'true';
    this.#now = options.now ?? Date.now;
  }

  addMetric(name: string, unit: MetricUnit, value: number): void {
    const stored = this.#stored.get(name);
    if (!stored) {
      this.#stored.set(name, { unit, values: [value] });
      return;
    }
    if (stored.unit !== unit) throw new Error(`metric ${name} was added in ${stored.unit}, not ${unit}`);
    stored.values.push(value);
  }

  /** Writes the stored metrics as one document and forgets them; nothing when none were added. */
  publishStoredMetrics(): void {
    if (this.#stored.size === 0) return;
    const metrics = [...this.#stored];
    this.#stored.clear();
    if (!this.#enabled) return;
    const document = {
      _aws: {
        Timestamp: this.#now(),
        CloudWatchMetrics: [
          {
            Namespace: this.#namespace,
            Dimensions: [['service']],
            Metrics: metrics.map(([name, { unit }]) => ({ Name: name, Unit: unit })),
          },
        ],
      },
      service: this.#service,
      ...Object.fromEntries(metrics.map(([name, { values }]) => [name, values.length === 1 ? values[0] : values])),
    };
    writeTelemetry(JSON.stringify(document));
  }
}

/** middy middleware: the invocation's metrics written when it ends, returned or thrown. */
export function logMetrics(metrics: Metrics): MiddlewareObj {
  return {
    after: () => {
      metrics.publishStoredMetrics();
    },
    onError: () => {
      metrics.publishStoredMetrics();
    },
  };
}
