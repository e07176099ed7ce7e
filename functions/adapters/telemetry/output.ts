/** Where the handlers' log lines and metric documents go, one line each. */
export interface TelemetryOutput {
  write(text: string): unknown;
}

// stdout as is: Lambda's runtime sends it to CloudWatch Logs untouched, where the global console
// would prefix each line (and CloudWatch would no longer read a metric document as one).
let output: TelemetryOutput = process.stdout;

export function writeTelemetry(line: string): void {
  output.write(`${line}\n`);
}

/**
 * Sends the lines elsewhere (the local CLI: to stderr, its stdout being the command's output);
 * returns the output it replaces.
 */
export function setTelemetryOutput(next: TelemetryOutput): TelemetryOutput {
  const previous = output;
  output = next;
  return previous;
}
