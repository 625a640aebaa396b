import { createHttpServer } from '../../src/http/server.js';
import { createLogger } from '../../src/observability/logger.js';
import { createTestHost } from '../host/host-test-support.js';

describe('HTTP server', () => {
  it('is live at once, ready only while the host runs, and answers unknown routes with 404', async () => {
    const t = createTestHost(`
integrations:
  - identifier: a
    type: good
    config: { apiToken: x1234 }
`);
    const app = createHttpServer({ host: t.host, metrics: t.metrics, logger: createLogger({ level: 'silent', redactor: t.redactor }), version: '1.0.0' });
    const url = await app.listen({ host: '127.0.0.1', port: 0 });
    try {
      const status = async (route: string) => (await fetch(`${url}${route}`)).status;
      expect(await status('/health/live')).toBe(200);
      const before = await fetch(`${url}/health/ready`);
      expect(before.status).toBe(503);
      expect(await before.json()).toEqual({ status: 'unavailable', check: 'ready', core_version: '1.0.0', state: 'created', integrations: { degraded: [], failed: [] } });
      await t.host.start();
      expect(await status('/health/ready')).toBe(200);
      expect(await status('/nowhere')).toBe(404);
      await t.host.stop();
      expect(await status('/health/ready')).toBe(503);
      const list = (await (await fetch(`${url}/api/integrations`)).json()) as { hostState: string; integrations: { status: string }[] };
      expect(list).toMatchObject({ hostState: 'stopped', integrations: [{ status: 'stopped' }] });
    } finally {
      await app.close();
    }
  });

  it('exposes only its own registry, so two hosts in one process never mix series', async () => {
    const one = createTestHost('integrations:\n  - { identifier: one, type: good, config: { apiToken: x1234 } }\n');
    const two = createTestHost('integrations:\n  - { identifier: two, type: good, config: { apiToken: x1234 } }\n');
    await Promise.all([one.host.start(), two.host.start()]);
    const text = await one.metrics.registry.metrics();
    expect(text).toContain('integration="one"');
    expect(text).not.toContain('integration="two"');
    await Promise.all([one.host.stop(), two.host.stop()]);
  });
});
