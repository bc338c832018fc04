// Audit service benchmark (run on demand, not part of jest):
//   node -r @swc-node/register bench/audit-ingestion.bench.ts [--seconds 60] [--rows 10000000]
//     [--skip-ingestion] [--skip-query] [--keep-query-data] [--events-per-message 200] [--publish-rate 20000]
// The 10 million query records take a few minutes to generate; --keep-query-data keeps them
// (schema bench_audit_query) for the next run, which then reuses them.
// Targets from issue 6: end-to-end ingestion (published to JetStream → committed in PostgreSQL)
// of at least 10,000 events/s sustained for 60 s; filtered query latency p99 at most 100 ms over
// 10 million stored events.
// Events are published as the proxy publishes them: ProxyRequestBatchV1 messages, by default of
// 200 requests (what its 20 ms linger collects at 10,000 requests/s); --events-per-message 1
// measures the single-event messages of earlier proxies instead.
// Baselines measured in the same run on the same machine: the JetStream publish rate alone (no
// consumer), the trail's own append rate alone (chain + multi-row INSERT, no NATS), and for
// queries the round trip of the cheapest query (one record, no filter) through the same service.
// Everything runs on a private nats-server and in bench schemas of the local PostgreSQL; the
// audit service runs from its entry point in a child process, as in production.

import {
  AuditQueryRequestV1,
  AuditQueryV1,
  AuditVerifyV1,
  PROXY_REQUEST_BATCH_MAX,
  ProxyRequestBatchV1,
  ProxyRequestV1,
  streamDefinitions,
  Streams,
} from '@portcullis/contracts';
import { readStackEnvironment } from '@portcullis/platform/config';
import { ensureStreams, EventPublisher, MessagingConnection, Requester } from '@portcullis/platform/messaging';
import { runMigrations, serviceDataSourceOptions } from '@portcullis/platform/persistence';
import { NatsServerProcess, ServiceProcess, waitFor } from '@portcullis/platform/testing';
import { randomUUID } from 'node:crypto';
import { cpus, loadavg } from 'node:os';
import { parseArgs } from 'node:util';
import { DataSource } from 'typeorm';
import { auditEntities, auditMigrations } from '../apps/audit/src/database/audit.migrations';
import { AuditRecord } from '../apps/audit/src/trail/audit-record';
import { TrailPartitions } from '../apps/audit/src/trail/trail-partitions';
import { addDays, utcDay } from '../apps/audit/src/trail/trail-tables';
import { TrailWriter } from '../apps/audit/src/trail/trail.writer';

const { values: args } = parseArgs({
  options: {
    seconds: { type: 'string', default: '60' },
    rows: { type: 'string', default: '10000000' },
    'skip-ingestion': { type: 'boolean', default: false },
    'skip-query': { type: 'boolean', default: false },
    'keep-query-data': { type: 'boolean', default: false },
    'events-per-message': { type: 'string', default: '200' },
    'publish-rate': { type: 'string', default: '20000' },
  },
});
const SECONDS = Number(args.seconds);
const QUERY_ROWS = Number(args.rows);
const QUERY_DAYS = 10;
const QUERY_SCHEMA = 'bench_audit_query';
const EVENTS_PER_MESSAGE = Math.min(PROXY_REQUEST_BATCH_MAX, Math.max(1, Number(args['events-per-message'])));
// The end-to-end publisher is held to this many events/s (twice the target) so that the backlog,
// and the wait for it to drain, stay bounded; the baseline publishes unpaced.
const PUBLISH_RATE = Number(args['publish-rate']);
// Events awaiting JetStream's acknowledgement at once.
const IN_FLIGHT_EVENTS = 2_048;
const { databaseUrl } = readStackEnvironment();

const fmt = (n: number) => Math.round(n).toLocaleString('en-US');
const ms = (n: number) => `${n.toFixed(1)} ms`;

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];
}

