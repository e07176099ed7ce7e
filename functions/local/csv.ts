/**
 * CSV as RFC 4180 writes it: fields separated by commas, records ending in CRLF; a field holding
 * a comma, a double quote, a CR or an LF is enclosed in double quotes, its quotes doubled.
 */

/** One field, quoted when it must be. */
export function csvField(value: string): string {
  return /[",\r\n]/.test(value) ? `"${value.replaceAll('"', '""')}"` : value;
}

/** Records, each ending in CRLF (the last one too). */
export function toCsv(records: readonly (readonly string[])[]): string {
  return records.map((fields) => `${fields.map(csvField).join(',')}\r\n`).join('');
}
