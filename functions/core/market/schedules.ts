/**
 * The default schedules (EventBridge cron, New York time): the stack's, /status's and the
 * replay's. Hourly while the market trades; 16:45, once the close has passed the providers' data
 * delay (Alpaca's SIP: 16 minutes), to alert the closed session's events; 20:00 to re-fetch the
 * closed session (providers correct late prints). Daily bars cannot change at other times.
 */
export const DEFAULT_SCHEDULES = {
  marketHours: 'cron(30 9-15 ? * MON-FRI *)',
  afterClose: 'cron(45 16 ? * MON-FRI *)',
  refetch: 'cron(0 20 ? * MON-FRI *)',
} as const;

/** The purpose of each schedule, in the order the stack passes their crons (SCHEDULES). */
export const SCHEDULE_PURPOSES = ['market-hours', 'after-close', 'refetch'] as const;
