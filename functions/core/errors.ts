/** Bad input from a user or caller; `parameter` names what to fix. */
export class ValidationError extends Error {
  override readonly name = 'ValidationError';
  constructor(
    readonly parameter: string,
    message: string,
  ) {
    super(message);
  }
}

/** A market-data provider could not deliver; `symbol` is set when only one symbol is affected. */
export class ProviderError extends Error {
  override readonly name = 'ProviderError';
  constructor(
    readonly provider: string,
    message: string,
    readonly symbol?: string,
  ) {
    super(message);
  }
}
