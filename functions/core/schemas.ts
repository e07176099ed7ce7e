import * as v from 'valibot';
import { parseIsoDay } from './market/trading-day.js';

/** One thing wrong with an input: where ('' for the input itself) and what, in one line. */
export interface SchemaIssue {
  readonly path: string;
  readonly message: string;
}

export type Checked<S extends v.GenericSchema> =
  | { readonly success: true; readonly output: v.InferOutput<S> }
  | { readonly success: false; readonly issues: readonly [SchemaIssue, ...SchemaIssue[]] };

type Issue = v.BaseIssue<unknown>;

/**
 * Checks an input (an event, a queue message, a provider's answer) against its schema. An issue
 * its schema gives no message reads as the handlers' errors always have (zod's English wording):
 * `Invalid input: expected string, received undefined`, `Unrecognized key: "extra"` (on the
 * object that has it), `Too small: expected array to have >=1 items`.
 */
export function checkSchema<S extends v.GenericSchema>(schema: S, input: unknown): Checked<S> {
  const result = v.safeParse(schema, input, { message: englishMessage });
  if (result.success) return { success: true, output: result.output };
  const [first, ...rest] = result.issues.map((issue) => ({
    path: keysOf(issue).join('.'),
    // A missing key's path is whole only now: an issue is worded before the objects around it add their keys.
    message:
      issue.message === MISSING_KEY ? expectation(expectsAt(schema, issue.path ?? []), undefined) : issue.message,
  }));
  return { success: false, issues: [first, ...rest] };
}

/** An object schema that refuses an array, as zod's did (valibot's own takes one for an object). */
export function nonArray<S extends v.GenericSchema>(schema: S, expected: 'object' | 'record' = 'object') {
  return v.pipe(
    v.custom<v.InferInput<S>>((input) => !Array.isArray(input), `Invalid input: expected ${expected}, received array`),
    schema,
  );
}

/** A record of string keys, as zod's: an array is refused. */
export const record = <S extends v.GenericSchema>(value: S) => nonArray(v.record(v.string(), value), 'record');

/** A number as zod's: NaN and ±Infinity refused (JSON holds neither; an event built in process may). */
export const finiteNumber = () => v.pipe(v.number(), v.finite());

/** A date-time as ISO 8601 with seconds: UTC ("Z") only, or with an offset when `offset` is set; a real calendar day. */
export function isoDateTime({ offset = false } = {}) {
  const pattern = offset ? ISO_DATE_TIME_OFFSET : ISO_DATE_TIME;
  return v.pipe(
    v.string(),
    v.check((text) => pattern.test(text) && !Number.isNaN(parseIsoDay(text.slice(0, 10))), 'Invalid ISO datetime'),
  );
}

const TIME = String.raw`T(?:[01]\d|2[0-3]):[0-5]\d:[0-5]\d(?:\.\d+)?`;
const ISO_DATE_TIME = new RegExp(String.raw`^\d{4}-\d\d-\d\d${TIME}Z$`);
const ISO_DATE_TIME_OFFSET = new RegExp(String.raw`^\d{4}-\d\d-\d\d${TIME}(?:Z|[+-](?:[01]\d|2[0-3]):[0-5]\d)$`);

/** An unknown key is an issue of the object that has it, as zod reported it. */
function keysOf(issue: Issue): (string | number)[] {
  const keys = (issue.path ?? []).map((item) => item.key as string | number);
  return isUnknownKey(issue) ? keys.slice(0, -1) : keys;
}

const isUnknownKey = (issue: Issue) => issue.type === 'strict_object' && issue.expected === 'never';

/** The message of a missing key until checkSchema words it from the key's own schema. */
const MISSING_KEY = 'missing key';

function englishMessage(issue: Issue): string {
  if (isUnknownKey(issue)) return `Unrecognized key: "${String(issue.input)}"`;
  if (issue.path?.at(-1)?.origin === 'key') return MISSING_KEY;
  switch (issue.type) {
    case 'min_length':
      return `Too small: expected ${sized(issue.input)} to have >=${String(issue.requirement)} ${unit(issue.input)}`;
    case 'max_length':
      return `Too big: expected ${sized(issue.input)} to have <=${String(issue.requirement)} ${unit(issue.input)}`;
    case 'min_value':
      return `Too small: expected number to be >=${String(issue.requirement)}`;
    case 'max_value':
      return `Too big: expected number to be <=${String(issue.requirement)}`;
    case 'gt_value':
      return `Too small: expected number to be >${String(issue.requirement)}`;
    case 'integer':
      return expectation('int', issue.input);
    case 'finite':
      return expectation('number', issue.input);
    default:
      if (issue.kind !== 'schema' || issue.type === 'union') return 'Invalid input';
      return expectation(issue.type === 'record' ? 'record' : issue.expected, issue.input);
  }
}

/** What a schema expects, given valibot's wording of it: a type, or a list of literal options. */
function expectation(expected: string | null | undefined, input: unknown): string {
  if (!expected) return 'Invalid input';
  if (expected.startsWith('"')) return `Invalid input: expected ${expected}`;
  if (expected.startsWith('("'))
    return `Invalid option: expected one of ${expected.slice(1, -1).split(' | ').join('|')}`;
  return `Invalid input: expected ${expected.toLowerCase()}, received ${typeName(input)}`;
}

/** What the schema at a missing key's path expects (the key's own schema: an absent key never reaches it). */
function expectsAt(root: v.GenericSchema, path: v.IssuePathItem[]): string | undefined {
  let schema = unwrapped(root);
  for (const item of path) {
    const inner = schema as { entries?: Record<string, unknown>; item?: unknown; value?: unknown } | undefined;
    schema = unwrapped(
      item.type === 'array' ? inner?.item : inner?.entries ? inner.entries[item.key as string] : inner?.value,
    );
  }
  const key = schema as { type?: string; expects?: string } | undefined;
  // zod's names: a record is no object to it, and a key of any value but present is "nonoptional".
  return key?.type === 'record' ? 'record' : key?.type === 'unknown' ? 'nonoptional' : key?.expects;
}

/** The schema that holds the keys: the one an optional or nullable wraps, a pipe's last. */
function unwrapped(schema: unknown): unknown {
  for (;;) {
    if (schema && typeof schema === 'object' && 'wrapped' in schema) schema = schema.wrapped;
    else if (schema && typeof schema === 'object' && 'pipe' in schema && Array.isArray(schema.pipe))
      schema = (schema.pipe as { kind: string }[]).findLast((item) => item.kind === 'schema');
    else return schema;
  }
}

function typeName(input: unknown): string {
  if (input === null) return 'null';
  if (Array.isArray(input)) return 'array';
  if (typeof input === 'number' && !Number.isFinite(input)) return String(input);
  return typeof input;
}

const sized = (input: unknown) => (Array.isArray(input) ? 'array' : 'string');
const unit = (input: unknown) => (Array.isArray(input) ? 'items' : 'characters');
