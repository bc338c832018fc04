import { PROXY_REQUEST_BATCH_MAX, ProxyRequestBatchV1, ProxyRequestV1, validate } from '@portcullis/contracts';
import { EventPublisher, MessagingConnection } from '@portcullis/platform/messaging';
import { waitFor } from '@portcullis/platform/testing';
import { randomUUID } from 'node:crypto';
import pino from 'pino';
import { MetricsRegistry } from '@portcullis/platform/service';
import { ProxyConfig } from '../config/proxy.config';
import { ProxyMetrics } from '../metrics/proxy-metrics';
import { AuditTrail } from './audit-trail';

interface Sent {
  subject: string;
  schemaName: string;
  id: string;
  json: string;
}

/** Stands in for JetStream: records what is published, and fails while `failing` is set. */
class RecordingPublisher {
  readonly sent: Sent[] = [];
  attempts = 0;
  failing = false;

  async publishSerialized(subject: string, schemaName: string, id: string, json: string): Promise<void> {
    this.attempts++;
    if (this.failing) throw new Error('no responders');
    this.sent.push({ subject, schemaName, id, json });
  }

  batches(): ProxyRequestBatchV1[] {
    return this.sent.map((message) => {
      const checked = validate(ProxyRequestBatchV1.schema, JSON.parse(message.json));
      if (!checked.ok) throw new Error(checked.reason);
      expect(checked.value.id).toBe(message.id);
      return checked.value;
    });
  }
}

function requestEvent(overrides: Partial<ProxyRequestV1> = {}): ProxyRequestV1 {
  return {
    id: randomUUID(),
    occurredAt: new Date().toISOString(),
    userId: 'alice',
    groups: ['developers'],
    kubeconfigId: randomUUID(),
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
    latencyMs: 1.5,
    bytesIn: 0,
    bytesOut: 512,
    userAgent: 'kubectl/v1.32.4',
    sourceAddress: '127.0.0.1',
    traceId: null,
    ...overrides,
  };
}

describe('AuditTrail', () => {
  let publisher: RecordingPublisher;
  let trail: AuditTrail;

  function start(config: Partial<ProxyConfig> = {}): AuditTrail {
    publisher = new RecordingPublisher();
    const messaging = { isHealthy: async () => true } as unknown as MessagingConnection;
    const fullConfig = { AUDIT_BUFFER_EVENTS: 100_000, AUDIT_FAIL_MODE: 'open', ...config } as ProxyConfig;
    trail = new AuditTrail(publisher as unknown as EventPublisher, messaging, new ProxyMetrics(new MetricsRegistry('proxy-test')), fullConfig, pino({ level: 'silent' }));
    trail.onApplicationBootstrap();
    return trail;
  }

  afterEach(async () => {
    publisher.failing = false;
    await trail.stop();
  });

  it('sends a burst as full batches, every event exactly once and in order', async () => {
    start();
    const events = Array.from({ length: 1_300 }, () => requestEvent());
    for (const event of events) trail.record(event);
    await waitFor(() => trail.depth === 0, 'the burst to be published');

    const batches = publisher.batches();
    expect(batches.map((batch) => batch.requests.length)).toEqual([PROXY_REQUEST_BATCH_MAX, PROXY_REQUEST_BATCH_MAX, 1_300 - 2 * PROXY_REQUEST_BATCH_MAX]);
    expect(batches.flatMap((batch) => batch.requests.map((request) => request.id))).toEqual(events.map((event) => event.id));
    expect(new Set(publisher.sent.map((message) => message.id)).size).toBe(3);
    expect(publisher.sent.every((message) => message.subject === ProxyRequestBatchV1.subject && message.schemaName === ProxyRequestBatchV1.schemaName)).toBe(true);
  });

  it('lets a lone event wait briefly for company, then sends it', async () => {
    start();
    const first = requestEvent();
    trail.record(first);
    await new Promise((resolve) => setTimeout(resolve, 5));
    const second = requestEvent();
    trail.record(second);
    await waitFor(() => publisher.sent.length > 0, 'the batch to leave', 1_000, 2);
    expect(publisher.batches()[0].requests.map((request) => request.id)).toEqual([first.id, second.id]);
  });

  it('keeps a batch whole while JetStream is away and re-sends it under the same id', async () => {
    start();
    publisher.failing = true;
    const events = Array.from({ length: 10 }, () => requestEvent());
    for (const event of events) trail.record(event);
    await waitFor(() => publisher.attempts >= 2, 'two failed attempts', 5_000);
    const later = requestEvent();
    trail.record(later);
    expect(trail.depth).toBe(11);
    publisher.failing = false;
    await waitFor(() => trail.depth === 0, 'the held events to be published', 5_000);

    const batches = publisher.batches();
    expect(batches[0].requests.map((request) => request.id)).toEqual(events.map((event) => event.id));
    expect(batches.flatMap((batch) => batch.requests.map((request) => request.id))).toEqual([...events, later].map((event) => event.id));
  });

  it('cuts batches before they outgrow a NATS message', async () => {
    start();
    const bulky = Array.from({ length: 300 }, () => requestEvent({ userAgent: 'x'.repeat(2_000), path: `/${'p'.repeat(2_000)}` }));
    for (const event of bulky) trail.record(event);
    await waitFor(() => trail.depth === 0, 'the bulky events to be published');
    expect(publisher.sent.length).toBeGreaterThan(1);
    for (const message of publisher.sent) expect(Buffer.byteLength(message.json)).toBeLessThan(1024 * 1024);
    expect(publisher.batches().reduce((sum, batch) => sum + batch.requests.length, 0)).toBe(300);
  });

  it('drops what exceeds the buffer, counts it, and with AUDIT_FAIL_MODE=closed refuses while it cannot publish', async () => {
    start({ AUDIT_BUFFER_EVENTS: 10, AUDIT_FAIL_MODE: 'closed' });
    publisher.failing = true;
    for (let i = 0; i < 15; i++) trail.record(requestEvent());
    expect(trail.depth).toBe(10);
    await waitFor(() => !trail.acceptsRequests, 'the trail to refuse requests', 5_000);
    publisher.failing = false;
    await waitFor(() => trail.depth === 0 && trail.acceptsRequests, 'the trail to recover', 10_000);
    expect(publisher.batches().reduce((sum, batch) => sum + batch.requests.length, 0)).toBe(10);
  });
});
