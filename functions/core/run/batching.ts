/** The pipeline's unit of work: 30 symbols, one queue message, one worker invocation. */
export const DEFAULT_BATCH_SIZE = 30;

export function splitIntoBatches<T>(items: readonly T[], size = DEFAULT_BATCH_SIZE): T[][] {
  if (!Number.isInteger(size) || size < 1) throw new RangeError(`batch size must be a whole number ≥ 1, got ${size}`);
  const batches: T[][] = [];
  for (let i = 0; i < items.length; i += size) batches.push(items.slice(i, i + size));
  return batches;
}

/** Deliveries of a batch message before SQS moves it to the dead-letter queue (maxReceiveCount). */
export const MAX_RECEIVES = 3;
