import { INestApplication } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { ClusterEndpoint, EventMap, EventSubject, SaExpiredV1, SaTokenEnsureRequestV1, SaTokenEnsureResponseV1, SaTokenEnsureV1, Streams } from '@portcullis/contracts';
import { KubeEmulator } from '@portcullis/kube-emulator';
import { EventPublisher, MessagingConnection, RemoteRequestError, Requester } from '@portcullis/platform/messaging';
import { dropSchema, NatsServerProcess, stackEnvironment, uniqueName, waitFor } from '@portcullis/platform/testing';
import { randomUUID } from 'node:crypto';
import { DataSource } from 'typeorm';
import { AppModule } from '../../src/app.module';
import { loadSaProvisionerConfig } from '../../src/config/sa-provisioner.config';
import { PolicyStandIn } from './policy-stand-in';

const { databaseUrl } = stackEnvironment();

export interface TestCluster {
  emu: KubeEmulator;
  endpoint: ClusterEndpoint;
}

export interface TestUser {
  userId: string;
  email: string | null;
  groups: string[];
}

/**
 * The provisioner in-process against the real PostgreSQL (a schema of its own) and a private
 * nats-server with JetStream (request subjects are global: other test runs' services must not
 * answer ours), policy stood in for at its contracts, and one Kubernetes emulator per cluster.
 */
export class ProvisionerTestBed {
  readonly schema = uniqueName('sap');
  readonly clusters: TestCluster[] = [];
  app?: INestApplication;
  policy!: PolicyStandIn;
  requester!: Requester;
  publisher!: EventPublisher;
  private nats!: NatsServerProcess;
  private connection!: MessagingConnection;

  private constructor(private readonly env: Record<string, string>) {}

  static async start(env: Record<string, string> = {}): Promise<ProvisionerTestBed> {
    const bed = new ProvisionerTestBed(env);
    bed.nats = await NatsServerProcess.start();
    bed.connection = await MessagingConnection.open({ url: bed.nats.url, name: 'sa-provisioner-test' });
    bed.requester = new Requester(bed.connection, 10_000);
    bed.publisher = new EventPublisher(bed.connection);
    bed.policy = new PolicyStandIn(bed.connection);
    await bed.startApp();
    return bed;
  }

  get dataSource(): DataSource {
    if (!this.app) throw new Error('the provisioner is not running');
    return this.app.get(DataSource);
  }

  async startApp(): Promise<void> {
    const config = loadSaProvisionerConfig({
      HTTP_PORT: '0',
      DATABASE_URL: databaseUrl,
      DATABASE_SCHEMA: this.schema,
      DATABASE_MIGRATE_ON_START: 'true',
      NATS_URL: this.nats.url,
      NATS_REQUEST_TIMEOUT_MS: '3000',
      LOG_LEVEL: 'error',
      SA_SWEEP_INTERVAL_MS: '1000',
      ACTIVITY_FLUSH_INTERVAL_MS: '100',
      CLUSTER_REQUEST_TIMEOUT_MS: '1000',
      ORPHAN_MIN_AGE_SECONDS: '0',
      ...this.env,
    });
    this.app = await NestFactory.create(AppModule.register(config), { logger: false });
    await this.app.init();
  }

  async stopApp(): Promise<void> {
    await this.app?.close();
    this.app = undefined;
  }

  /**
   * A fresh emulator registered with policy under `name`, managed with its admin token unless
   * `managementToken` prepares the cluster and returns another credential.
   */
  async addCluster(name: string, idleTimeoutSeconds = 3_600, managementToken?: (emu: KubeEmulator) => Promise<string>): Promise<TestCluster> {
    const emu = await KubeEmulator.start({ tokenAuthCacheMs: 0, namespaceFinalizeDelayMs: 0 });
    emu.apply(['team-a', 'team-b'].map((namespace) => ({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: namespace } })));
    const token = managementToken ? await managementToken(emu) : emu.adminToken;
    const endpoint = this.policy.addCluster(name, { server: emu.url, caPem: emu.caPem, token }, idleTimeoutSeconds);
    const cluster = { emu, endpoint };
    this.clusters.push(cluster);
    return cluster;
  }

  newUser(groups: string[] = []): TestUser {
    const userId = `user-${randomUUID()}`;
    return { userId, email: `${userId}@example.com`, groups };
  }

  ensure(user: TestUser, cluster: string): Promise<SaTokenEnsureResponseV1> {
    const request: SaTokenEnsureRequestV1 = { ...user, cluster };
    return this.requester.request(SaTokenEnsureV1, request);
  }

  /** The coded error the provisioner answered with; fails when it answered with a token. */
  async ensureError(user: TestUser, cluster: string): Promise<RemoteRequestError> {
    const outcome = await this.ensure(user, cluster).then(
      () => new Error('ensure() succeeded'),
      (error: unknown) => error,
    );
    if (!(outcome instanceof RemoteRequestError)) throw outcome;
    return outcome;
  }

  publish<S extends EventSubject>(subject: S, event: Omit<EventMap[S], 'id' | 'occurredAt'>): Promise<unknown> {
    return this.publisher.publish(subject, { id: randomUUID(), occurredAt: new Date().toISOString(), ...event } as EventMap[S]);
  }

  /** Every event stored in the state stream on `subject` once the outbox has relayed them. */
  async storedEvents<S extends EventSubject>(subject: S): Promise<Array<EventMap[S]>> {
    await waitFor(async () => {
      const [{ pending }] = await this.dataSource.query(`SELECT count(*)::int AS pending FROM "${this.schema}".outbox WHERE published_at IS NULL`);
      return pending === 0;
    }, 'the outbox relay to publish every event');
    const info = await this.connection.jetstreamManager.streams.info(Streams.state, { subjects_filter: subject });
    const count = info.state.subjects?.[subject] ?? 0;
    if (count === 0) return [];
    const consumer = await this.connection.jetstream.consumers.get(Streams.state, { filter_subjects: subject });
    const messages = await consumer.fetch({ max_messages: count, expires: 5_000 });
    const events: Array<EventMap[S]> = [];
    for await (const message of messages) events.push(message.json<EventMap[S]>());
    return events;
  }

  /**
   * The SaExpiredV1 events that match, once there are at least `count`: a ServiceAccount is
   * deleted on the cluster just before its record and event commit.
   */
  async expiredEvents(matches: (event: SaExpiredV1) => boolean, count = 1): Promise<SaExpiredV1[]> {
    let found: SaExpiredV1[] = [];
    await waitFor(async () => {
      found = (await this.storedEvents(SaExpiredV1.subject)).filter(matches);
      return found.length >= count;
    }, `${count} matching SaExpiredV1 event(s)`);
    return found;
  }

  async stop(): Promise<void> {
    await this.stopApp();
    await this.policy?.close();
    await this.connection?.close();
    await this.nats?.stop();
    await Promise.all(this.clusters.map((cluster) => cluster.emu.stop()));
    await dropSchema(databaseUrl, this.schema);
  }
}
