import * as v from 'valibot';
import { describe, expect, it } from 'vitest';
import { checkSchema, finiteNumber, isoDateTime, nonArray, record } from '../../functions/core/schemas.js';

const schema = v.strictObject({
  name: v.string(),
  kind: v.picklist(['a', 'b']),
  only: v.optional(v.picklist(['one'])),
  count: v.pipe(v.number(), v.integer(), v.minValue(0), v.maxValue(9)),
  items: v.pipe(v.array(v.string()), v.minLength(1), v.maxLength(2)),
  label: v.optional(v.pipe(v.string(), v.minLength(2))),
  nested: v.optional(v.object({ inner: v.number() })),
  quote: v.optional(nonArray(v.partial(v.object({ open: v.number() })))),
  params: v.optional(record(record(finiteNumber()))),
  rows: v.optional(
    record(v.nullable(v.array(v.object({ t: isoDateTime(), o: v.unknown(), more: record(v.number()) })))),
  ),
  ticker: v.optional(
    v.pipe(
      v.string(),
      v.check((text) => /^[A-Z]+$/.test(text), 'not a ticker symbol'),
    ),
  ),
});
const valid = { name: 'n', kind: 'a', count: 1, items: ['x'] };

const issuesOf = (input: unknown) => {
  const checked = checkSchema(schema, input);
  return checked.success ? [] : checked.issues.map((issue) => `${issue.path}: ${issue.message}`);
};

describe('checking an input against its schema', () => {
  it('returns the output of a valid input', () => {
    expect(checkSchema(schema, { ...valid, params: { macd: { fast: 3 } } })).toEqual({
      success: true,
      output: { ...valid, params: { macd: { fast: 3 } } },
    });
  });

  it.each([
    [{ ...valid, name: 3 }, 'name: Invalid input: expected string, received number'],
    [{ ...valid, name: null }, 'name: Invalid input: expected string, received null'],
    [{ ...valid, kind: 'c' }, 'kind: Invalid option: expected one of "a"|"b"'],
    [{ ...valid, only: 'two' }, 'only: Invalid input: expected "one"'],
    [{ ...valid, count: 1.5 }, 'count: Invalid input: expected int, received number'],
    [{ ...valid, count: -1 }, 'count: Too small: expected number to be >=0'],
    [{ ...valid, count: 10 }, 'count: Too big: expected number to be <=9'],
    [{ ...valid, items: [] }, 'items: Too small: expected array to have >=1 items'],
    [{ ...valid, items: ['x', 'y', 'z'] }, 'items: Too big: expected array to have <=2 items'],
    [{ ...valid, items: 'x' }, 'items: Invalid input: expected array, received string'],
    [{ ...valid, items: [1] }, 'items.0: Invalid input: expected string, received number'],
    [{ ...valid, label: 'x' }, 'label: Too small: expected string to have >=2 characters'],
    [{ ...valid, nested: {} }, 'nested.inner: Invalid input: expected number, received undefined'],
    [{ ...valid, quote: [] }, 'quote: Invalid input: expected object, received array'],
    [{ ...valid, params: [] }, 'params: Invalid input: expected record, received array'],
    [{ ...valid, params: { macd: null } }, 'params.macd: Invalid input: expected record, received null'],
    [
      { ...valid, params: { macd: { fast: 'x' } } },
      'params.macd.fast: Invalid input: expected number, received string',
    ],
    [
      { ...valid, params: { macd: { fast: Infinity } } },
      'params.macd.fast: Invalid input: expected number, received Infinity',
    ],
    [{ ...valid, params: { macd: { fast: NaN } } }, 'params.macd.fast: Invalid input: expected number, received NaN'],
    [
      { ...valid, rows: { AAPL: [{ o: 1, more: {} }] } },
      'rows.AAPL.0.t: Invalid input: expected string, received undefined',
    ],
    [
      { ...valid, rows: { AAPL: [{ t: '2026-11-24T14:30:00Z', more: {} }] } },
      'rows.AAPL.0.o: Invalid input: expected nonoptional, received undefined',
    ],
    [
      { ...valid, rows: { AAPL: [{ t: '2026-11-24T14:30:00Z', o: 1 }] } },
      'rows.AAPL.0.more: Invalid input: expected record, received undefined',
    ],
    [{ ...valid, ticker: 'aapl' }, 'ticker: not a ticker symbol'],
    [{ ...valid, extra: 1 }, ': Unrecognized key: "extra"'],
    ['x', ': Invalid input: expected object, received string'],
  ])('words the issue of %j as zod did, or as its schema says', (input, issue) => {
    expect(issuesOf(input)).toEqual([issue]);
  });

  it('reports every issue, in the order of the keys, a missing key as its own schema expects', () => {
    expect(issuesOf({ kind: 'c', count: 1 })).toEqual([
      'name: Invalid input: expected string, received undefined',
      'kind: Invalid option: expected one of "a"|"b"',
      'items: Invalid input: expected array, received undefined',
    ]);
  });
});

describe('an ISO 8601 date-time', () => {
  const accepts = (input: string, offset = false) => v.safeParse(isoDateTime({ offset }), input).success;

  it('needs seconds and a real day; UTC only unless offsets are allowed', () => {
    const valid = ['2026-11-24T14:30:00Z', '2026-11-24T14:30:00.123456Z', '2024-02-29T23:59:59Z'];
    const invalid = [
      '2026-11-24T14:30Z',
      '2026-11-24 14:30:00Z',
      '2026-11-24T24:00:00Z',
      '2026-02-30T14:30:00Z',
      '2023-02-29T14:30:00Z',
      '2026-11-24T14:30:00',
      '2026-11-24T14:30:00+01:00',
    ];
    expect(valid.filter((text) => !accepts(text))).toEqual([]);
    expect(invalid.filter((text) => accepts(text))).toEqual([]);
    expect(
      ['2026-11-24T14:30:00+01:00', '2026-11-24T14:30:00-05:00', '2026-11-24T14:30:00Z'].every((t) => accepts(t, true)),
    ).toBe(true);
    expect(['2026-11-24T14:30:00+0100', '2026-11-24T14:30:00+24:00'].some((t) => accepts(t, true))).toBe(false);
    expect(checkSchema(isoDateTime(), 'tomorrow')).toEqual({
      success: false,
      issues: [{ path: '', message: 'Invalid ISO datetime' }],
    });
  });
});
