import { ServiceProcess, waitFor } from '@portcullis/platform/testing';
import { Http2Watch } from './support/http2-client';
import { ProxyHarness } from './support/proxy-harness';

// The proxy as it is deployed: apps/proxy/src/main.ts in its own process (telemetry first, then
// Nest), its data plane on a port chosen at start, a graceful stop on SIGTERM.

function logLine(service: ServiceProcess, message: string): Record<string, unknown> | undefined {
  for (const line of service.lines) {
    try {
      const entry = JSON.parse(line) as Record<string, unknown>;
      if (entry['msg'] === message) return entry;
    } catch {
      // not JSON
    }
  }
  return undefined;
}

describe('proxy main.ts', () => {
  let harness: ProxyHarness;
  let proxy: ServiceProcess;

  beforeAll(async () => {
    harness = await ProxyHarness.start({ startProxy: false });
    harness.controlPlane.grant({ subject: { kind: 'user', name: 'alice' }, cluster: 'dev', role: 'view', namespaces: [] });
    proxy = new ServiceProcess('proxy', { ...harness.proxyConfigEnv(), LOG_LEVEL: 'info', PROXY_DRAIN_TIMEOUT_MS: '1500' });
  });

  afterAll(async () => {
    await proxy?.stop();
    await harness?.stop();
  });

  it('starts, serves with a trace id in every request event, and drains on SIGTERM', async () => {
    const opsUrl = await waitFor(() => proxy.readyUrl(), 'the ready line', 60_000);
    const listening = await waitFor(() => logLine(proxy, 'data plane listening'), 'the data plane line');
    expect(listening['url']).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/);
    harness.useProxyAt(String(listening['url']), opsUrl);
    await waitFor(async () => (await fetch(`${opsUrl}/readyz`)).status === 200, 'readiness', 20_000);

    const alice = await harness.mint('alice');
    expect((await harness.request(alice, 'GET', '/clusters/dev/api/v1/namespaces')).status).toBe(200);
    const event = await harness.events.find((e) => e.userId === 'alice' && e.resource === 'namespaces');
    expect(event.traceId).toMatch(/^[0-9a-f]{32}$/);

    const session = harness.http2Session(alice);
    const watch = new Http2Watch(session, '/clusters/dev/api/v1/namespaces?watch=1');
    await waitFor(() => watch.status === 200, 'the watch');
    const stoppedAt = Date.now();
    const exit = await proxy.stop();

    // Nest closes the application, then re-raises the signal it caught.
    expect(exit).toEqual({ code: null, signal: 'SIGTERM' });
    expect(Date.now() - stoppedAt).toBeLessThan(8_000);
    await waitFor(() => watch.ended, 'the watch to be ended by the drain');
    session.destroy();
    // The watch's event was published on the way out.
    expect(await harness.events.find((e) => e.userId === 'alice' && e.verb === 'watch')).toMatchObject({ resource: 'namespaces', responseStatus: 200 });
    expect(logLine(proxy, 'data plane stopped')).toBeDefined();
  });
});
