import { Exec, KubeConfig, type V1Status } from '@kubernetes/client-node';
import { ProxyRequestV1 } from '@portcullis/contracts';
import { waitFor } from '@portcullis/platform/testing';
import fs from 'node:fs';
import { PassThrough } from 'node:stream';
import { ClientCredential } from './support/client-certificates';
import { Http2Watch } from './support/http2-client';
import { ProxyHarness } from './support/proxy-harness';

// Every request becomes a ProxyRequestV1 on JetStream, published off the request path: read
// back here as the audit service would read it.

async function metric(harness: ProxyHarness, pattern: RegExp): Promise<number> {
  const text = await (await fetch(`${harness.opsUrl}/metrics`)).text();
  const match = pattern.exec(text);
  return match ? Number(match[1]) : NaN;
}

describe('request events', () => {
  let harness: ProxyHarness;
  let alice: ClientCredential;

  beforeAll(async () => {
    harness = await ProxyHarness.start();
    harness.emulator.apply({ apiVersion: 'v1', kind: 'Pod', metadata: { name: 'web', namespace: 'default' }, spec: { containers: [{ name: 'main', image: 'busybox:1.36' }] } });
    harness.controlPlane.grant({ subject: { kind: 'user', name: 'alice' }, cluster: 'dev', role: 'edit', namespaces: ['default'] });
    harness.controlPlane.registerCluster('prod', harness.emulator);
    alice = await harness.mint('alice', ['developers', 'oncall']);
  });

  afterAll(async () => {
    await harness?.stop();
  });

  it('describes an allowed request as the API server would classify it, with the TCP peer as source', async () => {
    const response = await harness.request(alice, 'GET', '/clusters/dev/api/v1/namespaces/default/pods/web', {
      headers: { 'user-agent': 'kubectl/v1.32.4 (linux/amd64) kubernetes/59526cd', 'x-forwarded-for': '203.0.113.9' },
    });
    expect(response.status).toBe(200);

    const event = await harness.events.find((e) => e.userId === 'alice' && e.name === 'web' && e.verb === 'get');
    expect(event).toEqual<ProxyRequestV1>({
      id: expect.stringMatching(/^[0-9a-f-]{36}$/),
      occurredAt: expect.any(String),
      userId: 'alice',
      groups: ['developers', 'oncall'],
      kubeconfigId: alice.kubeconfigId,
      cluster: 'dev',
      decision: 'allowed',
      verb: 'get',
      apiGroup: '',
      apiVersion: 'v1',
      resource: 'pods',
      subresource: '',
      namespace: 'default',
      name: 'web',
      path: '/api/v1/namespaces/default/pods/web',
      responseStatus: 200,
      latencyMs: expect.any(Number),
      bytesIn: 0,
      bytesOut: Buffer.byteLength(response.body),
      userAgent: 'kubectl/v1.32.4 (linux/amd64) kubernetes/59526cd',
      sourceAddress: '127.0.0.1',
      traceId: null,
    });
  });

  it('records denied requests, with the person when known', async () => {
    await harness.request(alice, 'DELETE', '/clusters/prod/api/v1/namespaces/default/pods');
    await harness.request(undefined, 'GET', '/clusters/dev/apis/apps/v1/namespaces/shop/deployments?watch=true');

    expect(await harness.events.find((e) => e.cluster === 'prod')).toMatchObject({
      userId: 'alice',
      decision: 'denied',
      verb: 'deletecollection',
      resource: 'pods',
      responseStatus: 403,
    });
    expect(await harness.events.find((e) => e.resource === 'deployments')).toMatchObject({
      userId: null,
      kubeconfigId: null,
      groups: [],
      decision: 'denied',
      verb: 'watch',
      apiGroup: 'apps',
      namespace: 'shop',
      responseStatus: 401,
    });
  });

  it('publishes a watch when it ends, not before', async () => {
    const session = harness.http2Session(alice);
    try {
      const watch = new Http2Watch(session, '/clusters/dev/api/v1/namespaces/default/configmaps?watch=1&fieldSelector=metadata.name%3Dwatched');
      await waitFor(() => watch.status === 200, 'the watch to start');
      harness.emulator.apply({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'watched', namespace: 'default' }, data: { a: '1' } });
      await waitFor(() => watch.events.length === 1, 'the watch event');
      await new Promise((resolve) => setTimeout(resolve, 300));
      expect(harness.events.events.filter((e) => e.name === 'watched')).toEqual([]);

      watch.close();

      const event = await harness.events.find((e) => e.name === 'watched');
      expect(event).toMatchObject({ verb: 'watch', resource: 'configmaps', responseStatus: 200, decision: 'allowed' });
      expect(event.bytesOut).toBeGreaterThan(100);
    } finally {
      session.close();
    }
  });

  it('records an exec session (WebSocket, @kubernetes/client-node) with the bytes both ways', async () => {
    const kubeConfig = new KubeConfig();
    kubeConfig.loadFromString(fs.readFileSync(harness.kubectl(alice).kubeconfig, 'utf8'));
    const stdout = new PassThrough();
    const stdin = new PassThrough();
    let output = '';
    stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));

    const status = new Promise<V1Status>((resolve, reject) => {
      new Exec(kubeConfig).exec('default', 'web', 'main', ['cat'], stdout, null, stdin, false, resolve).catch(reject);
    });
    stdin.end('through the proxy\n');

    expect(await status).toMatchObject({ status: 'Success' });
    expect(output).toBe('through the proxy\n');
    const event = await harness.events.find((e) => e.subresource === 'exec');
    expect(event).toMatchObject({ userId: 'alice', verb: 'get', resource: 'pods', name: 'web', namespace: 'default', responseStatus: 101, decision: 'allowed' });
    expect(event.bytesIn).toBeGreaterThan(18);
    expect(event.bytesOut).toBeGreaterThan(18);
  });

  it('exposes request, latency, stream and audit-buffer metrics', async () => {
    expect(await metric(harness, /^proxy_requests_total\{cluster="dev",code="200",service="proxy"\} (\d+)$/m)).toBeGreaterThan(0);
    expect(await metric(harness, /^proxy_requests_total\{cluster="dev",code="401",service="proxy"\} (\d+)$/m)).toBeGreaterThan(0);
    expect(await metric(harness, /^proxy_upstream_latency_seconds_count\{service="proxy",cluster="dev"\} (\d+)$/m)).toBeGreaterThan(0);
    expect(await metric(harness, /^proxy_open_streams\{service="proxy"\} (\d+)$/m)).toBe(0);
    expect(await metric(harness, /^proxy_audit_buffer_events\{service="proxy"\} (\d+)$/m)).toBe(0);
    expect(await metric(harness, /^proxy_audit_events_dropped_total\{service="proxy"\} (\d+)$/m)).toBe(0);
  });

  it('keeps serving through a JetStream outage and loses no event', async () => {
    await harness.request(alice, 'GET', '/clusters/dev/api/v1/namespaces/default/configmaps');
    await harness.nats.halt();
    try {
      // Access and the JIT token are cached: requests need no broker.
      for (let i = 0; i < 40; i++) {
        const response = await harness.request(alice, 'GET', `/clusters/dev/api/v1/namespaces/default/configmaps?labelSelector=outage%3D${i}`);
        expect(response.status).toBe(200);
      }
      // All but perhaps one in flight when the broker went: held in the buffer.
      expect(await metric(harness, /^proxy_audit_buffer_events\{service="proxy"\} (\d+)$/m)).toBeGreaterThanOrEqual(39);
      await new Promise((resolve) => setTimeout(resolve, 3_000));
    } finally {
      await harness.nats.resume();
    }

    await waitFor(() => harness.events.events.filter((e) => e.userId === 'alice' && e.resource === 'configmaps' && e.verb === 'list').length >= 41, 'every event of the outage', 30_000);
    expect(await metric(harness, /^proxy_audit_events_dropped_total\{service="proxy"\} (\d+)$/m)).toBe(0);
  });
});

