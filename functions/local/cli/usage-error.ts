import { parseArgs, type ParseArgsConfig } from 'node:util';
import { ScanfleetError } from '../../core/errors.js';

/** A problem with how the command was called: printed as one line, exit code 2. */
export class UsageError extends ScanfleetError {
  override readonly name = 'UsageError';
  override readonly code = 'usage';
}

/** A command that could not do what it was asked (a refusal, a provider that cannot answer): one line, exit code 1. */
export class CommandFailure extends ScanfleetError {
  override readonly name = 'CommandFailure';
  override readonly code = 'failed';
}

/** A command's options, strictly and without positionals: one it does not know is a UsageError. */
export function parseOptions<const O extends NonNullable<ParseArgsConfig['options']>>(
  argv: readonly string[],
  options: O,
) {
  try {
    return parseArgs({ args: [...argv], options, strict: true, allowPositionals: false }).values;
  } catch (error) {
    throw new UsageError((error as Error).message, { cause: error });
  }
}
