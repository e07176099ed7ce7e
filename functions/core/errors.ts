/**
 * The base of every scanfleet error: a stable `code` a caller may branch on (messages change,
 * codes do not), and the original error as `cause` wherever one error wraps another:
 * `new QueueError(message, { cause: error })`. Each class writes out its `name`: the bundles are
 * minified, so constructor names are not kept.
 */
export class ScanfleetError extends Error {
  override readonly name: string = 'ScanfleetError';
  readonly code: string = 'internal';
}

/** Bad input from a user or caller; `parameter` names what to fix. */
export class ValidationError extends ScanfleetError {
  override readonly name = 'ValidationError';
  override readonly code = 'bad_parameter';

  constructor(
    readonly parameter: string,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/** A market-data provider could not deliver; `symbol` is set when only one symbol is affected. */
export class ProviderError extends ScanfleetError {
  override readonly name: string = 'ProviderError';
  override readonly code: string = 'provider_error';

  constructor(
    readonly provider: string,
    message: string,
    readonly symbol?: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/** The provider refused scanfleet's credentials: every batch fails until someone fixes them. */
export class CredentialsError extends ProviderError {
  override readonly name: string = 'CredentialsError';
  override readonly code: string = 'provider_credentials';
}
