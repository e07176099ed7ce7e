import { vi } from 'vitest';

/**
 * Captures the structured JSON lines Powertools Logger writes. Needs POWERTOOLS_DEV=true set
 * before the handler module loads (the logger then writes through the global console).
 */
export function captureLogs(): { lines: () => Record<string, unknown>[]; text: () => string; restore: () => void } {
  const written: string[] = [];
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
    restore: () => spies.forEach((spy) => spy.mockRestore()),
  };
}
