import {
  ConsumerDefinition,
  deadLetterSubject,
  defineEvent,
  defineRequest,
  StreamDefinition,
  streamDefinitions,
  Streams,
} from '@portcullis/contracts';
import {
  DurableConsumer,
  ensureStreams,
  EventPublisher,
  HeaderNames,
  InvalidEventError,
  MessagingConnection,
  NoRespondersError,
  RemoteRequestError,
  ReplyError,
  Requester,
  RequestTimeoutError,
  Responder,
  silentLogger,
} from '@portcullis/platform/messaging';
import { stackEnvironment, uniqueName, waitFor } from '@portcullis/platform/testing';
import { randomUUID } from 'node:crypto';
import { z } from 'zod';

const { natsUrl } = stackEnvironment();

function testContracts(scope: string) {
  const DoorOpened = defineEvent({
    subject: `test.${scope}.door.opened`,
    schemaName: 'test.door.opened.v1',
    shape: { door: z.string().min(1), floor: z.number().int() },
  });
  const stream: StreamDefinition = { name: scope, subjects: [`test.${scope}.>`], maxAgeSeconds: 600, duplicateWindowSeconds: 120 };
  const consumer: ConsumerDefinition = {
    stream: scope,
    durable: `${scope}-consumer`,
    filterSubjects: [DoorOpened.subject],
    maxDeliver: 3,
    ackWaitSeconds: 5,
  };
  return { DoorOpened, stream, consumer };
}

async function deadLetters(connection: MessagingConnection, durable: string) {
  const subject = deadLetterSubject(durable);
  const info = await connection.jetstreamManager.streams.info(Streams.deadLetter, { subjects_filter: subject });
  const count = info.state.subjects?.[subject] ?? 0;
  const letters = [];
  let seq = info.state.first_seq;
  while (letters.length < count && seq <= info.state.last_seq) {
    const message = await connection.jetstreamManager.streams.getMessage(Streams.deadLetter, { seq }).catch(() => null);
    if (message?.subject === subject) letters.push(message);
    seq += 1;
  }
  return letters;
}

const doorEvent = (door: string, floor = 1) => ({ id: randomUUID() as string, occurredAt: new Date().toISOString(), door, floor });

describe('messaging over NATS JetStream', () => {
  let connection: MessagingConnection;
  const cleanups: Array<() => Promise<unknown>> = [];

  beforeAll(async () => {
    connection = await MessagingConnection.open({ url: natsUrl, name: 'messaging-integration-test' });
  });

  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  });

  afterAll(async () => {
    await connection.close();
  });

  async function setUp(handler: (event: ReturnType<typeof doorEvent>) => Promise<void>) {
    const scope = uniqueName('MSG').toUpperCase();
    const contracts = testContracts(scope);
    // Dead letters go to the platform's dead-letter stream, under a subject named after the consumer.
    await ensureStreams(connection.jetstreamManager, [contracts.stream, ...streamDefinitions.filter((s) => s.name === Streams.deadLetter)]);
    cleanups.push(() => connection.jetstreamManager.streams.delete(contracts.stream.name));
    cleanups.push(() => connection.jetstreamManager.streams.purge(Streams.deadLetter, { filter: deadLetterSubject(contracts.consumer.durable) }));
    const consumer = new DurableConsumer(connection, contracts.consumer, contracts.DoorOpened, handler, silentLogger);
    await consumer.start();
    cleanups.push(() => consumer.stop());
    return { ...contracts, publisher: new EventPublisher(connection) };
  }

  it('delivers a published event to a durable consumer, typed and validated', async () => {
    const received: Array<{ door: string; floor: number }> = [];
    const { DoorOpened, publisher } = await setUp(async (event) => {
      received.push({ door: event.door, floor: event.floor });
    });

    await publisher.publishContract(DoorOpened, doorEvent('north', 3));

    await waitFor(() => received.length === 1, 'the event to arrive');
    expect(received).toEqual([{ door: 'north', floor: 3 }]);
  });

  it('refuses to publish an event that does not match its schema', async () => {
    const { DoorOpened, publisher } = await setUp(async () => undefined);
    const invalid = { ...doorEvent('east'), floor: 'third' } as unknown as ReturnType<typeof doorEvent>;

    await expect(publisher.publishContract(DoorOpened, invalid)).rejects.toThrow(InvalidEventError);
  });

  it('dead-letters an invalid message with the reason and still consumes the next valid one', async () => {
    const received: string[] = [];
    const { DoorOpened, consumer, publisher } = await setUp(async (event) => {
      received.push(event.door);
    });

    // Bypass the publisher's validation, as a buggy or foreign producer would.
    await connection.jetstream.publish(DoorOpened.subject, new TextEncoder().encode(JSON.stringify({ id: 'not-a-uuid', door: '' })));
    await connection.jetstream.publish(DoorOpened.subject, new TextEncoder().encode('{not json'));
    await publisher.publishContract(DoorOpened, doorEvent('south'));

    await waitFor(() => received.includes('south'), 'the valid event after the invalid ones');
    const letters = await waitFor(async () => {
      const found = await deadLetters(connection, consumer.durable);
      return found.length === 2 ? found : undefined;
    }, 'two dead letters');
    expect(letters[0].header.get(HeaderNames.originalSubject)).toBe(DoorOpened.subject);
    expect(letters[0].header.get(HeaderNames.deadLetterReason)).toMatch(/does not match test\.door\.opened\.v1: .*id/);
    expect(letters[1].header.get(HeaderNames.deadLetterReason)).toBe('payload is not JSON');
    expect(letters[0].subject).toBe(`portcullis.v1.deadletter.${consumer.durable}`);
    expect(received).toEqual(['south']);
  });

  it('stores an event published twice with the same id once (JetStream de-duplication)', async () => {
    const received: string[] = [];
    const { DoorOpened, stream, publisher } = await setUp(async (event) => {
      received.push(event.id);
    });
    const event = doorEvent('west');

    const first = await publisher.publishContract(DoorOpened, event);
    const second = await publisher.publishContract(DoorOpened, event);

    expect(second.duplicate).toBe(true);
    expect(second.seq).toBe(first.seq);
    await waitFor(() => received.length === 1, 'the event');
    expect((await connection.jetstreamManager.streams.info(stream.name)).state.messages).toBe(1);
  });

  it('redelivers after a handler failure and dead-letters after maxDeliver attempts', async () => {
    const attempts = new Map<string, number>();
    const { DoorOpened, consumer, publisher } = await setUp(async (event) => {
      const count = (attempts.get(event.door) ?? 0) + 1;
      attempts.set(event.door, count);
      if (event.door === 'flaky' && count < 2) throw new Error('database briefly unavailable');
      if (event.door === 'broken') throw new Error('always fails');
    });

    await publisher.publishContract(DoorOpened, doorEvent('flaky'));
    await publisher.publishContract(DoorOpened, doorEvent('broken'));

    await waitFor(() => attempts.get('flaky') === 2, 'the flaky event to succeed on its second delivery');
    const [letter] = await waitFor(async () => {
      const found = await deadLetters(connection, consumer.durable);
      return found.length === 1 ? found : undefined;
    }, 'the broken event to be dead-lettered', 15_000);
    expect(attempts.get('broken')).toBe(3);
    expect(letter.header.get(HeaderNames.deadLetterReason)).toBe('handler failed 3 times, last: always fails');
  });
});

