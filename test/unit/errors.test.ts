import { describe, expect, it } from 'vitest';
import { ProviderError, ScanfleetError, ValidationError } from '../../functions/core/errors.js';
import { errorResponse, HttpError } from '../../functions/api/http.js';
import { StoreError } from '../../functions/adapters/store/batch-write.js';
import { QueueError } from '../../functions/adapters/queue/scan-queue.js';
import { AwsError } from '../../functions/adapters/aws/aws-json.js';
import { TransportError } from '../../functions/adapters/http-transport.js';
import { CsvFormatError } from '../../functions/adapters/market-data/yahoo-csv.js';
import { MalformedMessageError } from '../../functions/core/run/scan-message.js';
import { UsageError } from '../../functions/local/cli/usage-error.js';
import { ReplayRangeError } from '../../functions/local/replay/replay.js';
import { parseScanArgs } from '../../functions/local/cli/scan-command.js';
import { SettingsError } from '../../functions/adapters/settings.js';

describe('errors: one base with a stable code, and the cause kept', () => {
  it('gives every error class the base, its own name and code', () => {
    const cause = new Error('root');
    const errors: [ScanfleetError, string, string][] = [
      [new ValidationError('symbols', 'bad', { cause }), 'ValidationError', 'bad_parameter'],
      [new ProviderError('yahoo', 'down', 'AAPL', { cause }), 'ProviderError', 'provider_error'],
      [new StoreError('unprocessed', { cause }), 'StoreError', 'store_error'],
      [new QueueError('refused', { cause }), 'QueueError', 'queue_error'],
      [new AwsError('GetSecretValue', 'TransportError', 0, 'failed', { cause }), 'AwsError', 'aws_error'],
      [new TransportError('dropped', true, { cause }), 'TransportError', 'transport_error'],
      [new CsvFormatError('no header', { cause }), 'CsvFormatError', 'csv_format'],
      [new MalformedMessageError('not JSON', { cause }), 'MalformedMessageError', 'malformed_message'],
      [new UsageError('--as-of', { cause }), 'UsageError', 'usage'],
      [new ReplayRangeError('empty', { cause }), 'ReplayRangeError', 'replay_range'],
      [new SettingsError('TABLE_NAME', { cause }), 'SettingsError', 'settings'],
      [new HttpError(404, 'not_found', 'no route', undefined, { cause }), 'HttpError', 'not_found'],
    ];
    for (const [error, name, code] of errors) {
      expect(error).toBeInstanceOf(ScanfleetError);
      expect(error).toBeInstanceOf(Error);
      expect([error.name, error.code, error.cause]).toEqual([name, code, cause]);
    }
  });

  it('keeps the parser’s own error as the cause of a usage error', () => {
    let thrown: unknown;
    try {
      parseScanArgs(['--no-such-option']);
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(UsageError);
    expect((thrown as UsageError).cause).toBeInstanceOf(Error);
    expect((thrown as UsageError).message).toBe((thrown as UsageError & { cause: Error }).cause.message);
  });

  it('shows a client error’s message, and hides a server error’s unless it is marked exposable', () => {
    const shown = JSON.parse(errorResponse(new HttpError(400, 'bad_parameter', 'limit must be …', 'limit')).body);
    expect(shown).toEqual({ error: { code: 'bad_parameter', message: 'limit must be …', parameter: 'limit' } });
    const hidden = new HttpError(500, 'internal', 'ENOENT /var/task/secret/path');
    expect(hidden.expose).toBe(false);
    expect(JSON.parse(errorResponse(hidden).body)).toEqual({
      error: { code: 'internal', message: 'the request could not be completed' },
    });
    const upstream = new HttpError(502, 'provider_error', 'yahoo: HTTP 503', 'symbol', { expose: true });
    expect(JSON.parse(errorResponse(upstream).body).error.message).toBe('yahoo: HTTP 503');
  });
});
