import { ScanfleetError } from '../../core/errors.js';
import { headerValue, TransportError } from '../http-transport.js';
import { type AwsOptions, awsErrorOf, awsSender, MissingRegionError } from './aws-request.js';

/** Starts a function with a payload; resolves once Lambda has accepted it (it runs on its own). */
export type Invoker = (payload: unknown) => Promise<void>;

/** AWS_REGION, AWS_ENDPOINT_URL_LAMBDA / AWS_ENDPOINT_URL, credentials and the signature's time. */
export type LambdaInvokerOptions = AwsOptions;

/** Lambda did not accept the invocation; `errorType` is its error (ResourceNotFoundException, …). */
export class InvokeError extends ScanfleetError {
  override readonly name = 'InvokeError';
  override readonly code = 'invoke_error';

  constructor(
    readonly functionName: string,
    readonly errorType: string,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/** The answer Discord waits for is 3 s: an invocation not accepted by then is of no use. */
const INVOKE_TIMEOUT_MS = 3000;
/** Invoke's answer to an Event invocation is empty, or a short JSON error. */
const MAX_ANSWER_BYTES = 65_536;

/**
 * Lambda's Invoke with InvocationType Event, as one signed REST call (POST
 * /2015-03-31/functions/{name}/invocations, answered 202): the SDK's Lambda client for this one
 * call cost the discord bundle 84 KB (425 → 341). Signed with SigV4 by the SDK's own signer, with the SDK's
 * credentials and region (AWS_REGION) and its endpoint variables. Not retried: a refusal is
 * answered to the user at once.
 */
export function lambdaInvoker(functionName: string, options: LambdaInvokerOptions = {}): Invoker {
  const invoke = invocation(functionName, 'Event', options, {
    timeoutMs: INVOKE_TIMEOUT_MS,
    maxBytes: MAX_ANSWER_BYTES,
  });
  return async (payload) => {
    await invoke(payload);
  };
}

/** Calls a function and waits for its answer (its JSON, parsed). */
export type Requester = (payload: unknown) => Promise<unknown>;

/** The answer of a RequestResponse invocation is the function's JSON: a list change's outcome is small. */
const MAX_RESPONSE_BYTES = 262_144;

/**
 * Lambda's Invoke with InvocationType RequestResponse, signed as `lambdaInvoker`'s: the callee's
 * answer, or an InvokeError when Lambda refused the call or the function failed
 * (`X-Amz-Function-Error`). Not retried: a failure is answered to the user.
 */
export function lambdaRequester(
  functionName: string,
  options: LambdaInvokerOptions & { timeoutMs: number },
): Requester {
  const invoke = invocation(functionName, 'RequestResponse', options, {
    timeoutMs: options.timeoutMs,
    maxBytes: MAX_RESPONSE_BYTES,
  });
  return async (payload) => {
    const response = await invoke(payload);
    const failed = headerValue(response.headers['x-amz-function-error']);
    if (failed) throw new InvokeError(functionName, 'FunctionError', `${functionName} failed (${failed})`);
    return JSON.parse(response.body) as unknown;
  };
}

/** One signed Invoke call: Lambda's answer when it accepted the invocation, else an InvokeError. */
function invocation(
  functionName: string,
  type: 'Event' | 'RequestResponse',
  options: LambdaInvokerOptions,
  limits: { timeoutMs: number; maxBytes: number },
) {
  const post = awsSender({ signingName: 'lambda', endpointId: 'LAMBDA' }, options);
  return async (payload: unknown) => {
    let response;
    try {
      response = await post({
        path: `/2015-03-31/functions/${encodeURIComponent(functionName)}/invocations`,
        headers: { 'content-type': 'application/json', 'x-amz-invocation-type': type },
        body: JSON.stringify(payload),
        ...limits,
      });
    } catch (error) {
      if (error instanceof MissingRegionError)
        throw new InvokeError(functionName, 'MissingRegion', `cannot invoke ${functionName}: ${error.message}`);
      if (!(error instanceof TransportError)) throw error;
      throw new InvokeError(functionName, 'TransportError', `could not invoke ${functionName}: ${error.message}`, {
        cause: error,
      });
    }
    if (response.status >= 200 && response.status < 300) return response;
    const { type: errorType, message } = awsErrorOf(headerValue(response.headers['x-amzn-errortype']), response.body);
    throw new InvokeError(
      functionName,
      errorType,
      `Lambda refused to invoke ${functionName}: ${errorType} (HTTP ${response.status})${message ? `: ${message}` : ''}`,
    );
  };
}
