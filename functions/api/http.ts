import { ScanfleetError } from '../core/errors.js';

/** A request as the API sees it, whatever carried it (API Gateway, the local dev server). */
export interface ApiRequest {
  readonly method: string;
  readonly path: string;
  readonly query: Record<string, string>;
  readonly headers: Record<string, string>;
  /** The raw query string, for its length. */
  readonly rawQuery: string;
}

export interface ApiResponse {
  readonly statusCode: number;
  readonly headers: Record<string, string>;
  readonly body: string;
  readonly isBase64Encoded?: boolean;
}

/**
 * An error the client caused or must know about: status, a code, a message, the parameter.
 * `expose` says whether the message may be shown to the client (as middy's http errors): by
 * default for a 4xx, never for a 5xx unless said so.
 */
export class HttpError extends ScanfleetError {
  override readonly name = 'HttpError';
  readonly expose: boolean;

  constructor(
    readonly status: number,
    override readonly code: string,
    message: string,
    readonly parameter?: string,
    options?: { cause?: unknown; expose?: boolean },
  ) {
    super(message, options);
    this.expose = options?.expose ?? status < 500;
  }
}

export function json(status: number, body: unknown, cacheSeconds = 0): ApiResponse {
  return {
    statusCode: status,
    headers: {
      'content-type': 'application/json; charset=utf-8',
      'cache-control': cacheSeconds > 0 ? `public, max-age=${cacheSeconds}` : 'no-store',
      'x-content-type-options': 'nosniff',
    },
    body: JSON.stringify(body),
  };
}

/** An unexpected failure: the client gets the request id to quote, nothing internal (the log has the rest). */
export function internalError(requestId: string): ApiResponse {
  return json(500, {
    error: { code: 'internal', message: 'internal error; quote this request id when reporting it', requestId },
  });
}

export function errorResponse(error: HttpError): ApiResponse {
  return json(error.status, {
    error: {
      code: error.code,
      message: error.expose ? error.message : 'the request could not be completed',
      ...(error.parameter && { parameter: error.parameter }),
    },
  });
}
