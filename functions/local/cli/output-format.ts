import { UsageError } from './usage-error.js';

/** What a command can print on stdout: tables (the default), one JSON document, or CSV. */
export type OutputFormat = 'table' | 'json' | 'csv';

/** The options every command with a JSON document takes: --format NAME and --json, its alias for json. */
export const FORMAT_OPTIONS = {
  format: { type: 'string' },
  json: { type: 'boolean', default: false },
} as const;

/** --format NAME or --json: one of the formats the command prints (the first is the default). */
export function parseFormat(
  values: { format?: string; json?: boolean },
  formats: readonly [OutputFormat, ...OutputFormat[]],
): OutputFormat {
  const { format, json } = values;
  if (format !== undefined && !(formats as readonly string[]).includes(format))
    throw new UsageError(`--format must be one of ${formats.join(', ')}, got "${format}"`);
  if (json && format !== undefined && format !== 'json')
    throw new UsageError(`--json is --format json: give one of --json and --format ${format}`);
  return json ? 'json' : ((format as OutputFormat | undefined) ?? formats[0]);
}

/** What --format json prints: one document, indented, ending in a newline. */
export const jsonDocument = (value: unknown): string => `${JSON.stringify(value, null, 2)}\n`;
