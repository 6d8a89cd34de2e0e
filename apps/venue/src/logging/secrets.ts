import type { VenueConfig } from '../config/config.js';

/** Every secret value the configuration holds (account passwords, an admin token if configured). */
export function secretsOf(config: VenueConfig): string[] {
  const out = config.accounts.map((a) => a.password);
  const token = (config as { readonly adminToken?: unknown }).adminToken;
  if (typeof token === 'string' && token !== '') out.push(token);
  return out;
}
