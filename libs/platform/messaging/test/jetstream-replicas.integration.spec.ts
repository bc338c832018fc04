import { StreamDefinition } from '@portcullis/contracts';
import { Kvm } from '@nats-io/kv';
import { ensureStreams, MessagingConnection, PresenceBucket, silentLogger } from '@portcullis/platform/messaging';
import { freePort, NatsServerProcess, uniqueName, waitFor } from '@portcullis/platform/testing';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { z } from 'zod';

/*
 * What the Kubernetes overlays run: three nats-servers in one JetStream cluster, and streams
 * with JETSTREAM_REPLICAS=3 copies, so that a server going away loses no event and stops no
 * publisher.
 */
describe('streams on a three-server JetStream cluster', () => {
  let dir: string;
  let servers: NatsServerProcess[] = [];
  let connection: MessagingConnection;

  beforeAll(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'portcullis-nats-cluster-'));
    const routePorts = [await freePort(), await freePort(), await freePort()];
    const configFiles = routePorts.map((port, index) => {
      const file = path.join(dir, `server-${index}.conf`);
      const routes = routePorts.map((route) => `nats-route://127.0.0.1:${route}`).join(', ');
      fs.writeFileSync(file, `server_name: s${index}\ncluster { name: portcullis-test, listen: "127.0.0.1:${port}", routes: [${routes}] }\n`);
      return file;
    });
    servers = await Promise.all(configFiles.map((configFile) => NatsServerProcess.start({ configFile })));
    // The servers listen before they have elected a JetStream leader; until then JetStream does not answer.
    connection = await waitFor(
      () => MessagingConnection.open({ url: servers.map((server) => server.url), name: 'replicas-test', jetStreamReplicas: 3 }).catch(() => undefined),
      'the three servers to form a JetStream cluster',
      30_000,
      250,
    );
  }, 60_000);

  afterAll(async () => {
    await connection?.close();
    await Promise.all(servers.map((server) => server.stop()));
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('rescales a presence bucket made before the cluster had three servers', async () => {
    const bucket = uniqueName('presence');
    await new Kvm(connection.jetstream).create(bucket, { history: 1, replicas: 1 });

    const sut = PresenceBucket.open(connection, { bucket, schema: z.object({ at: z.number() }), ttlMs: 10_000, refreshedAt: (value) => value.at }, silentLogger);

    try {
      await waitFor(async () => (await connection.jetstreamManager.streams.info(`KV_${bucket}`)).config.num_replicas === 3, 'the bucket rescaled to three copies', 20_000, 250);
    } finally {
      await sut.stop();
    }
  });

  it('keeps three copies, and goes on taking and serving events with one server down', async () => {
    const name = uniqueName('REPLICATED').toUpperCase();
    const definition: StreamDefinition = { name, subjects: [`${name.toLowerCase()}.>`], maxAgeSeconds: 3_600, duplicateWindowSeconds: 60 };
    // The cluster elects its JetStream leader a moment after the servers listen.
    await waitFor(
      () => ensureStreams(connection.jetstreamManager, [definition], connection.jetStreamReplicas).then(() => true, () => false),
      'the JetStream cluster to take a stream with three replicas',
      20_000,
      250,
    );

    const info = await connection.jetstreamManager.streams.info(name);
    expect(info.config.num_replicas).toBe(3);
    expect(info.cluster?.replicas).toHaveLength(2);

    await connection.jetstream.publish(`${name.toLowerCase()}.one`, 'before');
    await servers[2].halt();
    await waitFor(
      () => connection.jetstream.publish(`${name.toLowerCase()}.two`, 'after', { msgID: 'after' }).then(() => true, () => false),
      'a publish to be stored with one of three servers down',
      20_000,
      250,
    );

    const stored = await waitFor(async () => {
      const { state } = await connection.jetstreamManager.streams.info(name);
      return state.messages === 2 ? state : undefined;
    }, 'both events in the stream', 10_000, 250);
    expect(stored.messages).toBe(2);
  });

});
