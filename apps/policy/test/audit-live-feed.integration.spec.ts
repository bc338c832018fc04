import { AuditEventStoredV1 } from '@portcullis/contracts';
import { MessagingConnection } from '@portcullis/platform/messaging';
import { NatsServerProcess } from '@portcullis/platform/testing';
import { randomUUID } from 'node:crypto';
import type { Logger } from 'pino';
import { AuditLiveFeed } from '../src/audit/audit-live-feed';

function record(name: string): AuditEventStoredV1 {
  return {
    id: randomUUID(),
    occurredAt: new Date().toISOString(),
    userId: 'u-ada',
    groups: [],
    kubeconfigId: null,
    cluster: 'alpha',
    decision: 'allowed',
    verb: 'get',
    apiGroup: '',
    apiVersion: 'v1',
    resource: 'pods',
    subresource: '',
    namespace: 'default',
    name,
    path: `/api/v1/namespaces/default/pods/${name}`,
    responseStatus: 200,
    latencyMs: 1,
    userAgent: 'kubectl',
    sourceAddress: '127.0.0.1',
    traceId: null,
    kind: 'proxy.request',
  };
}

describe(AuditLiveFeed.name, () => {
  let nats: NatsServerProcess;
  let connection: MessagingConnection;
  const warnings: unknown[] = [];
  let sut: AuditLiveFeed;

  beforeAll(async () => {
    nats = await NatsServerProcess.start();
    connection = await MessagingConnection.open({ url: nats.url, name: 'live-feed-test' });
    sut = new AuditLiveFeed(connection, { warn: (details: unknown) => warnings.push(details) } as unknown as Logger);
  });

  afterAll(async () => {
    await connection?.close();
    await nats?.stop();
  });

  it('yields the valid records its filter matches, skipping malformed ones with a warning', async () => {
    const stream = sut.open({ namePrefix: 'web-' });
    await connection.nats.flush();

    connection.nats.publish(AuditEventStoredV1.subject, 'not json');
    connection.nats.publish(AuditEventStoredV1.subject, JSON.stringify(record('api-1')));
    connection.nats.publish(AuditEventStoredV1.subject, JSON.stringify({ ...record('web-0'), verb: '' }));
    connection.nats.publish(AuditEventStoredV1.subject, JSON.stringify(record('web-1')));

    const first = await stream.next();
    await stream.return?.();

    expect(first).toEqual({ done: false, value: expect.objectContaining({ name: 'web-1' }) });
    expect(warnings).toHaveLength(2);
  });

  it('ends at once when the subscriber leaves, even while waiting for the next record', async () => {
    const stream = sut.open({});
    const pending = stream.next();

    await stream.return?.();

    await expect(pending).resolves.toEqual({ done: true, value: undefined });
  });
});