function requestEvent(i: number): ProxyRequestV1 {
  return {
    id: randomUUID(),
    occurredAt: new Date().toISOString(),
    userId: `user-${i % 500}`,
    groups: ['developers', `team-${i % 20}`],
    kubeconfigId: randomUUID(),
    cluster: `cluster-${i % 8}`,
    decision: i % 20 === 0 ? 'denied' : 'allowed',
    verb: ['get', 'list', 'watch', 'create', 'patch'][i % 5],
    apiGroup: 'apps',
    apiVersion: 'v1',
    resource: 'deployments',
    subresource: '',
    namespace: `ns-${i % 30}`,
    name: `web-${i % 1000}`,
    path: `/apis/apps/v1/namespaces/ns-${i % 30}/deployments/web-${i % 1000}`,
    responseStatus: i % 20 === 0 ? 403 : 200,
    latencyMs: (i % 97) / 3,
    bytesIn: 0,
    bytesOut: 1_240,
    userAgent: 'kubectl/v1.32.4 (linux/amd64) kubernetes/d4f0c9c',
    sourceAddress: '10.1.2.3:51234',
    traceId: '0af7651916cd43dd8448eb211c80319c',
  };
}

/** One message as the proxy would send it: a single event, or a batch of them. */
function requestMessage(first: number): { subject: string; schemaName: string; id: string; json: string } {
  if (EVENTS_PER_MESSAGE === 1) {
    const event = requestEvent(first);
    return { subject: ProxyRequestV1.subject, schemaName: ProxyRequestV1.schemaName, id: event.id, json: JSON.stringify(event) };
  }
  const batch: ProxyRequestBatchV1 = {
    id: randomUUID(),
    occurredAt: new Date().toISOString(),
    requests: Array.from({ length: EVENTS_PER_MESSAGE }, (_, i) => requestEvent(first + i)),
  };
  return { subject: ProxyRequestBatchV1.subject, schemaName: ProxyRequestBatchV1.schemaName, id: batch.id, json: JSON.stringify(batch) };
}

/**
 * Publishes request events, IN_FLIGHT_EVENTS awaiting acknowledgement at a time and at most
 * `ratePerSecond`, until `until()`; `onAck` gets the number of events each acknowledged message carried.
 */
async function publishUntil(publisher: EventPublisher, until: () => boolean, onAck: (events: number) => void, ratePerSecond = Infinity): Promise<number> {
  const startedAt = Date.now();
  const inFlightMessages = Math.max(4, Math.ceil(IN_FLIGHT_EVENTS / EVENTS_PER_MESSAGE));
  let sent = 0;
  let inFlight = 0;
  let failed: unknown;
  let release: (() => void) | undefined;
  while (!until() && !failed) {
    if (inFlight >= inFlightMessages) {
      await new Promise<void>((resolve) => (release = resolve));
      continue;
    }
    const ahead = sent - ((Date.now() - startedAt) / 1000) * ratePerSecond;
    if (ahead > 0) {
      await new Promise((resolve) => setTimeout(resolve, Math.ceil((ahead / ratePerSecond) * 1000)));
      continue;
    }
    const message = requestMessage(sent);
    sent += EVENTS_PER_MESSAGE;
    inFlight += 1;
    publisher
      .publishSerialized(message.subject, message.schemaName, message.id, message.json)
      .then(() => onAck(EVENTS_PER_MESSAGE), (error: unknown) => (failed = error))
      .finally(() => {
        inFlight -= 1;
        release?.();
      });
    // Let acks arrive between bursts of sends.
    if (sent % 256 < EVENTS_PER_MESSAGE) await new Promise((resolve) => setImmediate(resolve));
  }
  while (inFlight > 0) await new Promise<void>((resolve) => (release = resolve));
  if (failed) throw failed;
  return sent;
}

async function baselinePublish(connection: MessagingConnection): Promise<number> {
  let acked = 0;
  const started = Date.now();
  await publishUntil(new EventPublisher(connection), () => Date.now() - started >= 10_000, (events) => (acked += events));
  const rate = acked / ((Date.now() - started) / 1000);
  await connection.jetstreamManager.streams.purge(Streams.requests);
  return rate;
}

