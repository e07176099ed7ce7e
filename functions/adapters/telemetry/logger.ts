import type { MiddlewareObj } from '@middy/core';
import type { Context } from 'aws-lambda';
import { writeTelemetry } from './output.js';

export type LogLevel = 'DEBUG' | 'INFO' | 'WARN' | 'ERROR';

/** Severities as Lambda and Powertools number them: a line is written at or above the threshold. */
const SEVERITY: Record<string, number> = {
  TRACE: 6,
  DEBUG: 8,
  INFO: 12,
  WARN: 16,
  ERROR: 20,
  CRITICAL: 24,
  FATAL: 24,
  SILENT: 28,
};

/** The fields of an Error on a log line: its stack says where, its cause why. */
function serializeErrors(_key: string, value: unknown): unknown {
  if (!(value instanceof Error)) return value;
  return {
    name: value.name,
    message: value.message,
    stack: value.stack,
    ...(value.cause !== undefined && { cause: value.cause }),
  };
}

/**
 * One JSON line per call: level, message, timestamp, service, the Lambda context's fields once an
 * invocation has begun (injectLambdaContext), then the call's own keys (an Error among them as
 * name, message, stack and cause). The threshold is read once, when the logger is made: Lambda's
 * AWS_LAMBDA_LOG_LEVEL when set, else POWERTOOLS_LOG_LEVEL (the stack sets it), else INFO.
 */
export class Logger {
  readonly #service: string;
  readonly #threshold: number;
  readonly #now: () => Date;
  #context: Record<string, unknown> = {};
  #coldStart = true;

  constructor(options: { service: string; env?: NodeJS.ProcessEnv; now?: () => Date }) {
    const env = options.env ?? process.env;
    this.#service = options.service;
    this.#now = options.now ?? (() => new Date());
    const level = (env.AWS_LAMBDA_LOG_LEVEL || env.POWERTOOLS_LOG_LEVEL || 'INFO').toUpperCase();
    this.#threshold = SEVERITY[level] ?? SEVERITY.INFO;
    if (SEVERITY[level] === undefined) this.warn('unknown log level; logging at INFO', { logLevel: level });
  }

  debug(message: string, extra?: Record<string, unknown>): void {
    this.#write('DEBUG', message, extra);
  }

  info(message: string, extra?: Record<string, unknown>): void {
    this.#write('INFO', message, extra);
  }

  warn(message: string, extra?: Record<string, unknown>): void {
    this.#write('WARN', message, extra);
  }

  error(message: string, extra?: Record<string, unknown>): void {
    this.#write('ERROR', message, extra);
  }

  /** The invocation's Lambda context, on every line until the next invocation's replaces it. */
  addContext(context: Context): void {
    this.#context = {
      cold_start: this.#coldStart,
      function_arn: context.invokedFunctionArn,
      function_memory_size: context.memoryLimitInMB,
      function_name: context.functionName,
      function_request_id: context.awsRequestId,
    };
    this.#coldStart = false;
  }

  #write(level: LogLevel, message: string, extra: Record<string, unknown> = {}): void {
    if (SEVERITY[level] < this.#threshold) return;
    const own = { level, message, timestamp: this.#now().toISOString(), service: this.#service, ...this.#context };
    const line: Record<string, unknown> = { ...own };
    // The line's own fields win over a call's keys of the same name.
    for (const [key, value] of Object.entries(extra)) if (!(key in line)) line[key] = value;
    let text: string;
    try {
      text = JSON.stringify(line, serializeErrors);
    } catch (error) {
      // A key JSON cannot write (a cycle, a BigInt): the line without the call's keys, and why.
      text = JSON.stringify({ ...own, unwritable: (error as Error).message });
    }
    writeTelemetry(text);
  }
}

/** middy middleware: the Lambda context on the logger's lines, from the start of each invocation. */
export function injectLambdaContext(logger: Logger): MiddlewareObj {
  return {
    before: (request) => {
      logger.addContext(request.context);
    },
  };
}
