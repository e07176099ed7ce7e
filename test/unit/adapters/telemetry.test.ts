import middy from '@middy/core';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { injectLambdaContext, Logger } from '../../../functions/adapters/telemetry/logger.js';
import { logMetrics, Metrics, MetricUnit } from '../../../functions/adapters/telemetry/metrics.js';
import { setTelemetryOutput, type TelemetryOutput } from '../../../functions/adapters/telemetry/output.js';
import { localLambdaContext } from '../../../functions/local/lambda-context.js';

const NOW = new Date('2026-11-24T14:30:00.000Z');
let written: string[];
let previous: TelemetryOutput;
beforeEach(() => {
  written = [];
  previous = setTelemetryOutput({ write: (text: string) => written.push(text) });
});
afterEach(() => {
  setTelemetryOutput(previous);
});
const lines = () => written.map((text) => JSON.parse(text) as Record<string, unknown>);
const logger = (env: NodeJS.ProcessEnv = {}) => new Logger({ service: 'unit', env, now: () => NOW });

describe('the logger', () => {
  it('writes one JSON line per call to stdout: level, message, timestamp, service, then the call’s keys', () => {
    setTelemetryOutput(previous);
    const stdout = vi.spyOn(process.stdout, 'write').mockImplementation(() => true);
    try {
      logger().info('batch finished', { runId: 'r-1', symbols: 2, counted: true });
      expect(stdout.mock.calls).toEqual([
        [
          '{"level":"INFO","message":"batch finished","timestamp":"2026-11-24T14:30:00.000Z","service":"unit","runId":"r-1","symbols":2,"counted":true}\n',
        ],
      ]);
    } finally {
      stdout.mockRestore();
    }
  });

  it('logs at INFO and above unless a level is set; AWS_LAMBDA_LOG_LEVEL wins over POWERTOOLS_LOG_LEVEL', () => {
    const levels = (env: NodeJS.ProcessEnv) => {
      written = [];
      const log = logger(env);
      log.debug('d');
      log.info('i');
      log.warn('w');
      log.error('e');
      return lines().map((l) => [l.level, l.message]);
    };
    expect(levels({})).toEqual([
      ['INFO', 'i'],
      ['WARN', 'w'],
      ['ERROR', 'e'],
    ]);
    expect(levels({ POWERTOOLS_LOG_LEVEL: 'debug' }).map(([level]) => level)).toEqual([
      'DEBUG',
      'INFO',
      'WARN',
      'ERROR',
    ]);
    expect(levels({ POWERTOOLS_LOG_LEVEL: 'WARN' })).toEqual([
      ['WARN', 'w'],
      ['ERROR', 'e'],
    ]);
    expect(levels({ POWERTOOLS_LOG_LEVEL: 'DEBUG', AWS_LAMBDA_LOG_LEVEL: 'ERROR' })).toEqual([['ERROR', 'e']]);
    expect(levels({ POWERTOOLS_LOG_LEVEL: 'CRITICAL' })).toEqual([]);
  });

  it('says so, once, when the level is unknown, and logs at INFO', () => {
    const log = logger({ POWERTOOLS_LOG_LEVEL: 'LOUD' });
    log.debug('d');
    log.info('i');
    expect(lines().map((l) => [l.level, l.message, l.logLevel])).toEqual([
      ['WARN', 'unknown log level; logging at INFO', 'LOUD'],
      ['INFO', 'i', undefined],
    ]);
  });

  it('writes an Error as its name, message, stack and cause', () => {
    class CredentialsError extends Error {
      override readonly name = 'CredentialsError';
    }
    const cause = new CredentialsError('refresh token expired');
    const error = new Error('batch failed', { cause });
    logger().error('request failed', { path: '/api/runs', error });
    expect(lines()[0]).toEqual({
      level: 'ERROR',
      message: 'request failed',
      timestamp: NOW.toISOString(),
      service: 'unit',
      path: '/api/runs',
      error: {
        name: 'Error',
        message: 'batch failed',
        stack: error.stack,
        cause: { name: 'CredentialsError', message: 'refresh token expired', stack: cause.stack },
      },
    });
    expect(error.stack).toContain('telemetry.test.ts');
  });

  it('keeps its own fields when a call passes keys of the same name', () => {
    logger().warn('refused', { level: 'INFO', message: 'other', service: 'api', reason: 'too large' });
    expect(lines()[0]).toEqual({
      level: 'WARN',
      message: 'refused',
      timestamp: NOW.toISOString(),
      service: 'unit',
      reason: 'too large',
    });
  });

  it('writes the line without the call’s keys, saying why, when JSON cannot write them', () => {
    const looped: Record<string, unknown> = { symbol: 'AAPL' };
    looped.self = looped;
    logger().error('batch failed', { looped });
    expect(lines()[0]).toEqual({
      level: 'ERROR',
      message: 'batch failed',
      timestamp: NOW.toISOString(),
      service: 'unit',
      unwritable: expect.stringContaining('circular structure'),
    });
  });

  it('puts the Lambda context on every line of an invocation, cold only on the first', async () => {
    const log = logger();
    const handler = middy(async (event: { n: number }) => log.info('handled', { n: event.n })).use(
      injectLambdaContext(log),
    );
    const first = localLambdaContext('scanfleet-api');
    const second = localLambdaContext('scanfleet-api');
    await handler({ n: 1 }, first);
    await handler({ n: 2 }, second);
    expect(lines()).toEqual(
      [first, second].map((context, i) => ({
        level: 'INFO',
        message: 'handled',
        timestamp: NOW.toISOString(),
        service: 'unit',
        cold_start: i === 0,
        function_arn: 'arn:aws:lambda:local:000000000000:function:scanfleet-api',
        function_memory_size: '256',
        function_name: 'scanfleet-api',
        function_request_id: context.awsRequestId,
        n: i + 1,
      })),
    );
    expect(first.awsRequestId).not.toBe(second.awsRequestId);
  });
});

