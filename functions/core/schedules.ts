/** The default schedules (EventBridge cron, New York time): the stack's and /status's. */
export const DEFAULT_SCHEDULES = {
  marketHours: 'cron(30 9-15 ? * MON-FRI *)',
  afterClose: 'cron(15 16 ? * MON-FRI *)',
  offHours: ['cron(0 0,4,8,20 ? * MON-FRI *)', 'cron(0 0/4 ? * SAT,SUN *)'],
} as const;