describe('request events that cannot be recorded', () => {
  let harness: ProxyHarness;
  let alice: ClientCredential;

  beforeAll(async () => {
    harness = await ProxyHarness.start({ env: { AUDIT_FAIL_MODE: 'closed', AUDIT_BUFFER_EVENTS: '10' } });
    harness.controlPlane.grant({ subject: { kind: 'user', name: 'alice' }, cluster: 'dev', role: 'view', namespaces: [] });
    alice = await harness.mint('alice');
  });

  afterAll(async () => {
    await harness?.stop();
  });

  it('with AUDIT_FAIL_MODE=closed, refuses new requests while JetStream is away, counts what overflows, and recovers', async () => {
    expect((await harness.request(alice, 'GET', '/clusters/dev/api')).status).toBe(200);
    await harness.nats.halt();
    try {
      const refused = await waitFor(async () => {
        const response = await harness.request(alice, 'GET', '/clusters/dev/api');
        return response.status === 503 ? response : undefined;
      }, 'requests to be refused');
      expect(refused.headers['retry-after']).toBe('5');
      expect(refused.json()).toMatchObject({ kind: 'Status', code: 503, reason: 'ServiceUnavailable', message: expect.stringContaining('audit trail') });

      for (let i = 0; i < 20; i++) await harness.request(alice, 'GET', '/clusters/dev/api');
      expect(await metric(harness, /^proxy_audit_buffer_events\{service="proxy"\} (\d+)$/m)).toBe(10);
      expect(await metric(harness, /^proxy_audit_events_dropped_total\{service="proxy"\} (\d+)$/m)).toBeGreaterThanOrEqual(10);
    } finally {
      await harness.nats.resume();
    }

    await waitFor(async () => (await harness.request(alice, 'GET', '/clusters/dev/api')).status === 200, 'requests to be served again', 20_000);
    expect(await metric(harness, /^proxy_audit_buffer_events\{service="proxy"\} (\d+)$/m)).toBeLessThan(10);
  });
});
