import { INestApplication } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import {
  AdminActionV1,
  AuditEventFilter,
  AuditEventStoredV1,
  AuditQueryV1,
  AuditVerifyV1,
  deadLetterSubject,
  EventContract,
  KubeconfigIssuedV1,
  KubeconfigRevokedV1,
  PLATFORM_TOKEN_AUDIENCE,
  ProxyRequestBatchV1,
  ProxyRequestV1,
  SaExpiredV1,
  TunnelEventV1,
  SaProvisionedV1,
  Streams,
  validate,
} from '@portcullis/contracts';
import { EventPublisher, HeaderNames, MessagingConnection, RemoteRequestError, Requester } from '@portcullis/platform/messaging';
import { dropSchema, NatsServerProcess, stackEnvironment, uniqueName, waitFor, workspaceRoot } from '@portcullis/platform/testing';
import { exportJWK, generateKeyPair, SignJWT } from 'jose';
import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import http from 'node:http';
import { AddressInfo } from 'node:net';
import { promisify } from 'node:util';
import { Client } from 'pg';
import { DataSource } from 'typeorm';
import { z } from 'zod';
import { AppModule } from '../src/app.module';
import { loadAuditConfig } from '../src/config/audit.config';
import { TrailRetention } from '../src/retention/trail-retention';
import { controlPlaneEvents, proxyRequest } from './audit-events.stub';

const { databaseUrl } = stackEnvironment();
const ISSUER = 'http://identity.test';
const DAY = 86_400_000;
const encoder = new TextEncoder();
// Requests the batch test stores (the metrics test counts them).
const BATCHED_REQUESTS = 40;

const dayStart = (daysAgo: number) => {
  const today = new Date();
  return Date.UTC(today.getUTCFullYear(), today.getUTCMonth(), today.getUTCDate()) - daysAgo * DAY;
};

/** The contract's filter semantics, written independently of the service's SQL. */
function matches(filter: AuditEventFilter, event: ProxyRequestV1): boolean {
  const at = Date.parse(event.occurredAt);
  return (
    (filter.userId === undefined || event.userId === filter.userId) &&
    (filter.group === undefined || event.groups.includes(filter.group)) &&
    (filter.cluster === undefined || event.cluster === filter.cluster) &&
    (filter.namespace === undefined || event.namespace === filter.namespace) &&
    (filter.verb === undefined || event.verb === filter.verb) &&
    (filter.resource === undefined || event.resource === filter.resource) &&
    (filter.namePrefix === undefined || event.name.startsWith(filter.namePrefix)) &&
    (filter.statusClass === undefined || `${Math.floor(event.responseStatus / 100)}xx` === filter.statusClass) &&
    (filter.decision === undefined || event.decision === filter.decision) &&
    (filter.kind === undefined || filter.kind === 'proxy.request') &&
    (filter.from === undefined || at >= Date.parse(filter.from)) &&
    (filter.to === undefined || at < Date.parse(filter.to))
  );
}

const newestFirst = (a: ProxyRequestV1, b: ProxyRequestV1) =>
  Date.parse(b.occurredAt) - Date.parse(a.occurredAt) || (a.id < b.id ? 1 : a.id > b.id ? -1 : 0);

/** 45 requests over three days (5, 4 and 3 days ago), with ties in time and names that look like LIKE patterns. */
function requestFixtures(): ProxyRequestV1[] {
  const users = ['alice', 'bob', 'carol'];
  const statuses = [200, 201, 304, 403, 404, 500, 101];
  const verbs = ['get', 'list', 'watch', 'delete', 'create'];
  const names = ['a_b-1', 'a%b-2', 'aXb-3', 'web-1', 'web-22', 'db-0'];
  return Array.from({ length: 45 }, (_, i) => {
    const status = statuses[i % statuses.length];
    // Every fifth record shares its time with the previous one: the cursor must break ties by id.
    const minute = i % 5 === 4 ? i - 1 : i;
    return proxyRequest({
      occurredAt: new Date(dayStart(5 - (i % 3)) + 3_600_000 + minute * 60_000).toISOString(),
      userId: i % 11 === 0 ? null : users[i % users.length],
      groups: [[], ['developers'], ['developers', 'team-x'], ['sre']][i % 4],
      cluster: i % 13 === 0 ? null : ['dev', 'prod'][i % 2],
      namespace: ['default', 'kube-system', 'team-x'][i % 3],
      verb: verbs[i % verbs.length],
      resource: ['pods', 'deployments', 'secrets'][i % 3 === 0 ? 0 : i % 2],
      name: names[i % names.length],
      responseStatus: status,
      decision: status === 403 ? 'denied' : 'allowed',
    });
  });
}