describe('the metrics', () => {
  const metrics = (env: NodeJS.ProcessEnv = {}) =>
    new Metrics({ namespace: 'scanfleet', service: 'scan-batch', env, now: () => NOW.getTime() });

  it('writes one embedded-metric-format document of the stored metrics, a name added twice with both values', () => {
    const m = metrics();
    m.addMetric('SignalsFound', MetricUnit.Count, 3);
    m.addMetric('MaxRss', MetricUnit.Megabytes, 84.5);
    m.addMetric('SignalsFound', MetricUnit.Count, 0);
    m.publishStoredMetrics();
    expect(written).toEqual([
      '{"_aws":{"Timestamp":1795530600000,"CloudWatchMetrics":[{"Namespace":"scanfleet","Dimensions":[["service"]],"Metrics":[{"Name":"SignalsFound","Unit":"Count"},{"Name":"MaxRss","Unit":"Megabytes"}]}]},"service":"scan-batch","SignalsFound":[3,0],"MaxRss":84.5}\n',
    ]);
  });

  it('writes nothing when no metric was added, nor again once published', () => {
    const m = metrics();
    m.publishStoredMetrics();
    expect(written).toEqual([]);
    m.addMetric('BatchesFailed', MetricUnit.Count, 1);
    m.publishStoredMetrics();
    m.publishStoredMetrics();
    expect(lines().map((doc) => doc.BatchesFailed)).toEqual([1]);
  });

  it('writes nothing when POWERTOOLS_METRICS_DISABLED is true, and keeps nothing for later', () => {
    const m = metrics({ POWERTOOLS_METRICS_DISABLED: 'true' });
    m.addMetric('AlertsSent', MetricUnit.Count, 2);
    m.publishStoredMetrics();
    expect(written).toEqual([]);
    expect(() => m.addMetric('AlertsSent', MetricUnit.Megabytes, 1)).not.toThrow();
  });

  it('refuses a name already added in another unit', () => {
    const m = metrics();
    m.addMetric('MaxRss', MetricUnit.Megabytes, 90);
    expect(() => m.addMetric('MaxRss', MetricUnit.Count, 1)).toThrow('metric MaxRss was added in Megabytes, not Count');
  });

  it('are published by the middleware at the end of each invocation, returned or thrown', async () => {
    const m = metrics();
    const handler = middy(async (event: { fail: boolean }) => {
      m.addMetric('BatchesFailed', MetricUnit.Count, event.fail ? 1 : 0);
      if (event.fail) throw new Error('provider down');
      return 'ok';
    }).use(logMetrics(m));
    expect(await handler({ fail: false }, localLambdaContext('scanfleet-scan-batch'))).toBe('ok');
    await expect(handler({ fail: true }, localLambdaContext('scanfleet-scan-batch'))).rejects.toThrow('provider down');
    expect(lines().map((doc) => doc.BatchesFailed)).toEqual([0, 1]);
  });
});