async function dataSourceFor(schema: string): Promise<DataSource> {
  const dataSource = await new DataSource(
    serviceDataSourceOptions({ url: databaseUrl, schema, applicationName: 'audit-bench', entities: auditEntities, migrations: auditMigrations }),
  ).initialize();
  await runMigrations(dataSource);
  return dataSource;
}

async function baselineAppend(): Promise<number> {
  const schema = `bench_audit_writer_${Date.now()}`;
  const dataSource = await dataSourceFor(schema);
  try {
    const writer = new TrailWriter(dataSource, new TrailPartitions(dataSource));
    let stored = 0;
    const started = Date.now();
    while (Date.now() - started < 10_000) {
      const batch = Array.from({ length: 1_000 }, (_, i): AuditRecord => ({ ...requestEvent(stored + i), kind: 'proxy.request', details: null }));
      stored += (await writer.append(batch)).length;
    }
    return stored / ((Date.now() - started) / 1000);
  } finally {
    await dataSource.query(`DROP SCHEMA "${schema}" CASCADE`);
    await dataSource.destroy();
  }
}

async function storedTotal(url: string): Promise<number> {
  const metrics = await (await fetch(`${url}/metrics`)).text();
  return Number(/^audit_events_stored_total\{kind="proxy.request"[^}]*\} (\d+)/m.exec(metrics)?.[1] ?? 0);
}

function serviceEnv(schema: string, natsUrl: string): Record<string, string> {
  return { HTTP_PORT: '0', DATABASE_URL: databaseUrl, DATABASE_SCHEMA: schema, DATABASE_MIGRATE_ON_START: 'true', NATS_URL: natsUrl, LOG_LEVEL: 'warn' };
}

async function startService(schema: string, natsUrl: string): Promise<{ service: ServiceProcess; url: string }> {
  const service = new ServiceProcess('audit', { ...serviceEnv(schema, natsUrl), LOG_LEVEL: 'info' });
  const url = await waitFor(() => service.readyUrl(), 'the audit service to log ready', 60_000);
  return { service, url };
}

async function endToEnd(connection: MessagingConnection, natsUrl: string) {
  const schema = `bench_audit_e2e_${Date.now()}`;
  const { service, url } = await startService(schema, natsUrl);
  try {
    let acked = 0;
    const perSecond: number[] = [];
    const started = Date.now();
    let previous = 0;
    const sampler = setInterval(() => {
      void storedTotal(url).then((total) => {
        perSecond.push(total - previous);
        previous = total;
      });
    }, 1_000);
    const published = await publishUntil(new EventPublisher(connection), () => Date.now() - started >= SECONDS * 1000, (events) => (acked += events), PUBLISH_RATE);
    const publishSeconds = (Date.now() - started) / 1000;
    const storedInWindow = await storedTotal(url);
    await waitFor(async () => (await storedTotal(url)) >= published, 'the backlog to drain', 600_000, 200);
    const drainedSeconds = (Date.now() - started) / 1000;
    clearInterval(sampler);
    const dataSource = await dataSourceFor(schema);
    try {
      const [{ rows, distinct }] = await dataSource.query(`SELECT count(*)::int AS rows, count(DISTINCT id)::int AS distinct FROM "${schema}".audit_events`);
      const verifyStarted = Date.now();
      const verified = await new Requester(connection, 600_000).request(AuditVerifyV1, {
        from: new Date(started - 86_400_000).toISOString(),
        to: new Date(Date.now() + 86_400_000).toISOString(),
      });
      const verifySeconds = (Date.now() - verifyStarted) / 1000;
      const steady = perSecond.slice(2, Math.floor(publishSeconds) - 1).sort((a, b) => a - b);
      return {
        published,
        publishRate: acked / publishSeconds,
        committedInWindowRate: storedInWindow / publishSeconds,
        overallRate: published / drainedSeconds,
        drainSeconds: drainedSeconds - publishSeconds,
        // After publishing stops the service has the machine to itself: its own capacity.
        drainRate: (published - storedInWindow) / (drainedSeconds - publishSeconds),
        steadyMin: steady[0] ?? 0,
        steadyMedian: steady.length ? percentile(steady, 50) : 0,
        rows,
        distinct,
        verified,
        verifySeconds,
      };
    } finally {
      await dataSource.query(`DROP SCHEMA "${schema}" CASCADE`);
      await dataSource.destroy();
    }
  } finally {
    await service.stop();
  }
}

