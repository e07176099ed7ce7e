import { ValidationError } from '../../core/errors.js';

export interface Page<T> {
  readonly items: T[];
  /** Opaque; pass back to get the next page. Absent on the last page. */
  readonly cursor?: string;
}

export function encodeCursor(key: Record<string, unknown>): string {
  return Buffer.from(JSON.stringify(key)).toString('base64url');
}

/** A cursor that is not one of ours is a ValidationError naming "cursor". */
export function decodeCursor(cursor: string | undefined): Record<string, unknown> | undefined {
  if (cursor === undefined) return undefined;
  try {
    const key = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as unknown;
    if (key && typeof key === 'object' && !Array.isArray(key) && 'pk' in key && 'sk' in key)
      return key as Record<string, unknown>;
  } catch {
    // fall through to the error below
  }
  throw new ValidationError('cursor', 'cursor is not valid: pass back the cursor of a previous page unchanged');
}
