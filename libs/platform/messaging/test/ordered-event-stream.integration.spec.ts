import { defineEvent, StreamDefinition } from '@portcullis/contracts';
import { ensureStreams, EventPublisher, MessagingConnection, OrderedEventStream, OrderedEventStreamOptions, silentLogger } from '@portcullis/platform/messaging';
import { NatsServerProcess, stackEnvironment, uniqueName, waitFor } from '@portcullis/platform/testing';
import { randomUUID } from 'node:crypto';
import { z } from 'zod';

function testContracts(scope: string) {
  const BellRung = defineEvent({ subject: `test.${scope}.bell.rung`, schemaName: 'test.bell.rung.v1', shape: { n: z.number().int() } });
  const LampLit = defineEvent({ subject: `test.${scope}.lamp.lit`, schemaName: 'test.lamp.lit.v1', shape: { n: z.number().int() } });
  const stream: StreamDefinition = { name: scope, subjects: [`test.${scope}.>`], maxAgeSeconds: 600, duplicateWindowSeconds: 120 };
  return { BellRung, LampLit, stream };
}

/** Every BellRung of the scope's stream from its first, each one's `n` pushed onto `handled`. */
function bellsFromTheStart(connection: MessagingConnection, { BellRung, stream }: Pick<ReturnType<typeof testContracts>, 'BellRung' | 'stream'>, handled: number[]): OrderedEventStream {
  return new OrderedEventStream(
    connection,
    { name: 'test', stream: stream.name, filterSubject: BellRung.subject, from: 'all', contracts: [BellRung] },
    (_subject, e) => handled.push((e as { n: number }).n),
    silentLogger,
  );
}

const event = (n: number) => ({ id: randomUUID() as string, occurredAt: new Date().toISOString(), n });
const encoder = new TextEncoder();

