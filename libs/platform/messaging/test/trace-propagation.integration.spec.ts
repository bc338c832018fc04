import { ConsumerDefinition, defineEvent, StreamDefinition } from '@portcullis/contracts';
import { DurableConsumer, ensureStreams, EventPublisher, MessagingConnection, silentLogger } from '@portcullis/platform/messaging';
import { SpanKind, startTelemetry, stopTelemetry, withSpan } from '@portcullis/platform/telemetry';
import { stackEnvironment, uniqueName, waitFor } from '@portcullis/platform/testing';
import { InMemorySpanExporter } from '@opentelemetry/sdk-trace';
import { randomUUID } from 'node:crypto';
import { z } from 'zod';

describe('trace context across a NATS hop', () => {
  const exporter = new InMemorySpanExporter();
  const scope = uniqueName('TRACE').toUpperCase();
  const Ping = defineEvent({ subject: `test.${scope}.ping`, schemaName: 'test.ping.v1', shape: { n: z.number() } });
  const stream: StreamDefinition = { name: scope, subjects: [`test.${scope}.>`], maxAgeSeconds: 600, duplicateWindowSeconds: 120 };
  const consumerDefinition: ConsumerDefinition = { stream: scope, durable: `${scope}-c`, filterSubjects: [Ping.subject], maxDeliver: 3, ackWaitSeconds: 5 };
  let connection: MessagingConnection;
  let consumer: DurableConsumer<typeof Ping>;
  const handled: string[] = [];

  beforeAll(async () => {
    startTelemetry({ serviceName: 'trace-test', exporter });
    connection = await MessagingConnection.open({ url: stackEnvironment().natsUrl, name: 'trace-test' });
    await ensureStreams(connection.jetstreamManager, [stream]);
    consumer = new DurableConsumer(connection, consumerDefinition, Ping, async (event) => {
      handled.push(event.id);
    }, silentLogger);
    await consumer.start();
  });

  afterAll(async () => {
    await consumer.stop();
    await connection.jetstreamManager.streams.delete(scope);
    await connection.close();
    await stopTelemetry();
  });

  it("makes the consumer's span a child of the publisher's span", async () => {
    const publisher = new EventPublisher(connection);
    const id = randomUUID();

    await withSpan('handle kubectl request', { kind: SpanKind.SERVER }, () =>
      publisher.publishContract(Ping, { id, occurredAt: new Date().toISOString(), n: 1 }),
    );
    await waitFor(() => handled.includes(id), 'the consumer to handle the event');

    const spans = await waitFor(() => {
      const finished = exporter.getFinishedSpans();
      return finished.some((s) => s.name === `process ${Ping.subject}`) ? finished : undefined;
    }, 'the consumer span to end');
    const request = spans.find((s) => s.name === 'handle kubectl request');
    const publish = spans.find((s) => s.name === `publish ${Ping.subject}`);
    const processing = spans.find((s) => s.name === `process ${Ping.subject}`);

    expect(publish?.kind).toBe(SpanKind.PRODUCER);
    expect(processing?.kind).toBe(SpanKind.CONSUMER);
    expect(publish?.parentSpanContext?.spanId).toBe(request?.spanContext().spanId);
    expect(processing?.spanContext().traceId).toBe(request?.spanContext().traceId);
    expect(processing?.parentSpanContext?.spanId).toBe(publish?.spanContext().spanId);
    expect(processing?.parentSpanContext?.isRemote).toBe(true);
  });
});
