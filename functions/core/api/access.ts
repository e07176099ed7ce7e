/**
 * Who may call what: the API's route table, written once for the stack's gateway routes
 * (lib/query-api.ts), `scanfleet dev --auth` and the API's Cache-Control. Everything outside
 * /api (the dashboard's files) and GET /api/health are public; with `api.public` the read-only
 * routes listed here are too; every other path under /api — the chart, and any route added later
 * — needs the token.
 */
/**
 * open: no token anywhere (`scanfleet dev` without --auth); token: /api/* needs it, but health;
 * public-reads: as token, but the public read-only routes are open (`api.public: true`).
 */
export const API_ACCESS = ['open', 'token', 'public-reads'] as const;
export type ApiAccess = (typeof API_ACCESS)[number];

export interface RouteRule {
  readonly method: 'GET' | 'PUT' | 'POST' | 'DELETE';
  /** API Gateway's path syntax: {name} is one path segment. */
  readonly path: string;
}

/** Public whatever the configuration. */
export const ALWAYS_PUBLIC: readonly RouteRule[] = [{ method: 'GET', path: '/api/health' }];

/**
 * Public with `api.public: true`: reads of scan results that call no provider. GET
 * /api/subscriptions is not one of them: it says where alerts go (channels, who subscribed them),
 * not what a scan found, so it stays in the protected rest of /api (behind `/api/{proxy+}`'s
 * authorizer) whatever the access. It needs no NEVER_PUBLIC route of its own: no public route's
 * path is near it.
 */
export const PUBLIC_READS: readonly RouteRule[] = [
  { method: 'GET', path: '/api/scans/{scanner}' },
  { method: 'GET', path: '/api/symbols/{symbol}' },
  { method: 'GET', path: '/api/runs' },
  { method: 'GET', path: '/api/runs/{runId}' },
];

/** Under /api and never public, named so that no public route can cover them. */
export const NEVER_PUBLIC: readonly RouteRule[] = [{ method: 'GET', path: '/api/symbols/{symbol}/chart' }];

/**
 * The watchlists' writes: the lists-writer function's routes (the read API writes nothing), never
 * public. Their reads (GET /api/watchlists…) are the read API's.
 */
export const LIST_WRITES: readonly RouteRule[] = [
  { method: 'PUT', path: '/api/watchlists/{name}' },
  { method: 'DELETE', path: '/api/watchlists/{name}' },
  { method: 'POST', path: '/api/watchlists/{name}/symbols' },
  { method: 'DELETE', path: '/api/watchlists/{name}/symbols/{symbol}' },
];

/** Whether a request is one of the lists-writer's routes (the dev server sends it there, as the gateway does). */
export function isListWrite(method: string, path: string): boolean {
  return LIST_WRITES.some((rule) => matches(rule, method, path));
}

/** The paths the gateway protects: /api itself and everything below it. */
export const PROTECTED_PATHS = ['/api', '/api/{proxy+}'] as const;

export function publicRoutes(access: ApiAccess): readonly RouteRule[] {
  return access === 'public-reads' ? [...ALWAYS_PUBLIC, ...PUBLIC_READS] : ALWAYS_PUBLIC;
}

function matches(rule: RouteRule, method: string, path: string): boolean {
  if (method !== rule.method) return false;
  const want = rule.path.split('/');
  const got = path.split('/');
  return (
    want.length === got.length && want.every((part, i) => (part.startsWith('{') ? got[i] !== '' : part === got[i]))
  );
}

/** Whether a request needs the token, as the gateway's routes decide it (exact paths; other methods are protected). */
export function needsToken(access: ApiAccess, method: string, path: string): boolean {
  if (access === 'open') return false;
  if (path !== '/api' && !path.startsWith('/api/')) return false;
  return !publicRoutes(access).some((rule) => matches(rule, method, path));
}
