import { ensureStreams, EventPublisher, MessagingConnection } from '@portcullis/platform/messaging';
import {
  Outbox,
  OutboxMessage,
  OutboxRelay,
  ProcessedEventLog,
  runMigrations,
  serviceDataSourceOptions,
} from '@portcullis/platform/persistence';
import { dropSchema, stackEnvironment, uniqueName, waitFor, workspaceRoot } from '@portcullis/platform/testing';
import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import path from 'node:path';
import { DataSource } from 'typeorm';
import { doorEvents } from './fixtures/door-events';

const { databaseUrl, natsUrl } = stackEnvironment();
const quietLogger = { warn: () => undefined };

describe('transactional outbox', () => {
  const scope = uniqueName('outbox');
  const schema = scope;
  const { stream } = doorEvents(scope);
  let dataSource: DataSource;
  let connection: MessagingConnection;

  beforeAll(async () => {
    dataSource = await new DataSource(
      serviceDataSourceOptions({ url: databaseUrl, schema, applicationName: 'outbox-test', entities: [], migrations: [] }),
    ).initialize();
    await runMigrations(dataSource);
    await dataSource.query(`CREATE TABLE "${schema}".doors (name text PRIMARY KEY, locked boolean NOT NULL)`);
    connection = await MessagingConnection.open({ url: natsUrl, name: 'outbox-test' });
    await ensureStreams(connection.jetstreamManager, [stream]);
  });

  afterAll(async () => {
    await connection.jetstreamManager.streams.delete(stream.name).catch(() => undefined);
    await connection.close();
    await dataSource.destroy();
    await dropSchema(databaseUrl, schema);
  });

  async function messagesInStream(): Promise<number> {
    return (await connection.jetstreamManager.streams.info(stream.name)).state.messages;
  }

  it('publishes exactly once an event whose writer was killed (SIGKILL) before the relay ran', async () => {
    const fixture = path.join(__dirname, 'fixtures', 'outbox-writer.fixture.ts');
    const child = spawn(process.execPath, ['-r', '@swc-node/register', fixture, databaseUrl, schema, scope], {
      cwd: workspaceRoot,
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    const exited = new Promise((resolve) => child.once('exit', resolve));
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    const eventId = await waitFor(() => /committed ([0-9a-f-]{36})/.exec(output)?.[1], 'the fixture to commit', 30_000);
    child.kill('SIGKILL');
    await exited;

    // The state change and its event are both there, and nothing was published.
    expect(await dataSource.query(`SELECT locked FROM "${schema}".doors WHERE name = 'front'`)).toEqual([{ locked: true }]);
    const pending = await dataSource.getRepository(OutboxMessage).findOneByOrFail({ id: eventId });
    expect(pending.publishedAt).toBeNull();
    expect(await messagesInStream()).toBe(0);

    // The "restarted" service relays it.
    const sut = new OutboxRelay(dataSource, new EventPublisher(connection), quietLogger);
    sut.start();
    await waitFor(async () => (await dataSource.getRepository(OutboxMessage).findOneByOrFail({ id: eventId })).publishedAt, 'the relay to publish');
    await sut.stop();
    expect(await messagesInStream()).toBe(1);
    const stored = await connection.jetstreamManager.streams.getMessage(stream.name, { seq: 1 });
    expect(stored?.json<{ id: string; door: string }>()).toMatchObject({ id: eventId, door: 'front' });

    // A relay that crashed after publishing but before marking the row re-sends it: JetStream drops the copy.
    await dataSource.getRepository(OutboxMessage).update({ id: eventId }, { publishedAt: null });
    expect(await sut.relayBatch()).toBe(1);
    expect(await messagesInStream()).toBe(1);
    expect(await sut.relayBatch()).toBe(0);
  });

  it('never publishes the event of a rolled-back transaction', async () => {
    const { DoorLocked } = doorEvents(scope);
    const eventId = randomUUID();
    const attempt = new Outbox(dataSource).transaction(async (manager, events) => {
      await events.addContract(DoorLocked, { id: eventId, occurredAt: new Date().toISOString(), door: 'back' });
      await manager.query(`INSERT INTO "${schema}".doors (name, locked) VALUES ('front', false)`); // duplicate key
    });
    await expect(attempt).rejects.toThrow(/duplicate key/);
    expect(await dataSource.getRepository(OutboxMessage).findOneBy({ id: eventId })).toBeNull();
  });

  it('rejects an invalid event at enqueue time, rolling back the state change with it', async () => {
    const { DoorLocked } = doorEvents(scope);
    const attempt = new Outbox(dataSource).transaction(async (manager, events) => {
      await manager.query(`INSERT INTO "${schema}".doors (name, locked) VALUES ('side', true)`);
      await events.addContract(DoorLocked, { id: randomUUID(), occurredAt: new Date().toISOString(), door: '' });
    });
    await expect(attempt).rejects.toThrow(/invalid event for test\..*\.door\.locked: door/);
    expect(await dataSource.query(`SELECT * FROM "${schema}".doors WHERE name = 'side'`)).toEqual([]);
  });
});

describe(ProcessedEventLog.name, () => {
  const schema = uniqueName('inbox');
  let dataSource: DataSource;

  beforeAll(async () => {
    dataSource = await new DataSource(
      serviceDataSourceOptions({ url: databaseUrl, schema, applicationName: 'inbox-test', entities: [], migrations: [] }),
    ).initialize();
    await runMigrations(dataSource);
    await dataSource.query(`CREATE TABLE "${schema}".counter (id int PRIMARY KEY, value int NOT NULL)`);
    await dataSource.query(`INSERT INTO "${schema}".counter VALUES (1, 0)`);
  });

  afterAll(async () => {
    await dataSource.destroy();
    await dropSchema(databaseUrl, schema);
  });

  it('applies the same event delivered twice, even concurrently, once', async () => {
    const sut = new ProcessedEventLog(dataSource);
    const eventId = randomUUID();
    const increment = () =>
      sut.runOnce('counter-consumer', eventId, async (manager) => {
        await manager.query(`UPDATE "${schema}".counter SET value = value + 1 WHERE id = 1`);
      });

    const outcomes = await Promise.all([increment(), increment()]);
    const again = await increment();

    expect(outcomes.sort()).toEqual([false, true]);
    expect(again).toBe(false);
    expect(await dataSource.query(`SELECT value FROM "${schema}".counter`)).toEqual([{ value: 1 }]);
  });

  it('records nothing when the effect fails, so a redelivery can apply it', async () => {
    const sut = new ProcessedEventLog(dataSource);
    const eventId = randomUUID();
    await expect(sut.runOnce('counter-consumer', eventId, async () => Promise.reject(new Error('boom')))).rejects.toThrow('boom');
    await expect(sut.runOnce('counter-consumer', eventId, async () => undefined)).resolves.toBe(true);
  });
});
