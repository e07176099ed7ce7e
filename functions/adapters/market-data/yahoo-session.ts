import * as v from 'valibot';
import { ProviderError } from '../../core/errors.js';
import { type HttpJsonClient, HttpStatusError } from './http-client.js';

/** Answers any request with Yahoo's session cookie (a 404 page that sets it). */
export const YAHOO_COOKIE_URL = 'https://fc.yahoo.com';

/**
 * Yahoo answers 429 "Too Many Requests" to clients that do not look like a browser (no
 * User-Agent, or node's, curl's, python-requests'), whatever the rate: every request carries a
 * current desktop Chrome's headers.
 */
export const BROWSER_HEADERS: Readonly<Record<string, string>> = {
  'user-agent':
    'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/136.0.0.0 Safari/537.36',
  accept: 'application/json,text/plain,*/*',
  'accept-language': 'en-US,en;q=0.9',
};

/** Yahoo's refusal of a missing or stale session: {"chart"|"finance": {"error": {"code": "Unauthorized", …}}}. */
const refusalSchema = v.union([
  v.object({ chart: v.object({ error: v.object({ code: v.string(), description: v.string() }) }) }),
  v.object({ finance: v.object({ error: v.object({ code: v.string(), description: v.string() }) }) }),
]);

/** A session Yahoo issued: its cookie pairs and the crumb that goes with them. Never logged. */
export interface YahooSession {
  readonly cookie: string;
  readonly crumb: string;
}

/** What one batch learnt: a handshake that failed is not tried again for each of its symbols. */
export interface BatchState {
  handshakeError?: unknown;
}

/**
 * Yahoo's cookie + crumb handshake: one at a time, shared by the requests waiting for it; the
 * session it yields is kept for later requests.
 */
export class YahooSessions {
  current: YahooSession | undefined;
  private handshaking: Promise<YahooSession> | undefined;

  constructor(
    private readonly http: HttpJsonClient,
    private readonly baseUrl: string,
    private readonly cookieUrl: string,
  ) {}

  /** A session newer than the one refused: another request's, or one handshake for all waiting. */
  async fresh(refused: YahooSession | undefined, batch: BatchState): Promise<YahooSession> {
    if (this.current && this.current !== refused) return this.current;
    if (batch.handshakeError !== undefined) throw batch.handshakeError;
    this.handshaking ??= this.handshake().finally(() => (this.handshaking = undefined));
    try {
      return await this.handshaking;
    } catch (error) {
      batch.handshakeError = error;
      throw error;
    }
  }

  /** The cookie endpoint's Set-Cookie pairs, then the crumb that goes with them. */
  private async handshake(): Promise<YahooSession> {
    const answer = await this.http.response({
      url: this.cookieUrl,
      headers: { ...BROWSER_HEADERS },
      label: 'Yahoo session cookie',
    });
    const setCookie = answer.headers['set-cookie'] ?? [];
    const cookie = setCookie
      .map((line) => line.split(';')[0].trim())
      .filter((pair) => /^[^=\s]+=/.test(pair))
      .join('; ');
    if (cookie === '')
      throw new ProviderError(
        'yahoo',
        `Yahoo asked for a session, and its cookie endpoint set no cookie (HTTP ${answer.status})`,
      );
    const text = await this.http.text({
      url: `${this.baseUrl}/v1/test/getcrumb`,
      headers: { ...BROWSER_HEADERS, cookie },
      label: 'Yahoo crumb',
    });
    const crumb = text.trim();
    // A crumb is a short token; "Too Many Requests" or an HTML page is not one.
    if (!/^[\x21-\x7e]{1,128}$/.test(crumb) || /[<>{}"]/.test(crumb))
      throw new ProviderError(
        'yahoo',
        `Yahoo's crumb endpoint answered with something that is not a crumb (${text.length} characters)`,
      );
    this.current = { cookie, crumb };
    return this.current;
  }
}

/** Yahoo's "Unauthorized: Invalid Crumb / Invalid Cookie" answer (401, or 429), if that is what this is. */
export function refusalIn(status: number, body: string): { status: number; description: string } | undefined {
  if (status !== 401 && status !== 429) return undefined;
  const parsed = v.safeParse(refusalSchema, safeJson(body));
  if (!parsed.success) return undefined;
  const { code, description } = 'chart' in parsed.output ? parsed.output.chart.error : parsed.output.finance.error;
  if (code !== 'Unauthorized' && !/crumb|cookie/i.test(description)) return undefined;
  // Yahoo's own short wording only; anything else is not repeated.
  return { status, description: /^[A-Za-z ]{1,40}$/.test(description) ? description : code };
}

export function sessionRefusal(error: unknown): { status: number; description: string } | undefined {
  return error instanceof HttpStatusError ? refusalIn(error.status, error.body) : undefined;
}

export function safeJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}