describe('request/reply over NATS', () => {
  let connection: MessagingConnection;
  let responder: Responder;
  const scope = uniqueName('rr');
  const Lookup = defineRequest({
    subject: `test.${scope}.lookup`,
    request: z.object({ key: z.string().min(1) }).strict(),
    response: z.object({ value: z.string() }).strict(),
  });

  beforeAll(async () => {
    connection = await MessagingConnection.open({ url: natsUrl, name: 'request-reply-test' });
    responder = new Responder(connection, 'request-reply-test', silentLogger);
    responder.serve(Lookup, async ({ key }) => {
      if (key === 'missing') throw new ReplyError('NOT_FOUND', 'no such key');
      if (key === 'leaky') throw Object.assign(new Error('duplicate key value violates unique constraint "users_pkey"'), { code: '23505' });
      if (key === 'slow') await new Promise((resolve) => setTimeout(resolve, 1_000));
      if (key === 'bug') throw new Error('unexpected');
      return { value: key.toUpperCase() };
    });
  });

  afterAll(async () => {
    await responder.close();
    await connection.close();
  });

  it('answers a validated request', async () => {
    const sut = new Requester(connection, 2_000);
    await expect(sut.request(Lookup, { key: 'abc' })).resolves.toEqual({ value: 'ABC' });
  });

  it('carries a coded domain error back to the caller', async () => {
    const sut = new Requester(connection, 2_000);
    await expect(sut.request(Lookup, { key: 'missing' })).rejects.toMatchObject({ name: RemoteRequestError.name, code: 'NOT_FOUND', message: 'no such key' });
  });

  it('never forwards the code or message of an error that is not a ReplyError (a database error has both)', async () => {
    const sut = new Requester(connection, 2_000);
    const error = (await sut.request(Lookup, { key: 'leaky' }).catch((e: unknown) => e)) as RemoteRequestError;
    expect(error.code).toBe('INTERNAL');
    expect(error.message).not.toContain('users_pkey');
  });

  it('hides an unexpected failure behind an error id', async () => {
    const sut = new Requester(connection, 2_000);
    await expect(sut.request(Lookup, { key: 'bug' })).rejects.toMatchObject({ code: 'INTERNAL', message: expect.stringMatching(/^internal error \(id [0-9a-f-]{36}\)$/) });
  });

  it('fails with a clear error when no reply arrives in time', async () => {
    const sut = new Requester(connection, 2_000);
    const error = await sut.request(Lookup, { key: 'slow' }, { timeoutMs: 200 }).catch((e: Error) => e);
    expect(error).toBeInstanceOf(RequestTimeoutError);
    expect((error as Error).message).toBe(`no reply to ${Lookup.subject} within 200 ms`);
  });

  it('fails fast when nothing serves the subject', async () => {
    const sut = new Requester(connection, 2_000);
    const Nobody = defineRequest({ subject: `test.${scope}.nobody`, request: z.object({}), response: z.object({}) });
    await expect(sut.request(Nobody, {})).rejects.toBeInstanceOf(NoRespondersError);
  });

  it('answers a malformed request with BAD_REQUEST instead of leaving the caller to time out', async () => {
    const reply = await connection.nats.request(Lookup.subject, new TextEncoder().encode(JSON.stringify({ key: 42 })), { timeout: 2_000 });
    expect(JSON.parse(new TextDecoder().decode(reply.data))).toEqual({ ok: false, error: { code: 'BAD_REQUEST', message: expect.stringContaining('key') } });
  });
});
