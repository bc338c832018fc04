import { AuditVerifyV1, deadLetterSubject, ProxyRequestV1, Streams } from '@portcullis/contracts';
import { EventPublisher, MessagingConnection, Requester } from '@portcullis/platform/messaging';
import { dropSchema, NatsServerProcess, ServiceProcess, stackEnvironment, uniqueName, waitFor } from '@portcullis/platform/testing';
import { Client } from 'pg';
import { proxyRequest } from './audit-events.stub';
import { TcpRelay } from './tcp-relay';

const { databaseUrl } = stackEnvironment();
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
// Each test waits out a 30 s ack wait or a 30 s outage; say so here, whichever jest config runs it.
const SLOW_TEST_MS = 150_000;

/**
 * The audit service from its entry point (a child process, as deployed) on a private broker,
 * reaching PostgreSQL through a relay the test can cut.
 */
describe('audit: nothing lost or doubled when the service, NATS or PostgreSQL fail during a burst', () => {
  const schema = uniqueName('audit_resilience');
  let nats: NatsServerProcess;
  let relay: TcpRelay;
  let service: ServiceProcess;
  let serviceUrl: string;
  let connection: MessagingConnection;
  let db: Client;

  async function startService(): Promise<void> {
    const viaRelay = new URL(databaseUrl);
    viaRelay.hostname = '127.0.0.1';
    viaRelay.port = String(relay.port);
    service = new ServiceProcess('audit', {
      HTTP_PORT: '0',
      DATABASE_URL: viaRelay.toString(),
      DATABASE_SCHEMA: schema,
      DATABASE_MIGRATE_ON_START: 'true',
      NATS_URL: nats.url,
    });
    const starting = service;
    serviceUrl = await waitFor(() => starting.readyUrl(), 'the audit service to log ready', 60_000).catch((error: Error) => {
      throw new Error(`${error.message}; it printed:\n${[...starting.lines, ...starting.stderr].slice(-20).join('\n')}`);
    });
  }

  /** Publishes with many in flight, retrying each event until JetStream acknowledges it, as the outbox relay would. */
  async function publishAll(events: ProxyRequestV1[]): Promise<void> {
    const publisher = new EventPublisher(connection);
    let next = 0;
    const worker = async () => {
      for (let event = events[next++]; event; event = events[next++]) {
        for (let attempt = 0; ; attempt++) {
          try {
            await publisher.publishContract(ProxyRequestV1, event);
            break;
          } catch {
            await sleep(Math.min(1_000, 50 * 2 ** attempt));
          }
        }
      }
    };
    await Promise.all(Array.from({ length: 1_000 }, worker));
  }

  async function stored(cluster: string): Promise<{ rows: number; distinct: number }> {
    const result = await db.query(`SELECT count(*)::int AS rows, count(DISTINCT id)::int AS distinct FROM "${schema}".audit_events WHERE cluster = $1`, [
      cluster,
    ]);
    return result.rows[0] as { rows: number; distinct: number };
  }

  async function missing(events: ProxyRequestV1[]): Promise<number> {
    const result = await db.query(`SELECT id FROM "${schema}".audit_events WHERE cluster = $1`, [events[0].cluster]);
    const ids = new Set(result.rows.map((row: { id: string }) => row.id));
    return events.filter((event) => !ids.has(event.id)).length;
  }

  const burst = (cluster: string, count: number) => Array.from({ length: count }, (_, i) => proxyRequest({ cluster, name: `obj-${i}` }));
  const consumer = () => connection.jetstreamManager.consumers.info(Streams.requests, 'audit-requests');
  const readiness = async () => (await fetch(`${serviceUrl}/readyz`, { signal: AbortSignal.timeout(3_000) })).status;

  beforeAll(async () => {
    nats = await NatsServerProcess.start();
    const direct = new URL(databaseUrl);
    relay = await TcpRelay.start({ host: direct.hostname, port: Number(direct.port || 5432) });
    db = new Client({ connectionString: databaseUrl });
    await db.connect();
    await startService();
    connection = await MessagingConnection.open({ url: nats.url, name: 'audit-resilience-test' });
  });

  afterAll(async () => {
    await service?.stop();
    await connection?.close();
    await nats?.stop();
    await relay?.stop();
    await db?.end();
    await dropSchema(databaseUrl, schema);
  });

  it('stores a 50,000-event burst exactly once although the service is killed with SIGKILL midway and restarted', async () => {
    const events = burst('burst-kill', 50_000);
    const publishing = publishAll(events);
    await waitFor(async () => (await stored('burst-kill')).rows >= 10_000, 'a fifth of the burst to be stored', 60_000, 50);

    const exit = await service.kill();
    const storedAtKill = (await stored('burst-kill')).rows;
    await startService();
    await publishing;
    // Messages the killed process had taken come back once their ack wait (30 s) runs out.
    await waitFor(async () => (await stored('burst-kill')).rows === 50_000, 'the whole burst to be stored', 100_000, 250);

    expect(exit.signal).toBe('SIGKILL');
    expect(storedAtKill).toBeLessThan(50_000);
    expect(await stored('burst-kill')).toEqual({ rows: 50_000, distinct: 50_000 });
    expect(await missing(events)).toBe(0);
    const verified = await new Requester(connection, 60_000).request(AuditVerifyV1, {
      from: new Date(Date.now() - 3_600_000).toISOString(),
      to: new Date(Date.now() + 60_000).toISOString(),
    });
    expect(verified).toMatchObject({ checkedEvents: 50_000, firstBrokenLink: null });
  }, SLOW_TEST_MS);

  it('loses nothing when NATS restarts during a burst', async () => {
    const events = burst('burst-nats', 20_000);
    const publishing = publishAll(events);
    await waitFor(async () => (await stored('burst-nats')).rows >= 4_000, 'a part of the burst to be stored', 60_000, 50);

    await nats.halt();
    await sleep(1_000);
    await nats.resume();
    await publishing;
    // The broker was SIGKILLed: what it acknowledged in its last milliseconds may not have reached
    // its disk. Publishing everything again (same ids, so the broker drops what it has) brings back
    // only what the broker lost; anything the audit service failed to store would stay missing.
    await publishAll(events);
    await waitFor(async () => (await stored('burst-nats')).rows === 20_000, 'the whole burst to be stored', 100_000, 250);

    expect(await stored('burst-nats')).toEqual({ rows: 20_000, distinct: 20_000 });
    expect(await missing(events)).toBe(0);
  }, SLOW_TEST_MS);

  it('stops acknowledging while PostgreSQL is unreachable for 30 s, then stores everything', async () => {
    const before = burst('db-outage', 2_000);
    const during = burst('db-outage', 5_000).map((event, i) => ({ ...event, name: `during-${i}` }));
    await publishAll(before);
    // Right after the NATS restart of the case before, the consumers may still be reconnecting: the
    // outage under test starts only once these are in.
    await waitFor(async () => (await stored('db-outage')).rows === 2_000 && (await consumer()).num_ack_pending === 0, 'the first events to be stored', 30_000);
    const ackFloor = (await consumer()).ack_floor.stream_seq;

    await relay.cut();
    const cutAt = Date.now();
    await publishAll(during);
    await waitFor(async () => (await readiness()) === 503, 'readiness to turn false', 10_000);
    await waitFor(async () => (await consumer()).num_ack_pending > 0, 'the consumer to hold unacknowledged events', 10_000);
    const floors: number[] = [];
    while (Date.now() - cutAt < 30_000) {
      floors.push((await consumer()).ack_floor.stream_seq);
      await sleep(1_000);
    }
    const readyDuringOutage = await readiness();
    await relay.restore();
    await waitFor(async () => (await stored('db-outage')).rows === 7_000, 'everything to be stored', 60_000, 250);
    await waitFor(async () => (await consumer()).num_ack_pending === 0, 'every event to be acknowledged');
    const after = await consumer();

    expect(new Set(floors)).toEqual(new Set([ackFloor]));
    expect(readyDuringOutage).toBe(503);
    expect(await stored('db-outage')).toEqual({ rows: 7_000, distinct: 7_000 });
    expect(after).toMatchObject({ num_pending: 0, num_ack_pending: 0, ack_floor: { stream_seq: after.delivered.stream_seq } });
    const deadLetters = await connection.jetstreamManager.streams.info(Streams.deadLetter, { subjects_filter: deadLetterSubject('audit-requests') });
    expect(deadLetters.state.messages).toBe(0);
    expect(await readiness()).toBe(200);
  }, SLOW_TEST_MS);
});
