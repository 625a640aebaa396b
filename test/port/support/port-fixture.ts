import { startEmulator, type Emulator, type EmulatorOptions } from '../../../src/emulator/index.js';
import { createPortClient, createRateBudget, type IntegrationIdentity, type PortClient, type RateBudget, type RateBudgetOptions } from '../../../src/port/index.js';
import type { PortClientOptions } from '../../../src/port/port-client.js';

export interface PortFixture {
  emulator: Emulator;
  client: PortClient;
  budget: RateBudget;
  identity: IntegrationIdentity;
  close(): Promise<void>;
}

/** A real emulator on an ephemeral port and a real client against it, with fast retries. */
export async function startPortFixture(
  options: { emulator?: EmulatorOptions; budget?: RateBudgetOptions; client?: Partial<PortClientOptions>; identity?: Partial<IntegrationIdentity> } = {},
): Promise<PortFixture> {
  const emulator = await startEmulator({ seed: 7, ...options.emulator });
  const budget = createRateBudget({ limits: false, concurrency: 32, ...options.budget });
  const client = createPortClient({
    baseUrl: emulator.url,
    clientId: 'marina-client',
    clientSecret: 'marina-secret-value',
    budget,
    retry: { baseDelayMs: 5, maxDelayMs: 200 },
    ...options.client,
  });
  const identity = { identifier: 'acme-github', type: 'github', version: '1.2.3', ...options.identity };
  return {
    emulator,
    client,
    budget,
    identity,
    async close() {
      client.close();
      await emulator.close();
    },
  };
}

/** Creates blueprints straight through the API (test setup, not the code under test). */
export async function createBlueprints(fixture: PortFixture, blueprints: Record<string, unknown>[]): Promise<void> {
  for (const blueprint of blueprints) {
    await fixture.client.request({ method: 'POST', path: '/v1/blueprints', body: blueprint, integration: fixture.identity });
  }
}

/** Three blueprints with relations: team ← service → (many) domain. */
export const RELATED_BLUEPRINTS = [
  { identifier: 'domain', title: 'Domain', schema: { properties: { name: { type: 'string' } } } },
  { identifier: 'team_bp', title: 'Team', schema: { properties: { size: { type: 'number' } } } },
  {
    identifier: 'service',
    title: 'Service',
    schema: { properties: { lang: { type: 'string' }, stars: { type: 'number' } } },
    relations: {
      team: { target: 'team_bp', required: false, many: false },
      domains: { target: 'domain', required: false, many: true },
    },
  },
];
