import { describe, expect, it } from 'vitest';
import { DEFAULT_BATCH_SIZE, MAX_RECEIVES } from '../../../functions/core/run/batching.js';
import { DEFAULT_LOOKBACK_BARS } from '../../../functions/core/scan/scanners.js';
import { DEFAULT_RETRY } from '../../../functions/adapters/market-data/http-client.js';
import { ENV, required, SettingsError, settingsFrom } from '../../../functions/adapters/settings.js';
import { authorizerDeps, TOKEN_SECRET_ENV } from '../../../functions/authorizer/handler.js';
import { dispatchDeps } from '../../../functions/dispatch/handler.js';
import { discordDeps } from '../../../functions/discord/handler.js';
import { scanBatchDeps } from '../../../functions/scan-batch/handler.js';

describe('the handlers’ settings', () => {
  it('take their defaults when a variable is unset or blank', () => {
    const settings = settingsFrom({ BATCH_SIZE: '', ALERTS_INTRADAY: ' ' });
    expect(settings).toMatchObject({
      batchSize: DEFAULT_BATCH_SIZE,
      lookbackBars: DEFAULT_LOOKBACK_BARS,
      maxReceives: MAX_RECEIVES,
      resultsTtlDays: 7,
      runsTtlDays: 30,
      provider: 'csv',
      alpacaFeed: 'sip',
      providerTimeoutMs: DEFAULT_RETRY.timeoutMs,
      alertsIntraday: false,
      alertCooldownSessions: 3,
      debugMemory: false,
      schedules: [],
      scheduleTimeZone: 'America/New_York',
      appVersion: 'dev',
      discordAdminPermission: 'MANAGE_GUILD',
      scanNowCooldownMinutes: 10,
    });
    expect(settings.tableName).toBeUndefined();
    expect(settings.providerDelayMinutes).toBeUndefined();
  });

  it('parse numbers, booleans and JSON, under camelCase names', () => {
    const settings = settingsFrom({
      TABLE_NAME: 'scanfleet-results',
      BATCH_SIZE: '12',
      PROVIDER: 'yahoo',
      PROVIDER_REQUESTS_PER_MINUTE: 'Infinity',
      PROVIDER_DELAY_MINUTES: '2.5',
      ALERTS_INTRADAY: 'true',
      ALERT_COOLDOWN_SESSIONS: '0',
      DISCORD_ADMIN_PERMISSION: 'ADMINISTRATOR',
      SCAN_NOW_COOLDOWN_MINUTES: '30',
      SCHEDULES: '["cron(30 9-15 ? * MON-FRI *)","cron(45 16 ? * MON-FRI *)"]',
    });
    expect(settings).toMatchObject({
      tableName: 'scanfleet-results',
      batchSize: 12,
      provider: 'yahoo',
      providerRequestsPerMinute: Infinity,
      providerDelayMinutes: 2.5,
      alertsIntraday: true,
      alertCooldownSessions: 0,
      discordAdminPermission: 'ADMINISTRATOR',
      scanNowCooldownMinutes: 30,
      schedules: ['cron(30 9-15 ? * MON-FRI *)', 'cron(45 16 ? * MON-FRI *)'],
    });
  });

  it.each([
    [{ BATCH_SIZE: 'x' }, 'environment variable BATCH_SIZE must be a positive number, got "x"'],
    [{ RUNS_TTL_DAYS: '0' }, 'environment variable RUNS_TTL_DAYS must be a positive number, got "0"'],
    [{ ALERTS_INTRADAY: 'yes' }, 'environment variable ALERTS_INTRADAY must be true or false, got "yes"'],
    [
      { ALERT_COOLDOWN_SESSIONS: '1.5' },
      'environment variable ALERT_COOLDOWN_SESSIONS must be a whole number ≥ 0, got "1.5"',
    ],
    [
      { SCHEDULES: 'cron(0 20 ? * * *)' },
      'environment variable SCHEDULES must be a JSON array of strings, got "cron(0 20 ? * * *)"',
    ],
    [
      { PROVIDER: 'bloomberg' },
      'environment variable PROVIDER must be one of csv, schwab, alpaca, yahoo, got "bloomberg"',
    ],
    [{ ALPACA_FEED: 'otc' }, 'environment variable ALPACA_FEED must be "sip" or "iex", got "otc"'],
    [{ PROVIDER_TIMEOUT_MS: '-1' }, 'environment variable PROVIDER_TIMEOUT_MS must be a positive number, got "-1"'],
    [
      { DISCORD_ADMIN_PERMISSION: '32' },
      'environment variable DISCORD_ADMIN_PERMISSION must be one of ADMINISTRATOR, MANAGE_GUILD, MANAGE_CHANNELS, MANAGE_ROLES, MANAGE_WEBHOOKS, MANAGE_MESSAGES, MANAGE_EVENTS, KICK_MEMBERS, BAN_MEMBERS, MODERATE_MEMBERS, got "32"',
    ],
    [
      { SCAN_NOW_COOLDOWN_MINUTES: '0' },
      'environment variable SCAN_NOW_COOLDOWN_MINUTES must be a whole number of minutes from 1 to 1440, got "0"',
    ],
    [
      { LIST_LIMITS: '{"lists":0}' },
      'environment variable LIST_LIMITS must be JSON { lists, symbolsPerList, symbolsPerAdd, totalSymbols } (any of them, positive whole numbers)',
    ],
    [
      { LIST_LIMITS: '{"symbols":10}' },
      'environment variable LIST_LIMITS must be JSON { lists, symbolsPerList, symbolsPerAdd, totalSymbols } (any of them, positive whole numbers)',
    ],
    [
      { LIST_LIMITS: 'fifty' },
      'environment variable LIST_LIMITS must be JSON { lists, symbolsPerList, symbolsPerAdd, totalSymbols } (any of them, positive whole numbers)',
    ],
  ])('refuse %j in one line naming the variable', (variables, message) => {
    expect(() => settingsFrom(variables)).toThrow(new SettingsError(message));
  });

  it('take the lists’ limits over their defaults', () => {
    expect(settingsFrom({}).listLimits).toEqual({
      lists: 50,
      symbolsPerList: 1000,
      symbolsPerAdd: 100,
      totalSymbols: 5000,
    });
    expect(settingsFrom({ LIST_LIMITS: '{"lists":5,"totalSymbols":600}' }).listLimits).toEqual({
      lists: 5,
      symbolsPerList: 1000,
      symbolsPerAdd: 100,
      totalSymbols: 600,
    });
  });

  it('take the dashboard alert lines link to: https, or http on this machine, without a trailing slash', () => {
    expect(settingsFrom({}).dashboardUrl).toBeUndefined();
    expect(settingsFrom({ DASHBOARD_URL: 'https://abc123defg.execute-api.us-east-1.amazonaws.com' }).dashboardUrl).toBe(
      'https://abc123defg.execute-api.us-east-1.amazonaws.com',
    );
    expect(settingsFrom({ DASHBOARD_URL: 'https://scans.example.com/desk/' }).dashboardUrl).toBe(
      'https://scans.example.com/desk',
    );
    expect(settingsFrom({ DASHBOARD_URL: 'http://127.0.0.1:8787' }).dashboardUrl).toBe('http://127.0.0.1:8787');
    expect(settingsFrom({ DASHBOARD_URL: 'http://localhost:8787/' }).dashboardUrl).toBe('http://localhost:8787');
    const rule = 'must be an https URL (http only on 127.0.0.1 or localhost), without ? or #';
    for (const bad of [
      'http://scans.example.com',
      'ftp://scans.example.com',
      'scans.example.com',
      'https://',
      'https://scans.example.com/?tab=top',
      'https://scans.example.com/#/top',
      'https://scans.example.com/a)b',
      'https://scans example.com',
    ])
      expect(() => settingsFrom({ DASHBOARD_URL: bad })).toThrow(
        new SettingsError(`environment variable DASHBOARD_URL ${rule}, got "${bad}"`),
      );
  });

  it('name the variable a handler needs and was not given', () => {
    expect(() => required(settingsFrom({}), 'tableName')).toThrow(
      new SettingsError('environment variable TABLE_NAME is not set'),
    );
  });
});