/**
 * 10 million records over QUERY_DAYS days, generated in PostgreSQL (dummy hashes: verification
 * is not part of this figure). A day that already holds its share is kept, so an interrupted
 * generation resumes.
 */
async function ensureQueryData(): Promise<void> {
  const dataSource = await dataSourceFor(QUERY_SCHEMA);
  try {
    const today = utcDay(new Date());
    const days = Array.from({ length: QUERY_DAYS }, (_, i) => addDays(today, i - QUERY_DAYS + 1));
    await new TrailPartitions(dataSource).ensure(days);
    const perDay = Math.ceil(QUERY_ROWS / QUERY_DAYS);
    const counts = await dataSource.query(
      `SELECT to_char(occurred_at AT TIME ZONE 'UTC', 'YYYY-MM-DD') AS day, count(*)::int AS count FROM "${QUERY_SCHEMA}".audit_events GROUP BY 1`,
    );
    const have = new Map(counts.map((row: { day: string; count: number }) => [row.day, row.count]));
    const missing = days.filter((day) => have.get(day) !== perDay);
    if (missing.length === 0 && have.size === days.length) {
      console.log(`query data: reusing ${fmt(perDay * days.length)} records in schema ${QUERY_SCHEMA}`);
      return;
    }
    const started = Date.now();
    console.log(`query data: generating ${fmt(perDay * missing.length)} records for ${missing.length} of ${QUERY_DAYS} days (a few minutes)…`);
    const insertDay = async (day: string) => {
      await dataSource.query(`TRUNCATE "${QUERY_SCHEMA}"."audit_events_${day.replace(/-/g, '')}"`);
      await dataSource.query(
        `INSERT INTO "${QUERY_SCHEMA}".audit_events (id, occurred_at, kind, user_id, groups, kubeconfig_id, cluster, decision, verb, api_group,
           api_version, resource, subresource, namespace, name, path, response_status, latency_ms, bytes_in, bytes_out, user_agent,
           source_address, trace_id, details, chain_seq, hash)
         SELECT gen_random_uuid(), $1::timestamptz + (g * 86400000.0 / $2) * interval '1 millisecond', 'proxy.request',
                'user-' || (u % 5000), ARRAY['developers', 'team-' || (u % 50)], NULL, 'cluster-' || (c % 20),
                CASE WHEN s >= 95 THEN 'denied' ELSE 'allowed' END,
                (ARRAY['get','get','get','get','get','list','list','watch','create','update','patch','delete'])[1 + (v % 12)],
                'apps', 'v1', (ARRAY['pods','deployments','services','configmaps','secrets','jobs','events','nodes'])[1 + (r % 8)], '',
                'ns-' || (c % 50), 'obj-' || (g % 100000), '/apis/...', CASE WHEN s >= 98 THEN 500 WHEN s >= 90 THEN 403 ELSE 200 END,
                (s % 50) / 3.0, 0, 1200, 'kubectl/v1.32.4', '10.0.0.1:443', NULL, NULL, g + 1, sha256(int8send(g))
           FROM (SELECT g, (random() * 1e9)::int AS u, (random() * 1e9)::int AS c, (random() * 1e9)::int AS v,
                        (random() * 1e9)::int AS r, (random() * 100)::int AS s
                   FROM generate_series(0, $2 - 1) AS g) AS rnd`,
        [`${day}T00:00:00.000Z`, perDay],
      );
    };
    // Two sessions: one per core.
    const queue = [...missing];
    await Promise.all(
      [0, 1].map(async () => {
        for (let day = queue.shift(); day; day = queue.shift()) await insertDay(day);
      }),
    );
    // What autovacuum has done to any day older than a few hours (statistics, visibility map).
    await dataSource.query(`VACUUM ANALYZE "${QUERY_SCHEMA}".audit_events`);
    console.log(`query data: generated in ${fmt((Date.now() - started) / 1000)} s`);
  } finally {
    await dataSource.destroy();
  }
}

