export const PROVIDERS = ['csv', 'schwab', 'alpaca', 'yahoo'] as const;
export type ProviderName = (typeof PROVIDERS)[number];

export function isProviderName(name: string): name is ProviderName {
  return (PROVIDERS as readonly string[]).includes(name);
}
