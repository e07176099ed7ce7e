/** Schwab's refresh token lasts 7 days from its issue; then the user must sign in again. */
export const SCHWAB_REFRESH_TOKEN_DAYS = 7;
/** The warning is due this many days before the token expires. */
export const TOKEN_WARNING_DAYS = 2;

const DAY_MS = 86_400_000;

/** When a Schwab refresh token issued at `issuedAt` stops working. */
export function refreshTokenExpiresAt(issuedAt: Date): Date {
  return new Date(issuedAt.getTime() + SCHWAB_REFRESH_TOKEN_DAYS * DAY_MS);
}

/** Days (fractional) until the token expires at `now`: negative once it has. */
export function refreshTokenDaysLeft(issuedAt: Date, now: Date): number {
  return (refreshTokenExpiresAt(issuedAt).getTime() - now.getTime()) / DAY_MS;
}

/** True from 2 days before the token expires (and after). */
export function tokenWarningDue(issuedAt: Date, now: Date): boolean {
  return refreshTokenDaysLeft(issuedAt, now) <= TOKEN_WARNING_DAYS;
}

/** "4.5 days left", "18 h left" (under a day), "expired 3 h ago". */
export function describeDaysLeft(daysLeft: number): string {
  if (daysLeft <= 0) {
    const hours = Math.round(-daysLeft * 24);
    return hours < 48 ? `expired ${hours} h ago` : `expired ${Math.round(-daysLeft)} days ago`;
  }
  if (daysLeft < 1) return `${Math.round(daysLeft * 24)} h left`;
  return `${Math.floor(daysLeft * 10) / 10} days left`;
}