async function queryLatencies(connection: MessagingConnection) {
  const requester = new Requester(connection, 30_000);
  const now = Date.now();
  const hourAgo = (hours: number) => new Date(now - hours * 3_600_000).toISOString();
  const pick = (n: number) => Math.floor(Math.random() * n);
  const filters: Array<[string, () => AuditQueryRequestV1['filter']]> = [
    ['no filter', () => ({})],
    ['user', () => ({ userId: `user-${pick(5000)}` })],
    ['group', () => ({ group: `team-${pick(50)}` })],
    ['cluster', () => ({ cluster: `cluster-${pick(20)}` })],
    ['cluster + namespace', () => ({ cluster: `cluster-${pick(20)}`, namespace: `ns-${pick(50)}` })],
    ['verb (delete, 1 in 12)', () => ({ verb: 'delete' })],
    ['resource', () => ({ resource: ['pods', 'secrets', 'nodes'][pick(3)] })],
    ['name prefix', () => ({ namePrefix: `obj-${pick(1000)}` })],
    ['status 5xx', () => ({ statusClass: '5xx' })],
    ['denied', () => ({ decision: 'denied' })],
    ['time range (1 h, 3 days ago)', () => ({ from: hourAgo(73), to: hourAgo(72) })],
    ['user + last 24 h', () => ({ userId: `user-${pick(5000)}`, from: hourAgo(24) })],
    ['cluster + verb + 4xx', () => ({ cluster: `cluster-${pick(20)}`, verb: 'list', statusClass: '4xx' })],
  ];
  const timed = async (request: AuditQueryRequestV1) => {
    const started = process.hrtime.bigint();
    const page = await requester.request(AuditQueryV1, request);
    return { ms: Number(process.hrtime.bigint() - started) / 1e6, page };
  };
  // Warm the caches the way a running service would be.
  for (let i = 0; i < 50; i++) await timed({ filter: filters[i % filters.length][1](), after: null, first: 50 });

  const floor: number[] = [];
  for (let i = 0; i < 200; i++) floor.push((await timed({ filter: {}, after: null, first: 1 })).ms);
  const all: number[] = [];
  const perFilter: Array<{ name: string; p50: number; p99: number; max: number }> = [];
  for (const [name, filter] of filters) {
    const samples: number[] = [];
    for (let i = 0; i < 40; i++) {
      // First page, then the next two through the cursor: pagination is part of the figure.
      let after: string | null = null;
      const f = filter();
      for (let page = 0; page < 3; page++) {
        const result = await timed({ filter: f, after, first: 50 });
        samples.push(result.ms);
        after = result.page.nextCursor;
        if (!after) break;
      }
    }
    samples.sort((a, b) => a - b);
    all.push(...samples);
    perFilter.push({ name, p50: percentile(samples, 50), p99: percentile(samples, 99), max: samples[samples.length - 1] });
  }
  all.sort((a, b) => a - b);
  floor.sort((a, b) => a - b);
  return { samples: all.length, p50: percentile(all, 50), p95: percentile(all, 95), p99: percentile(all, 99), floorP50: percentile(floor, 50), floorP99: percentile(floor, 99), perFilter };
}

