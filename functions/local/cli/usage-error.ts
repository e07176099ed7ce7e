import { ScanfleetError } from '../../core/errors.js';

/** A problem with how the command was called: printed as one line, exit code 2. */
export class UsageError extends ScanfleetError {
  override readonly name = 'UsageError';
  override readonly code = 'usage';
}