describe('audit: the trail, its queries, live feed, verification, export and retention', () => {
  const schema = uniqueName('audit');
  let nats: NatsServerProcess;
  let app: INestApplication;
  let url: string;
  let dataSource: DataSource;
  let connection: MessagingConnection;
  let requester: Requester;
  let publisher: EventPublisher;
  let jwks: http.Server;
  let signingKey: Awaited<ReturnType<typeof generateKeyPair>>['privateKey'];
  const fixtures = requestFixtures();
  const window = { from: new Date(dayStart(5)).toISOString(), to: new Date(dayStart(2)).toISOString() };

  async function storedCount(ids: string[]): Promise<number> {
    const [{ count }] = await dataSource.query(`SELECT count(*)::int AS count FROM "${schema}".audit_events WHERE id = ANY($1::uuid[])`, [ids]);
    return count;
  }

  async function publishAndWait<C extends EventContract>(contract: C, events: Array<z.infer<C['schema']> & { id: string }>): Promise<void> {
    await Promise.all(events.map((event) => publisher.publishContract(contract, event)));
    await waitFor(async () => (await storedCount(events.map((e) => e.id))) === events.length, `${events.length} records to be stored`);
  }

  async function query(filter: AuditEventFilter, first = 500, after: string | null = null) {
    return requester.request(AuditQueryV1, { filter, after, first });
  }

  async function adminToken(admin: boolean): Promise<string> {
    return new SignJWT({ email: 'root@example.com', name: 'Root', groups: [], admin })
      .setProtectedHeader({ alg: 'ES256', kid: 'test-key' })
      .setIssuer(ISSUER)
      .setAudience(PLATFORM_TOKEN_AUDIENCE)
      .setSubject('root')
      .setIssuedAt()
      .setExpirationTime('5m')
      .sign(signingKey);
  }

  beforeAll(async () => {
    nats = await NatsServerProcess.start();
    const keys = await generateKeyPair('ES256', { extractable: true });
    signingKey = keys.privateKey;
    const publicJwk = { ...(await exportJWK(keys.publicKey)), kid: 'test-key', alg: 'ES256', use: 'sig' };
    jwks = http.createServer((_req, res) => res.setHeader('Content-Type', 'application/json').end(JSON.stringify({ keys: [publicJwk] })));
    await new Promise<void>((resolve) => jwks.listen(0, '127.0.0.1', resolve));
    const config = loadAuditConfig({
      HTTP_PORT: '0',
      DATABASE_URL: databaseUrl,
      DATABASE_SCHEMA: schema,
      DATABASE_MIGRATE_ON_START: 'true',
      NATS_URL: nats.url,
      LOG_LEVEL: 'fatal',
      PLATFORM_JWT_ISSUER: ISSUER,
      IDENTITY_JWKS_URL: `http://127.0.0.1:${(jwks.address() as AddressInfo).port}/jwks.json`,
    });
    app = await NestFactory.create(AppModule.register(config), { logger: false });
    await app.listen(0, '127.0.0.1');
    url = `http://127.0.0.1:${(app.getHttpServer().address() as AddressInfo).port}`;
    dataSource = app.get(DataSource);
    connection = await MessagingConnection.open({ url: nats.url, name: 'audit-trail-test' });
    requester = new Requester(connection, 10_000);
    publisher = new EventPublisher(connection);
    await publishAndWait(ProxyRequestV1, fixtures);
  });

  afterAll(async () => {
    await connection?.close();
    await app?.close();
    await nats?.stop();
    jwks?.close();
    await dropSchema(databaseUrl, schema);
  });

  it('stores each request once with every field, and answers each filter with exactly its records, newest first', async () => {
    const filters: AuditEventFilter[] = [
      {},
      { userId: 'alice' },
      { group: 'team-x' },
      { group: 'developers' },
      { cluster: 'prod' },
      { namespace: 'kube-system' },
      { cluster: 'dev', namespace: 'team-x' },
      { verb: 'delete' },
      { resource: 'secrets' },
      { namePrefix: 'web-' },
      { namePrefix: 'a_b' },
      { namePrefix: 'a%' },
      { statusClass: '1xx' },
      { statusClass: '2xx' },
      { statusClass: '3xx' },
      { statusClass: '4xx' },
      { statusClass: '5xx' },
      { decision: 'denied' },
      { kind: 'proxy.request' },
      { kind: 'sa.expired' },
      { userId: 'bob', statusClass: '4xx', verb: 'list' },
      { from: new Date(dayStart(4)).toISOString() },
      { to: new Date(dayStart(4) + 3_600_000 + 20 * 60_000).toISOString() },
      { from: new Date(dayStart(3) + 3_600_000 + 10 * 60_000).toISOString(), to: new Date(dayStart(3) + 3_600_000 + 30 * 60_000).toISOString() },
    ];

    for (const filter of filters) {
      const scoped = { ...window, ...filter };
      const expected = fixtures.filter((event) => matches(scoped, event)).sort(newestFirst);
      const page = await query(scoped);
      expect({ filter, ids: page.events.map((e) => e.id) }).toEqual({ filter, ids: expected.map((e) => e.id) });
      expect(page.nextCursor).toBeNull();
    }
    const one = (await query(window)).events.find((event) => event.id === fixtures[7].id);
    expect(one).toEqual({ ...fixtures[7], kind: 'proxy.request' });
  });

  it('pages through a result with the opaque cursor, without gaps or repeats, and refuses a forged cursor or range', async () => {
    const expected = fixtures.filter((event) => matches(window, event)).sort(newestFirst);
    const seen: string[] = [];
    const sizes: number[] = [];
    let after: string | null = null;
    do {
      const page: Awaited<ReturnType<typeof query>> = await query(window, 7, after);
      seen.push(...page.events.map((e) => e.id));
      sizes.push(page.events.length);
      after = page.nextCursor;
    } while (after);

    expect(seen).toEqual(expected.map((e) => e.id));
    expect(sizes).toEqual([7, 7, 7, 7, 7, 7, 3]);
    await expect(query(window, 7, Buffer.from('v1|yesterday|x').toString('base64url'))).rejects.toMatchObject({ code: 'INVALID_CURSOR' });
    await expect(query({ from: window.to, to: window.from })).rejects.toBeInstanceOf(RemoteRequestError);
    await expect(query({ from: window.to, to: window.from })).rejects.toMatchObject({ code: 'INVALID_RANGE' });
  });

  it('announces each stored record live within a second, once, so a filtered subscription sees what matches it only', async () => {
    const announced: AuditEventStoredV1[] = [];
    const subscription = connection.nats.subscribe(AuditEventStoredV1.subject, {
      callback: (_error, message) => {
        const checked = validate(AuditEventStoredV1.schema, JSON.parse(new TextDecoder().decode(message.data)));
        if (checked.ok) announced.push(checked.value);
      },
    });
    await connection.nats.flush();
    const subscriberFilter: AuditEventFilter = { cluster: 'live-a', verb: 'delete' };
    const matching = proxyRequest({ cluster: 'live-a', verb: 'delete' });
    const other = proxyRequest({ cluster: 'live-b', verb: 'delete' });
    try {
      const sent = Date.now();
      await publisher.publishContract(ProxyRequestV1, matching);
      await publisher.publishContract(ProxyRequestV1, other);
      const live = await waitFor(() => announced.find((event) => event.id === matching.id), 'the live record', 1_000, 10);
      const latencyMs = Date.now() - sent;
      // A second delivery of the same event (a different message id, so the broker keeps it) stores and announces nothing.
      await connection.jetstream.publish(ProxyRequestV1.subject, encoder.encode(JSON.stringify(matching)), { msgID: `again-${matching.id}` });
      await waitFor(async () => {
        const backlog = await connection.jetstreamManager.consumers.info(Streams.requests, 'audit-requests');
        return backlog.num_pending === 0 && backlog.num_ack_pending === 0;
      }, 'the repeat to be consumed');
      await waitFor(() => announced.some((event) => event.id === other.id), 'the other record');

      expect(latencyMs).toBeLessThan(1_000);
      expect(live).toEqual({ ...matching, kind: 'proxy.request' });
      expect(announced.filter((event) => matches(subscriberFilter, event as ProxyRequestV1)).map((e) => e.id)).toEqual([matching.id]);
      expect(announced.filter((event) => event.id === matching.id)).toHaveLength(1);
      expect(await storedCount([matching.id])).toBe(1);
    } finally {
      subscription.unsubscribe();
    }
  });

  it('stores admin actions, kubeconfig and service-account events as records of their kind', async () => {
    const admin = controlPlaneEvents.adminAction();
    const issued = controlPlaneEvents.kubeconfigIssued();
    const revoked = controlPlaneEvents.kubeconfigRevoked();
    const provisioned = controlPlaneEvents.saProvisioned();
    const expired = controlPlaneEvents.saExpired();
    await publishAndWait(AdminActionV1, [admin]);
    await publishAndWait(KubeconfigIssuedV1, [issued]);
    await publishAndWait(KubeconfigRevokedV1, [revoked]);
    await publishAndWait(SaProvisionedV1, [provisioned]);
    await publishAndWait(SaExpiredV1, [expired]);
    const refusedTunnel = controlPlaneEvents.tunnelRefused();
    await publishAndWait(TunnelEventV1, [refusedTunnel]);

    const only = async (kind: AuditEventFilter['kind']) => (await query({ kind, from: new Date(Date.now() - 60_000).toISOString() })).events;
    const noRequest = { apiGroup: '', apiVersion: '', subresource: '', path: '', latencyMs: 0, userAgent: '', sourceAddress: '', traceId: null };
    expect(await only('policy.admin.action')).toEqual([
      {
        ...noRequest,
        id: admin.id,
        occurredAt: admin.occurredAt,
        kind: 'policy.admin.action',
        userId: 'root-admin',
        groups: [],
        kubeconfigId: null,
        cluster: null,
        decision: 'denied',
        verb: 'grant.create',
        resource: 'grant',
        namespace: '',
        name: 'g-42',
        responseStatus: 400,
        details: { actorEmail: 'root@example.com', before: null, after: { role: 'view', subject: 'group:developers' }, outcome: 'failed', error: 'role view does not exist' },
      },
    ]);
    expect(await only('kubeconfig.issued')).toEqual([
      expect.objectContaining({ id: issued.id, userId: 'carol', groups: ['sre'], kubeconfigId: issued.kubeconfigId, verb: 'issue', resource: 'kubeconfigs', name: issued.kubeconfigId, decision: 'allowed', responseStatus: 200, details: { clusters: ['dev', 'prod'], expiresAt: issued.expiresAt } }),
    ]);
    expect(await only('kubeconfig.revoked')).toEqual([
      expect.objectContaining({ id: revoked.id, userId: 'root-admin', verb: 'revoke', name: revoked.kubeconfigId, details: { ownerUserId: 'carol', reason: 'lost laptop', expiresAt: revoked.expiresAt } }),
    ]);
    expect(await only('sa.provisioned')).toEqual([
      expect.objectContaining({ id: provisioned.id, userId: 'carol', cluster: 'prod', namespace: 'portcullis-jit', verb: 'provision', resource: 'serviceaccounts', name: 'jit-carol' }),
    ]);
    expect(await only('sa.expired')).toEqual([expect.objectContaining({ id: expired.id, verb: 'expire', details: { reason: 'idle' } })]);
    expect(await only('proxy.tunnel')).toEqual([
      expect.objectContaining({
        id: refusedTunnel.id,
        userId: 'agent:private-eu',
        cluster: 'private-eu',
        verb: 'refuse',
        resource: 'tunnels',
        decision: 'denied',
        details: { replica: 'proxy-7c9f-a', agentVersion: null, peerAddress: '203.0.113.7', reason: refusedTunnel.reason, clusterId: null },
      }),
    ]);
    expect((await query({ userId: 'carol', from: new Date(Date.now() - 60_000).toISOString() })).events.map((e) => e.kind).sort()).toEqual([
      'kubeconfig.issued',
      'sa.expired',
      'sa.provisioned',
    ]);
  });

  it('stores the requests of proxy batches once each, however often a request is sent again', async () => {
    const requests = Array.from({ length: BATCHED_REQUESTS }, (_, i) => proxyRequest({ cluster: 'batched', name: `pod-${i}` }));
    const batch = (items: ProxyRequestV1[]): ProxyRequestBatchV1 => ({ id: randomUUID(), occurredAt: new Date().toISOString(), requests: items });
    await publisher.publishContract(ProxyRequestBatchV1, batch(requests.slice(0, 25)));
    // A second batch overlapping the first, and one request alone, as an earlier proxy sends it.
    await publisher.publishContract(ProxyRequestBatchV1, batch(requests.slice(20)));
    await publisher.publishContract(ProxyRequestV1, requests[BATCHED_REQUESTS - 1]);
    await waitFor(async () => (await storedCount(requests.map((r) => r.id))) === requests.length, 'every batched request to be stored');
    await new Promise((resolve) => setTimeout(resolve, 500));

    const [{ rows, distinct }] = await dataSource.query(`SELECT count(*)::int AS rows, count(DISTINCT id)::int AS distinct FROM "${schema}".audit_events WHERE cluster = 'batched'`);
    expect({ rows, distinct }).toEqual({ rows: BATCHED_REQUESTS, distinct: BATCHED_REQUESTS });
    const page = await query({ cluster: 'batched' }, 100);
    expect(page.events.map((event) => event.name).sort()).toEqual(requests.map((r) => r.name).sort());
  });

  it('dead-letters a malformed event with the reason and keeps consuming', async () => {
    const valid = proxyRequest({ cluster: 'after-poison' });
    // As a buggy or foreign producer would: past the publisher's validation.
    await connection.jetstream.publish(ProxyRequestV1.subject, encoder.encode('{not json'));
    await connection.jetstream.publish(ProxyRequestV1.subject, encoder.encode(JSON.stringify({ ...proxyRequest(), responseStatus: 42 })));
    await publishAndWait(ProxyRequestV1, [valid]);

    const subject = deadLetterSubject('audit-requests');
    // Batches complete in any order: the valid event can be stored before the letters are written.
    const info = await waitFor(async () => {
      const stream = await connection.jetstreamManager.streams.info(Streams.deadLetter, { subjects_filter: subject });
      return stream.state.subjects?.[subject] === 2 ? stream : undefined;
    }, 'two dead letters');
    const letters = await Promise.all(
      Array.from({ length: info.state.last_seq - info.state.first_seq + 1 }, (_, i) =>
        connection.jetstreamManager.streams.getMessage(Streams.deadLetter, { seq: info.state.first_seq + i }),
      ),
    );
    expect(letters.map((letter) => letter?.header.get(HeaderNames.deadLetterReason))).toEqual([
      'payload is not JSON',
      expect.stringMatching(/^payload does not match proxy\.request\.v1: responseStatus: /),
    ]);
  });

  it('verifies the hash chains of a range and names the first altered, missing or truncated record', async () => {
    const verify = () => requester.request(AuditVerifyV1, window, { timeoutMs: 30_000 });
    const chainOf = async (daysAgo: number): Promise<Array<{ id: string; seq: number }>> =>
      (
        await dataSource.query(
          `SELECT id, chain_seq::int AS seq FROM "${schema}".audit_events WHERE occurred_at >= $1 AND occurred_at < $2 ORDER BY chain_seq`,
          [new Date(dayStart(daysAgo)).toISOString(), new Date(dayStart(daysAgo - 1)).toISOString()],
        )
      ).map((row: { id: string; seq: number }) => row);

    const intact = await verify();
    expect(intact).toEqual({
      days: [0, 1, 2].map((i) => new Date(dayStart(5 - i)).toISOString().slice(0, 10)),
      checkedEvents: fixtures.length,
      firstBrokenLink: null,
    });

    const [day5, day4, day3] = [await chainOf(5), await chainOf(4), await chainOf(3)];
    const altered = day4[6];
    await dataSource.query(`UPDATE "${schema}".audit_events SET verb = 'get' || verb WHERE id = $1`, [altered.id]);
    expect((await verify()).firstBrokenLink).toEqual({ day: intact.days[1], chainSeq: altered.seq, eventId: altered.id, reason: 'content-altered' });
    await dataSource.query(`UPDATE "${schema}".audit_events SET verb = substr(verb, 4) WHERE id = $1`, [altered.id]);
    expect((await verify()).firstBrokenLink).toBeNull();

    await dataSource.query(`DELETE FROM "${schema}".audit_events WHERE id = $1`, [day3[4].id]);
    expect((await verify()).firstBrokenLink).toEqual({ day: intact.days[2], chainSeq: 5, eventId: day3[5].id, reason: 'sequence-broken' });

    await dataSource.query(`DELETE FROM "${schema}".audit_events WHERE id = $1`, [day5[day5.length - 1].id]);
    expect((await verify()).firstBrokenLink).toEqual({ day: intact.days[0], chainSeq: day5.length, eventId: null, reason: 'head-mismatch' });
  });

  it('exports a time range as NDJSON to admins only, over HTTP and from the CLI alike', async () => {
    const range = { from: new Date(dayStart(4)).toISOString(), to: new Date(dayStart(3)).toISOString() };
    const target = `${url}/export?from=${encodeURIComponent(range.from)}&to=${encodeURIComponent(range.to)}`;
    const expected = (await query(range)).events.reverse();

    const response = await fetch(target, { headers: { authorization: `Bearer ${await adminToken(true)}` } });
    const body = await response.text();
    const lines = body.trimEnd().split('\n').map((line) => JSON.parse(line) as AuditEventStoredV1 & { chainSeq: number; hash: string });

    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('application/x-ndjson; charset=utf-8');
    expect(lines.map(({ chainSeq: _seq, hash: _hash, ...event }) => event)).toEqual(expected);
    expect(lines.every((line) => Number.isInteger(line.chainSeq) && /^[0-9a-f]{64}$/.test(line.hash))).toBe(true);

    const cli = await promisify(execFile)(process.execPath, ['-r', '@swc-node/register', 'apps/audit/src/export.ts', '--from', range.from, '--to', range.to], {
      cwd: workspaceRoot,
      env: { ...process.env, DATABASE_URL: databaseUrl, DATABASE_SCHEMA: schema },
    });
    expect(cli.stdout).toBe(body);
    expect(cli.stderr).toBe(`exported ${lines.length} audit records from ${range.from} to ${range.to}\n`);

    const refusals = await Promise.all([
      fetch(target, { headers: { authorization: `Bearer ${await adminToken(false)}` } }),
      fetch(target),
      fetch(`${url}/export?from=${encodeURIComponent(range.to)}&to=${encodeURIComponent(range.from)}`, { headers: { authorization: `Bearer ${await adminToken(true)}` } }),
    ]);
    expect(await Promise.all(refusals.map(async (r) => ({ status: r.status, code: ((await r.json()) as { code: string }).code })))).toEqual([
      { status: 403, code: 'FORBIDDEN' },
      { status: 401, code: 'UNAUTHENTICATED' },
      { status: 400, code: 'INVALID_RANGE' },
    ]);
  });

  it('drops whole days past retention (partition and chain) without stopping ingestion or a long export, and prepares the coming days', async () => {
    const ancient = proxyRequest({ occurredAt: new Date(dayStart(100) + 3_600_000).toISOString() });
    // A day with no partition yet: created on demand, as a table attached to the trail.
    await publishAndWait(ProxyRequestV1, [ancient]);
    const partitions = async () =>
      (
        await dataSource.query(
          `SELECT c.relname AS name FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid JOIN pg_class p ON p.oid = i.inhparent
             JOIN pg_namespace n ON n.oid = p.relnamespace WHERE n.nspname = $1 AND p.relname = 'audit_events' ORDER BY 1`,
          [schema],
        )
      ).map((row: { name: string }) => row.name);
    const partitionOf = (daysAgo: number) => `audit_events_${new Date(dayStart(daysAgo)).toISOString().slice(0, 10).replace(/-/g, '')}`;
    expect(await partitions()).toContain(partitionOf(100));

    // A long export holds the trail open; retention must wait for it without blocking anyone else.
    const exporter = new Client({ connectionString: databaseUrl });
    await exporter.connect();
    await exporter.query('BEGIN');
    await exporter.query(`SELECT count(*) FROM "${schema}".audit_events`);
    const retention = app.get(TrailRetention).maintain(new Date());
    const duringExport = proxyRequest({ cluster: 'during-retention' });
    await publishAndWait(ProxyRequestV1, [duringExport]);
    const answered = await query({ cluster: 'during-retention' });
    const retentionBeforeCommit = await Promise.race([retention.then(() => 'done'), new Promise((resolve) => setTimeout(() => resolve('waiting'), 300))]);
    await exporter.query('COMMIT');
    await exporter.end();
    const result = await retention;

    expect(answered.events.map((event) => event.id)).toEqual([duringExport.id]);
    expect(retentionBeforeCommit).toBe('waiting');
    expect(result.dropped).toEqual([new Date(dayStart(100)).toISOString().slice(0, 10)]);
    expect(await partitions()).toEqual([partitionOf(5), partitionOf(4), partitionOf(3), partitionOf(0), partitionOf(-1), partitionOf(-2)]);
    expect(await storedCount([ancient.id])).toBe(0);
    const [{ heads }] = await dataSource.query(`SELECT count(*)::int AS heads FROM "${schema}".audit_chain_heads WHERE day < now() - interval '90 days'`);
    expect(heads).toBe(0);
  });

  it('exposes consumer lag, batch latency and stored counts as Prometheus metrics', async () => {
    const metrics = await (await fetch(`${url}/metrics`)).text();

    expect(metrics).toMatch(/^audit_consumer_lag_messages\{consumer="audit-requests",service="audit"\} 0$/m);
    expect(metrics).toMatch(/^audit_consumer_lag_messages\{consumer="audit-request-batches",service="audit"\} 0$/m);
    expect(metrics).toMatch(/^audit_consumer_lag_messages\{consumer="audit-admin-actions",service="audit"\} 0$/m);
    expect(metrics).toMatch(/^audit_batch_insert_seconds_count\{service="audit"\} [1-9]\d*$/m);
    expect(metrics).toMatch(new RegExp(`^audit_events_stored_total\\{kind="proxy.request",service="audit"\\} ${fixtures.length + 5 + BATCHED_REQUESTS}$`, 'm'));
    expect(metrics).toMatch(/^audit_events_stored_total\{kind="sa.expired",service="audit"\} 1$/m);
  });
});