async function main(): Promise<void> {
  // Other work on the machine shows in every figure; say how busy it was.
  console.log(`load average at start: ${loadavg().map((n) => n.toFixed(2)).join(' ')} (${cpus().length} CPUs)`);
  const nats = await NatsServerProcess.start();
  const connection = await MessagingConnection.open({ url: nats.url, name: 'audit-bench' });
  try {
    await ensureStreams(connection.jetstreamManager, streamDefinitions);
    if (!args['skip-ingestion']) {
      console.log('baseline: JetStream publish alone (10 s)…');
      const publishRate = await baselinePublish(connection);
      console.log('baseline: trail append alone, 1,000-record batches (10 s)…');
      const appendRate = await baselineAppend();
      console.log(`end to end: publishing for ${SECONDS} s (${EVENTS_PER_MESSAGE} events per message, at most ${fmt(PUBLISH_RATE)}/s) while the audit service ingests…`);
      const e2e = await endToEnd(connection, nats.url);

      console.log('\n== ingestion (events/s) ==');
      console.log(`baseline JetStream publish alone:        ${fmt(publishRate)}`);
      console.log(`baseline trail append alone (no NATS):   ${fmt(appendRate)}`);
      console.log(`end to end, published (acked) rate:      ${fmt(e2e.publishRate)}`);
      console.log(`end to end, committed during ${SECONDS} s:     ${fmt(e2e.committedInWindowRate)}   (target ≥ 10,000)`);
      console.log(`end to end, committed per second:        min ${fmt(e2e.steadyMin)}, median ${fmt(e2e.steadyMedian)} (first 2 s excluded)`);
      console.log(`end to end, all ${fmt(e2e.published)} committed:  ${fmt(e2e.overallRate)}/s overall, backlog drained ${e2e.drainSeconds.toFixed(1)} s after publishing stopped`);
      console.log(`backlog drain, publisher stopped:        ${fmt(e2e.drainRate)}   (the service's own capacity on this machine)`);
      console.log(`rows stored / distinct ids:              ${fmt(e2e.rows)} / ${fmt(e2e.distinct)} (published ${fmt(e2e.published)})`);
      console.log(`chain verification:                      ${fmt(e2e.verified.checkedEvents)} records in ${e2e.verifySeconds.toFixed(1)} s, broken link: ${JSON.stringify(e2e.verified.firstBrokenLink)}`);
      console.log(`ratio committed / JetStream publish alone: ${(e2e.committedInWindowRate / publishRate).toFixed(2)}`);
      console.log(`ratio committed / trail append alone:      ${(e2e.committedInWindowRate / appendRate).toFixed(2)}`);
      console.log(`ratio committed / target:                  ${(e2e.committedInWindowRate / 10_000).toFixed(2)}`);
    }

    if (!args['skip-query']) {
      await ensureQueryData();
      const { service } = await startService(QUERY_SCHEMA, nats.url);
      try {
        const q = await queryLatencies(connection);
        console.log(`\n== queries over ${fmt(QUERY_ROWS)} records (NATS request → reply, first: 50) ==`);
        for (const f of q.perFilter) console.log(`${f.name.padEnd(32)} p50 ${ms(f.p50).padStart(9)}  p99 ${ms(f.p99).padStart(9)}  max ${ms(f.max).padStart(9)}`);
        console.log(`all ${q.samples} queries:                 p50 ${ms(q.p50)}, p95 ${ms(q.p95)}, p99 ${ms(q.p99)}   (target p99 ≤ 100 ms)`);
        console.log(`baseline (1 record, no filter):  p50 ${ms(q.floorP50)}, p99 ${ms(q.floorP99)}`);
        console.log(`ratio p99 / baseline p99: ${(q.p99 / q.floorP99).toFixed(1)}; ratio p99 / target: ${(q.p99 / 100).toFixed(2)}`);
      } finally {
        await service.stop();
        if (!args['keep-query-data']) {
          const dataSource = await dataSourceFor(QUERY_SCHEMA);
          await dataSource.query(`DROP SCHEMA "${QUERY_SCHEMA}" CASCADE`);
          await dataSource.destroy();
        }
      }
    }
  } finally {
    await connection.close();
    await nats.stop();
    console.log(`load average at end: ${loadavg().map((n) => n.toFixed(2)).join(' ')}`);
  }
}

void main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
