import { KubeConfig } from '@kubernetes/client-node';
import { INestApplication } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { DevPki, ensureDevPki } from '@portcullis/dev-pki';
import {
  KubeconfigIssuedV1,
  KubeconfigIssueResponseV1,
  KubeconfigIssueV1,
  KubeconfigListV1,
  KubeconfigRevokedV1,
  KubeconfigRevokeUserV1,
  KubeconfigRevokeV1,
  Streams,
} from '@portcullis/contracts';
import { MessagingConnection, RemoteRequestError, Requester } from '@portcullis/platform/messaging';
import { dropSchema, NatsServerProcess, stackEnvironment, uniqueName, waitFor } from '@portcullis/platform/testing';
import { randomUUID, X509Certificate } from 'node:crypto';
import fs from 'node:fs';
import https from 'node:https';
import { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { PeerCertificate, TLSSocket } from 'node:tls';
import { DataSource } from 'typeorm';
import { parse } from 'yaml';
import { AppModule } from '../src/app.module';
import { loadKubeconfigIssuerConfig } from '../src/config/kubeconfig-issuer.config';
import { PolicyStub } from './policy.stub';

const { databaseUrl } = stackEnvironment();
const PROXY_URL = 'https://127.0.0.1:8443';

interface KubeconfigFile {
  clusters: Array<{ name: string; cluster: { server: string; 'certificate-authority-data': string } }>;
  contexts: Array<{ name: string; context: { cluster: string; user: string; namespace?: string } }>;
  'current-context': string;
  users: Array<{ name: string; user: { 'client-certificate-data': string; 'client-key-data': string } }>;
}

function readKubeconfig(yaml: string) {
  const file = parse(yaml) as KubeconfigFile;
  const decode = (data: string) => Buffer.from(data, 'base64').toString('utf8');
  return {
    file,
    certificatePem: decode(file.users[0].user['client-certificate-data']),
    keyPem: decode(file.users[0].user['client-key-data']),
    keyData: file.users[0].user['client-key-data'],
    proxyCaPem: decode(file.clusters[0].cluster['certificate-authority-data']),
  };
}

/**
 * The service runs in-process against the real PostgreSQL and a private nats-server with
 * JetStream: request subjects are global, so a broker of its own keeps other test runs (which
 * may start a real policy or issuer) from answering these requests.
 */
describe('kubeconfig-issuer over NATS', () => {
  const schema = uniqueName('kci');
  let nats: NatsServerProcess;
  let dir: string;
  let pki: DevPki;
  let app: INestApplication;
  let dataSource: DataSource;
  let connection: MessagingConnection;
  let requester: Requester;
  let policy: PolicyStub;

  beforeAll(async () => {
    nats = await NatsServerProcess.start();
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kci-it-'));
    pki = await ensureDevPki(dir);
    const config = loadKubeconfigIssuerConfig({
      HTTP_PORT: '0',
      DATABASE_URL: databaseUrl,
      DATABASE_SCHEMA: schema,
      DATABASE_MIGRATE_ON_START: 'true',
      NATS_URL: nats.url,
      NATS_REQUEST_TIMEOUT_MS: '2000',
      LOG_LEVEL: 'error',
      KUBECONFIG_CA_CERT_FILE: pki.kubeconfigCaCertFile,
      KUBECONFIG_CA_KEY_FILE: pki.kubeconfigCaKeyFile,
      PROXY_PUBLIC_URL: PROXY_URL,
      PROXY_CA_CERT_FILE: pki.proxyCaCertFile,
    });
    app = await NestFactory.create(AppModule.register(config), { logger: false });
    await app.init();
    dataSource = app.get(DataSource);
    connection = await MessagingConnection.open({ url: nats.url, name: 'kubeconfig-issuer-test' });
    requester = new Requester(connection, 10_000);
    policy = new PolicyStub(connection);
  });

  afterAll(async () => {
    await policy?.close();
    await connection?.close();
    await app?.close();
    await nats?.stop();
    await dropSchema(databaseUrl, schema);
    fs.rmSync(dir, { recursive: true, force: true });
  });

  function newUser() {
    return { userId: `user-${randomUUID()}`, email: null as string | null, displayName: null, groups: [] as string[] };
  }

  function issue(user: ReturnType<typeof newUser>): Promise<KubeconfigIssueResponseV1> {
    return requester.request(KubeconfigIssueV1, user);
  }

  async function remoteError(attempt: Promise<unknown>): Promise<RemoteRequestError> {
    const error = await attempt.then(
      () => undefined,
      (reason: unknown) => reason,
    );
    expect(error).toBeInstanceOf(RemoteRequestError);
    return error as RemoteRequestError;
  }

  async function outboxDrained(): Promise<void> {
    await waitFor(async () => {
      const [{ pending }] = await dataSource.query(`SELECT count(*)::int AS pending FROM "${schema}".outbox WHERE published_at IS NULL`);
      return pending === 0;
    }, 'the outbox relay to publish every event');
  }

  /** Every event stored in JetStream on `subject`, read with a test-owned ordered consumer. */
  async function storedEvents<T>(subject: string): Promise<T[]> {
    await outboxDrained();
    const info = await connection.jetstreamManager.streams.info(Streams.state, { subjects_filter: subject });
    const count = info.state.subjects?.[subject] ?? 0;
    if (count === 0) return [];
    const consumer = await connection.jetstream.consumers.get(Streams.state, { filter_subjects: subject });
    const messages = await consumer.fetch({ max_messages: count, expires: 5_000 });
    const events: T[] = [];
    for await (const message of messages) events.push(message.json<T>());
    return events;
  }

  async function issuedEventsFor(kubeconfigId: string) {
    return (await storedEvents<KubeconfigIssuedV1>(KubeconfigIssuedV1.subject)).filter((event) => event.kubeconfigId === kubeconfigId);
  }

  async function revokedEventsFor(kubeconfigId: string) {
    return (await storedEvents<KubeconfigRevokedV1>(KubeconfigRevokedV1.subject)).filter((event) => event.kubeconfigId === kubeconfigId);
  }

  it('issues a kubeconfig with one context per granted cluster, all through the proxy, and records it', async () => {
    const user = { ...newUser(), email: 'dev@example.com', groups: ['developers', 'platform/admins', 'developers'] };
    policy.grant(`user:${user.userId}`, 'staging', { namespaces: ['team-a'] });
    policy.grant('group:developers', 'dev');
    policy.grant('group:platform/admins', 'prod-eu', { role: 'admin' });
    policy.kubeconfigValiditySeconds = 3_600;
    const before = Date.now();

    const sut = await issue(user);

    expect(policy.requests.at(-1)).toEqual({ userId: user.userId, groups: ['developers', 'platform/admins'] });
    const { kubeconfigId } = sut.summary;
    expect(sut.summary).toEqual({
      kubeconfigId: expect.any(String),
      userId: user.userId,
      clusters: ['dev', 'prod-eu', 'staging'],
      issuedAt: expect.any(String),
      expiresAt: expect.any(String),
      revokedAt: null,
    });
    const lifetime = Date.parse(sut.summary.expiresAt) - before;
    expect(lifetime).toBeGreaterThan(3_598_000);
    expect(lifetime).toBeLessThanOrEqual(3_600_000);

    const kubeconfig = readKubeconfig(sut.kubeconfig);
    expect(kubeconfig.file.contexts).toEqual([
      { name: 'dev', context: { cluster: 'dev', user: 'portcullis-dev-example-com' } },
      { name: 'prod-eu', context: { cluster: 'prod-eu', user: 'portcullis-dev-example-com' } },
      { name: 'staging', context: { cluster: 'staging', user: 'portcullis-dev-example-com', namespace: 'team-a' } },
    ]);
    expect(kubeconfig.file['current-context']).toBe('dev');
    expect(kubeconfig.file.clusters.map((entry) => entry.cluster.server)).toEqual([
      `${PROXY_URL}/clusters/dev`,
      `${PROXY_URL}/clusters/prod-eu`,
      `${PROXY_URL}/clusters/staging`,
    ]);
    expect(kubeconfig.proxyCaPem).toBe(fs.readFileSync(pki.proxyCaCertFile, 'utf8'));
    const loaded = new KubeConfig();
    loaded.loadFromString(sut.kubeconfig);
    expect(loaded.getContexts().map((context) => context.name)).toEqual(['dev', 'prod-eu', 'staging']);

    const certificate = new X509Certificate(kubeconfig.certificatePem);
    expect(certificate.subjectAltName).toBe(`URI:urn:portcullis:kubeconfig:${kubeconfigId}`);
    expect(certificate.subject).toBe(`CN=${user.userId}\nO=developers\nO=platform/admins`);
    expect(certificate.verify(new X509Certificate(fs.readFileSync(pki.kubeconfigCaCertFile)).publicKey)).toBe(true);
    expect(new Date(certificate.validTo).toISOString()).toBe(sut.summary.expiresAt);

    const [record] = await dataSource.query(`SELECT * FROM "${schema}".issued_kubeconfigs WHERE id = $1`, [kubeconfigId]);
    expect(record).toEqual({
      id: kubeconfigId,
      user_id: user.userId,
      email: 'dev@example.com',
      groups: ['developers', 'platform/admins'],
      clusters: ['dev', 'prod-eu', 'staging'],
      issued_at: new Date(sut.summary.issuedAt),
      expires_at: new Date(sut.summary.expiresAt),
      revoked_at: null,
      revoked_by: null,
      revoke_reason: null,
      certificate_serial: certificate.serialNumber,
      certificate_fingerprint: certificate.fingerprint256,
    });
  });

  it('publishes KubeconfigIssuedV1 to JetStream exactly once per kubeconfig', async () => {
    const user = { ...newUser(), groups: ['sre'] };
    policy.grant(`user:${user.userId}`, 'dev');
    policy.kubeconfigValiditySeconds = 86_400;

    const { summary } = await issue(user);

    expect(await issuedEventsFor(summary.kubeconfigId)).toEqual([
      {
        id: expect.any(String),
        occurredAt: expect.any(String),
        kubeconfigId: summary.kubeconfigId,
        userId: user.userId,
        groups: ['sre'],
        clusters: ['dev'],
        expiresAt: summary.expiresAt,
      },
    ]);
  });

  it('answers NO_ACCESS with a clear message to a person with no grant, and records and publishes nothing', async () => {
    const user = { ...newUser(), groups: ['nobody-granted-this'] };
    const events = (await storedEvents<KubeconfigIssuedV1>(KubeconfigIssuedV1.subject)).length;

    const sut = await remoteError(issue(user));

    expect(sut.code).toBe('NO_ACCESS');
    expect(sut.message).toBe('you have no access to any cluster; ask your platform team for a grant');
    expect(await dataSource.query(`SELECT id FROM "${schema}".issued_kubeconfigs WHERE user_id = $1`, [user.userId])).toEqual([]);
    expect(await storedEvents(KubeconfigIssuedV1.subject)).toHaveLength(events);
  });

  it('answers POLICY_UNAVAILABLE, before its caller gives up, when policy does not answer in time', async () => {
    const user = newUser();
    policy.grant(`user:${user.userId}`, 'dev');
    // The service waits half its 2 s request timeout for policy.
    policy.answerSlowly(user.userId, 1_500);
    const started = Date.now();

    const sut = await remoteError(requester.request(KubeconfigIssueV1, user, { timeoutMs: 2_000 }));

    expect(sut.code).toBe('POLICY_UNAVAILABLE');
    expect(Date.now() - started).toBeLessThan(2_000);
    expect(await dataSource.query(`SELECT id FROM "${schema}".issued_kubeconfigs WHERE user_id = $1`, [user.userId])).toEqual([]);
  });

  it('reflects a grant change in the next kubeconfig', async () => {
    const user = { ...newUser(), groups: [`team-${randomUUID()}`] };
    policy.grant(`group:${user.groups[0]}`, 'dev');
    const first = await issue(user);

    policy.grant(`group:${user.groups[0]}`, 'staging', { role: 'edit', namespaces: ['payments'] });
    policy.grant(`user:${user.userId}`, 'dev', { namespaces: ['sandbox'] });
    const second = await issue(user);

    expect(first.summary.clusters).toEqual(['dev']);
    expect(second.summary.clusters).toEqual(['dev', 'staging']);
    // dev is now reachable cluster-wide and in one namespace: no namespace is forced on it.
    expect(readKubeconfig(second.kubeconfig).file.contexts.map(({ name, context }) => [name, context.namespace])).toEqual([
      ['dev', undefined],
      ['staging', 'payments'],
    ]);
    expect(second.summary.kubeconfigId).not.toBe(first.summary.kubeconfigId);
  });

  it('keeps no trace of the private key in the database', async () => {
    const user = newUser();
    policy.grant(`user:${user.userId}`, 'dev');
    const issued = await issue(user);
    await outboxDrained();
    const { keyPem, keyData, certificatePem } = readKubeconfig(issued.kubeconfig);
    const keyBody = keyPem.replace(/-----[A-Z ]+-----/g, '').replace(/\s+/g, '');
    const keyLines = keyPem.split('\n').filter((line) => line && !line.startsWith('-----'));

    const tables: Array<{ table_name: string }> = await dataSource.query(
      `SELECT table_name FROM information_schema.tables WHERE table_schema = $1 ORDER BY table_name`,
      [schema],
    );
    const rows: string[] = [];
    for (const { table_name } of tables) {
      const dump: Array<{ row: string }> = await dataSource.query(`SELECT t::text AS row FROM "${schema}"."${table_name}" t`);
      rows.push(...dump.map(({ row }) => row));
    }
    const everything = rows.join('\n');

    // The scan does see this kubeconfig's record and its event...
    expect(tables.map((t) => t.table_name)).toEqual(expect.arrayContaining(['issued_kubeconfigs', 'outbox']));
    expect(everything).toContain(new X509Certificate(certificatePem).fingerprint256);
    expect(rows.filter((row) => row.includes(issued.summary.kubeconfigId)).length).toBeGreaterThanOrEqual(2);
    // ...and not the key, in any encoding the kubeconfig carries it in.
    expect(everything).not.toContain(keyData);
    expect(everything).not.toContain(keyBody);
    for (const line of keyLines) expect(everything).not.toContain(line);
    expect(everything).not.toContain('PRIVATE KEY');
  });

  it("lists a user's kubeconfigs newest first, revoked ones included, and nobody else's", async () => {
    const user = newUser();
    const other = newUser();
    policy.grant(`user:${user.userId}`, 'dev');
    policy.grant(`user:${other.userId}`, 'dev');
    const oldest = await issue(user);
    await issue(other);
    const middle = await issue(user);
    const newest = await issue(user);
    await requester.request(KubeconfigRevokeV1, { kubeconfigId: middle.summary.kubeconfigId, ownerUserId: user.userId, revokedBy: user.userId, reason: null });

    const sut = await requester.request(KubeconfigListV1, { userId: user.userId });

    expect(sut.kubeconfigs.map((k) => k.kubeconfigId)).toEqual([newest, middle, oldest].map((k) => k.summary.kubeconfigId));
    expect(sut.kubeconfigs.map((k) => k.revokedAt !== null)).toEqual([false, true, false]);
    expect(sut.kubeconfigs[0]).toEqual(newest.summary);
    expect(await requester.request(KubeconfigListV1, { userId: `user-${randomUUID()}` })).toEqual({ kubeconfigs: [] });
  });

  it('revokes a kubeconfig once, publishing KubeconfigRevokedV1 with its expiry; a repeat changes and publishes nothing', async () => {
    const user = newUser();
    policy.grant(`user:${user.userId}`, 'dev');
    const { summary } = await issue(user);
    const revoke = { kubeconfigId: summary.kubeconfigId, ownerUserId: user.userId, revokedBy: user.userId, reason: 'lost laptop' };

    // Two at once, as a double click would send them: the row lock lets one of them revoke.
    const [first, second] = await Promise.all([requester.request(KubeconfigRevokeV1, revoke), requester.request(KubeconfigRevokeV1, revoke)]);
    const again = await requester.request(KubeconfigRevokeV1, { ...revoke, revokedBy: 'admin', reason: 'again' });

    expect(first.revokedAt).not.toBeNull();
    expect(second).toEqual(first);
    expect(again).toEqual(first);
    expect(first).toEqual({ ...summary, revokedAt: expect.any(String) });
    const [record] = await dataSource.query(`SELECT revoked_by, revoke_reason FROM "${schema}".issued_kubeconfigs WHERE id = $1`, [summary.kubeconfigId]);
    expect(record).toEqual({ revoked_by: user.userId, revoke_reason: 'lost laptop' });
    expect(await revokedEventsFor(summary.kubeconfigId)).toEqual([
      {
        id: expect.any(String),
        occurredAt: first.revokedAt,
        kubeconfigId: summary.kubeconfigId,
        userId: user.userId,
        revokedBy: user.userId,
        reason: 'lost laptop',
        expiresAt: summary.expiresAt,
      },
    ]);
  });

  it("answers NOT_FOUND for an unknown kubeconfig and for someone else's, without revoking it", async () => {
    const owner = newUser();
    policy.grant(`user:${owner.userId}`, 'dev');
    const { summary } = await issue(owner);

    const unknown = await remoteError(
      requester.request(KubeconfigRevokeV1, { kubeconfigId: randomUUID(), ownerUserId: null, revokedBy: 'admin', reason: null }),
    );
    const notTheirs = await remoteError(
      requester.request(KubeconfigRevokeV1, { kubeconfigId: summary.kubeconfigId, ownerUserId: 'someone-else', revokedBy: 'someone-else', reason: null }),
    );

    expect([unknown.code, notTheirs.code]).toEqual(['NOT_FOUND', 'NOT_FOUND']);
    expect(notTheirs.message).toBe(`no kubeconfig ${summary.kubeconfigId}`);
    expect((await requester.request(KubeconfigListV1, { userId: owner.userId })).kubeconfigs[0].revokedAt).toBeNull();
    // An admin passes no owner and may revoke anyone's.
    const byAdmin = await requester.request(KubeconfigRevokeV1, { kubeconfigId: summary.kubeconfigId, ownerUserId: null, revokedBy: 'admin', reason: null });
    expect(byAdmin.revokedAt).not.toBeNull();
  });

  it('revokes every live kubeconfig of a user, one event each, and leaves revoked, expired and other users’ ones alone', async () => {
    const user = newUser();
    const other = newUser();
    policy.grant(`user:${user.userId}`, 'dev');
    policy.grant(`user:${other.userId}`, 'dev');
    const [live1, live2, alreadyRevoked, expired] = [await issue(user), await issue(user), await issue(user), await issue(user)];
    const otherUsers = await issue(other);
    await requester.request(KubeconfigRevokeV1, { kubeconfigId: alreadyRevoked.summary.kubeconfigId, ownerUserId: null, revokedBy: 'earlier', reason: null });
    await dataSource.query(`UPDATE "${schema}".issued_kubeconfigs SET expires_at = now() - interval '1 minute' WHERE id = $1`, [expired.summary.kubeconfigId]);

    const sut = await requester.request(KubeconfigRevokeUserV1, { userId: user.userId, revokedBy: 'admin', reason: 'left the company' });

    expect(sut.revoked.map((k) => k.kubeconfigId).sort()).toEqual([live1, live2].map((k) => k.summary.kubeconfigId).sort());
    expect(sut.revoked.every((k) => k.revokedAt !== null)).toBe(true);
    for (const { summary } of [live1, live2]) {
      expect(await revokedEventsFor(summary.kubeconfigId)).toEqual([expect.objectContaining({ revokedBy: 'admin', reason: 'left the company', expiresAt: summary.expiresAt })]);
    }
    expect(await revokedEventsFor(alreadyRevoked.summary.kubeconfigId)).toEqual([expect.objectContaining({ revokedBy: 'earlier' })]);
    expect(await revokedEventsFor(expired.summary.kubeconfigId)).toEqual([]);
    expect((await requester.request(KubeconfigListV1, { userId: other.userId })).kubeconfigs).toEqual([otherUsers.summary]);
    expect(await requester.request(KubeconfigRevokeUserV1, { userId: user.userId, revokedBy: 'admin', reason: null })).toEqual({ revoked: [] });
  });

  describe('the mTLS check the proxy makes', () => {
    let server: https.Server;
    let port: number;

    beforeAll(async () => {
      server = https.createServer(
        {
          cert: fs.readFileSync(pki.proxyCertFile),
          key: fs.readFileSync(pki.proxyKeyFile),
          ca: fs.readFileSync(pki.kubeconfigCaCertFile),
          requestCert: true,
          // Answer unauthorised clients too, so the test sees the verdict instead of a reset.
          rejectUnauthorized: false,
        },
        (request, response) => {
          const socket = request.socket as TLSSocket;
          const peer = socket.getPeerCertificate() as PeerCertificate | Record<string, never>;
          response.end(
            JSON.stringify({ authorized: socket.authorized, subject: 'subject' in peer ? peer.subject : null, san: 'subject' in peer ? peer.subjectaltname : null }),
          );
        },
      );
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      port = (server.address() as AddressInfo).port;
    });

    afterAll(async () => {
      await new Promise((resolve) => server.close(resolve));
    });

    function call(options: { ca: string; cert?: string; key?: string }): Promise<{ authorized: boolean; subject: Record<string, string | string[]> | null; san: string | null }> {
      return new Promise((resolve, reject) => {
        https
          .get({ host: '127.0.0.1', port, path: '/', agent: false, ...options }, (response) => {
            let body = '';
            response.setEncoding('utf8').on('data', (chunk: string) => (body += chunk));
            response.on('end', () => resolve(JSON.parse(body)));
          })
          .on('error', reject);
      });
    }

    it('accepts the issued certificate and reads the kubeconfig id, the user and the groups from it', async () => {
      const user = { ...newUser(), groups: ['developers', 'oncall'] };
      policy.grant(`user:${user.userId}`, 'dev');
      const { kubeconfig, summary } = await issue(user);
      const credentials = readKubeconfig(kubeconfig);

      const sut = await call({ ca: credentials.proxyCaPem, cert: credentials.certificatePem, key: credentials.keyPem });

      expect(sut.authorized).toBe(true);
      expect(sut.san).toBe(`URI:urn:portcullis:kubeconfig:${summary.kubeconfigId}`);
      expect(sut.subject).toEqual({ CN: user.userId, O: ['developers', 'oncall'] });
    });

    it('does not authorise a certificate from another CA, nor a client without one', async () => {
      const stranger = await ensureDevPki(path.join(dir, 'stranger'));
      const proxyCa = fs.readFileSync(pki.proxyCaCertFile, 'utf8');

      const foreign = await call({ ca: proxyCa, cert: fs.readFileSync(stranger.proxyCertFile, 'utf8'), key: fs.readFileSync(stranger.proxyKeyFile, 'utf8') });
      const anonymous = await call({ ca: proxyCa });

      expect(foreign.authorized).toBe(false);
      expect(anonymous).toEqual({ authorized: false, subject: null, san: null });
    });
  });
});