describe('a handler’s cold start', () => {
  const table = settingsFrom({ TABLE_NAME: 'scanfleet-results' });

  it('fails for a variable that handler requires, naming it', () => {
    expect(() => dispatchDeps(table)).toThrow(new SettingsError('environment variable QUEUE_URL is not set'));
    expect(() => discordDeps(table)).toThrow(new SettingsError('environment variable DISPATCH_FUNCTION is not set'));
    expect(() => scanBatchDeps(settingsFrom({}))).toThrow(
      new SettingsError('environment variable TABLE_NAME is not set'),
    );
  });

  it('the authorizer reads its secret from the variable the stack sets (named apart: settings.ts brings Valibot)', () => {
    expect(TOKEN_SECRET_ENV).toBe(ENV.apiTokenSecretId);
    expect(authorizerDeps({ [ENV.apiTokenSecretId]: 'scanfleet/api-token' }).secretId).toBe('scanfleet/api-token');
  });

  it('takes the values of its settings', () => {
    const deps = dispatchDeps(
      settingsFrom({ TABLE_NAME: 'scanfleet-results', QUEUE_URL: 'http://127.0.0.1:1/q', BATCH_SIZE: '7' }),
    );
    expect(deps.batchSize).toBe(7);
    const worker = scanBatchDeps(
      settingsFrom({
        TABLE_NAME: 'scanfleet-results',
        DATA_DIR: 'data/daily',
        LOOKBACK_BARS: '200',
        MAX_RECEIVES: '5',
        ALERTS_INTRADAY: 'true',
        DASHBOARD_URL: 'https://scans.example.com/',
      }),
    );
    expect([worker.lookbackBars, worker.maxReceives, worker.alertSettings, worker.dashboardUrl]).toEqual([
      200,
      5,
      { intraday: true, cooldownSessions: 3 },
      'https://scans.example.com',
    ]);
    expect(worker.marketData.name).toBe('csv');
  });
});
