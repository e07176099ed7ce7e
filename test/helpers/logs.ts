import { vi } from 'vitest';
import { setTelemetryOutput } from '../../functions/adapters/telemetry/output.js';

/**
 * Captures the handlers' structured JSON lines (log lines and metric documents, from their
 * telemetry output) and whatever is printed through the global console.
 */
export function captureLogs(): { lines: () => Record<string, unknown>[]; text: () => string; restore: () => void } {
  const written: string[] = [];
  const previous = setTelemetryOutput({
    write: (text: string) => written.push(...text.split('\n').filter((line) => line !== '')),
  });
  const spies = (['info', 'warn', 'error', 'debug', 'log'] as const).map((method) =>
    vi.spyOn(console, method).mockImplementation((...args: unknown[]) => {
      written.push(args.map(String).join(' '));
    }),
  );
  return {
    lines: () =>
      written.flatMap((line) => {
        try {
          return [JSON.parse(line) as Record<string, unknown>];
        } catch {
          return [];
        }
      }),
    text: () => written.join('\n'),
    restore: () => {
      setTelemetryOutput(previous);
      spies.forEach((spy) => spy.mockRestore());
    },
  };
}
