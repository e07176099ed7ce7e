import { createHash, timingSafeEqual } from 'node:crypto';

/**
 * The API's one credential rule, shared by the gateway's authorizer and `scanfleet dev --auth`:
 * "Authorization: Bearer <token>", the scheme in any case. No header (or an empty one) is
 * missing — the gateway answers 401 without calling the authorizer; anything else that is not
 * the token is wrong (403).
 */
export type BearerVerdict = 'missing' | 'wrong' | 'ok';

const BEARER = /^bearer[ \t]+([^\s]+)[ \t]*$/i;

/** The token of a Bearer credential, or undefined when the header is not one. */
export function bearerToken(header: string | undefined): string | undefined {
  return BEARER.exec(header ?? '')?.[1];
}

/** Compares digests, so neither the content nor the length of the token shows in the time taken. */
function sameToken(given: string, expected: string): boolean {
  const digest = (text: string) => createHash('sha256').update(text).digest();
  return timingSafeEqual(digest(given), digest(expected));
}

export function checkBearer(header: string | undefined, expected: string): BearerVerdict {
  if (header === undefined || header.trim() === '') return 'missing';
  const given = bearerToken(header);
  return given !== undefined && sameToken(given, expected) ? 'ok' : 'wrong';
}

/** What a token secret must hold: {"token": "<non-empty string>"}; the problem names the shape, never a value. */
export function tokenOfSecret(secret: Record<string, unknown>): { token: string } | { problem: string } {
  if (!('token' in secret))
    return { problem: `the secret has no "token" key (keys: ${Object.keys(secret).join(', ') || 'none'})` };
  const token = secret.token;
  if (typeof token !== 'string')
    return { problem: `"token" is a ${token === null ? 'null' : typeof token}, not a string` };
  if (token.trim() === '') return { problem: '"token" is empty' };
  if (/\s/.test(token)) return { problem: '"token" contains white space, which no Bearer credential can carry' };
  return { token };
}

/** The challenge of a 401 (no credential) and of a 403 (a wrong one), as RFC 6750 writes them. */
export const CHALLENGE = { missing: 'Bearer', wrong: 'Bearer error="invalid_token"' } as const;