describe(OrderedEventStream.name, () => {
  describe('against the shared broker', () => {
    let connection: MessagingConnection;
    let publisher: EventPublisher;
    const cleanups: Array<() => Promise<unknown>> = [];

    beforeAll(async () => {
      connection = await MessagingConnection.open({ url: stackEnvironment().natsUrl, name: 'ordered-event-stream-test' });
      publisher = new EventPublisher(connection);
    });

    afterEach(async () => {
      for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
    });

    afterAll(async () => {
      await connection.close();
    });

    async function setUp() {
      const scope = uniqueName('ORDERED').toUpperCase();
      const contracts = testContracts(scope);
      await ensureStreams(connection.jetstreamManager, [contracts.stream]);
      cleanups.push(() => connection.jetstreamManager.streams.delete(scope));
      return contracts;
    }

    function streamOf(options: OrderedEventStreamOptions, handler: (subject: string, event: unknown) => void) {
      const sut = new OrderedEventStream(connection, options, handler, silentLogger);
      cleanups.push(() => sut.stop());
      return sut;
    }

    it('is caught up only once every stored event has been handled, then follows new ones', async () => {
      const { BellRung, stream } = await setUp();
      await Promise.all(Array.from({ length: 300 }, (_, n) => publisher.publishContract(BellRung, event(n))));
      const handled: number[] = [];
      let handledAtCatchUp = -1;
      const sut = streamOf({ name: 'test', stream: stream.name, filterSubject: BellRung.subject, from: 'all', contracts: [BellRung] }, (_subject, e) =>
        handled.push((e as { n: number }).n),
      );
      void sut.whenCaughtUp().then(() => (handledAtCatchUp = handled.length));

      expect(sut.isCaughtUp).toBe(false);
      sut.start();
      await sut.whenCaughtUp();
      await publisher.publishContract(BellRung, event(300));
      await waitFor(() => handled.length === 301, 'the live event');

      expect(handledAtCatchUp).toBe(300);
      expect(sut.isCaughtUp).toBe(true);
      expect(new Set(handled).size).toBe(301);
    });

    it('starting from new, skips what is stored and is caught up at once', async () => {
      const { BellRung, stream } = await setUp();
      await publisher.publishContract(BellRung, event(1));
      const handled: number[] = [];
      const sut = streamOf({ name: 'test', stream: stream.name, filterSubject: BellRung.subject, from: 'new', contracts: [BellRung] }, (_subject, e) =>
        handled.push((e as { n: number }).n),
      );

      sut.start();
      await sut.whenCaughtUp();
      await publisher.publishContract(BellRung, event(2));
      await waitFor(() => handled.length === 1, 'the new event');

      expect(handled).toEqual([2]);
    });

    it('gives every stream its own copy of each event, as every replica needs', async () => {
      const { BellRung, stream } = await setUp();
      const options: OrderedEventStreamOptions = { name: 'test', stream: stream.name, filterSubject: BellRung.subject, from: 'all', contracts: [BellRung] };
      const first: number[] = [];
      const second: number[] = [];
      streamOf(options, (_subject, e) => first.push((e as { n: number }).n)).start();
      streamOf(options, (_subject, e) => second.push((e as { n: number }).n)).start();

      await publisher.publishContract(BellRung, event(1));
      await publisher.publishContract(BellRung, event(2));
      await waitFor(() => first.length === 2 && second.length === 2, 'both streams to see both events');

      expect([first, second]).toEqual([
        [1, 2],
        [1, 2],
      ]);
    });

    it('hands each contract its subject, and skips foreign subjects, invalid payloads and a failing handler without stopping', async () => {
      const { BellRung, LampLit, stream } = await setUp();
      const handled: Array<[string, number]> = [];
      const sut = streamOf(
        { name: 'test', stream: stream.name, filterSubject: `test.${stream.name}.>`, from: 'all', contracts: [BellRung, LampLit] },
        (subject, e) => {
          const { n } = e as { n: number };
          if (n === 13) throw new Error('handler failed');
          handled.push([subject, n]);
        },
      );

      await publisher.publishContract(BellRung, event(1));
      await connection.jetstream.publish(`test.${stream.name}.door.opened`, encoder.encode(JSON.stringify(event(2))));
      await connection.jetstream.publish(BellRung.subject, encoder.encode('{not json'));
      await connection.jetstream.publish(BellRung.subject, encoder.encode(JSON.stringify({ ...event(3), n: 'three' })));
      await publisher.publishContract(LampLit, event(13));
      await publisher.publishContract(LampLit, event(4));
      sut.start();
      await sut.whenCaughtUp();

      expect(handled).toEqual([
        [BellRung.subject, 1],
        [LampLit.subject, 4],
      ]);
    });
  });

  describe('across a broker outage', () => {
    let nats: NatsServerProcess;
    let connection: MessagingConnection;

    beforeAll(async () => {
      nats = await NatsServerProcess.start();
      connection = await MessagingConnection.open({ url: nats.url, name: 'ordered-event-stream-outage-test' });
    });

    afterAll(async () => {
      await connection?.close();
      await nats?.stop();
    });

    // The client's ordered consumer recreates itself after a reconnect; the stream's own resume
    // from its last sequence covers a consumer that gives up. Either way the handler sees this.
    it('resumes after the last event it handled: nothing skipped, nothing repeated', async () => {
      const { BellRung, stream } = testContracts('ORDERED_OUTAGE');
      await ensureStreams(connection.jetstreamManager, [stream]);
      const publisher = new EventPublisher(connection);
      const handled: number[] = [];
      const sut = bellsFromTheStart(connection, { BellRung, stream }, handled);
      try {
        for (const n of [1, 2, 3]) await publisher.publishContract(BellRung, event(n));
        sut.start();
        await waitFor(() => handled.length === 3, 'the stored events');

        await nats.halt();
        await nats.resume();
        await waitFor(() => connection.isHealthy(), 'the reconnect', 20_000);
        for (const n of [4, 5, 6]) await publisher.publishContract(BellRung, event(n));
        await waitFor(() => handled.length >= 6, 'the events published after the outage', 20_000);
        // Room for a replay from the start, which must not happen.
        await new Promise((resolve) => setTimeout(resolve, 1_500));
      } finally {
        await sut.stop();
      }

      expect(handled).toEqual([1, 2, 3, 4, 5, 6]);
    });

    it('starts while the broker is away and catches up once it is back', async () => {
      const { BellRung, stream } = testContracts('ORDERED_LATE');
      await ensureStreams(connection.jetstreamManager, [stream]);
      await new EventPublisher(connection).publishContract(BellRung, event(1));
      const handled: number[] = [];
      const sut = bellsFromTheStart(connection, { BellRung, stream }, handled);
      try {
        await nats.halt();
        sut.start();
        await new Promise((resolve) => setTimeout(resolve, 1_500));
        expect(sut.isCaughtUp).toBe(false);

        await nats.resume();
        await waitFor(() => sut.isCaughtUp, 'the catch-up after the broker is back', 20_000);
      } finally {
        await sut.stop();
      }

      expect(handled).toEqual([1]);
    });
  });
});
