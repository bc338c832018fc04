// Agent tunnel benchmark (run on demand, not part of jest):
//   node -r @swc-node/register bench/agent-tunnel.bench.ts [--duration 20] [--connections 64] [--rate 1000] [--watches 10000]
// Issue 10's targets: agent mode measured beside direct mode in the same run, through the same
// proxy process, against the same upstreams, so each figure has its baseline from the same minute:
//   - throughput: wrk, <connections> connections, small GETs for <duration> s through Portcullis in
//     direct mode (proxy → upstream) and in agent mode (proxy → tunnel → agent → the same upstream):
//     requests/s, p50, p99 and the ratio agent/direct (target >= 0.8).
//   - latency: p99 added by agent mode over direct mode at a constant <rate> requests/s (target
//     <= 1 ms). An open-loop generator in this process sends on a fixed schedule (not wrk, whose
//     think-time pacing gives Poisson arrivals at a rate that drifts with the latency) over 8
//     HTTP/2 connections; latency is timed from each request's send to its last byte. The two
//     modes alternate in four segments (direct, agent, agent, direct), so drift cancels out.
//   - memory: <watches> concurrent watches through one tunnel (HTTP/2 clients, 900 streams per
//     connection: the proxy allows 1,000): RSS growth per watch of the proxy and of the agent,
//     target <= 20 KiB each. Both run with --inspect on a free local port so that the bench can
//     force a full GC (HeapProfiler.collectGarbage) before each VmRSS reading: without it the
//     reading depends on when V8 last collected (it even came out negative after the throughput
//     runs). For reference, the same watches in direct mode afterwards (by then the proxy's heap
//     has held the agent-mode ones, so that figure is a lower bound).
// Before each part both modes must answer the document again, and the summary lists every tunnel
// that dropped, with the part it dropped in: a dropped tunnel makes agent-mode requests fast 503s,
// so wrk figures with non-2xx answers, or constant-rate runs with failures, count as invalid.
//
// The upstreams, and why not the Kubernetes emulator: the emulator is a JavaScript server, slower
// than the proxy itself; with it as the upstream both modes would run at its rate and the ratio
// would hide what the tunnel costs. So throughput and latency use proxy.bench.ts' fast upstream
// (nginx, one worker, a 1.2 KB ConfigMap over TLS with HTTP/2) and watches use its fan-out
// upstream (a minimal node:http2 server that holds streams cheaply), in both modes.
// The agent needs more than an upstream: it reads its identity Secret (portcullis-agent-identity in
// portcullis-system, kubernetes.io/tls, as enrollment leaves it) from the API server of its
// KUBECONFIG at start. That one path is answered by the same upstream (nginx: GET only, the Secret
// written into its configuration; fan-out upstream: GET and PUT from memory). It is bench
// scaffolding, not an API server: the agent asks nothing else of it at start, and renews (PUT) only
// after two thirds of its certificate's 24 h. Neither upstream checks the bearer token, in either
// mode; the proxy and the agent still send one (the stand-in provisioner's JIT token, and a fixed
// ServiceAccount token in the agent's kubeconfig).
//
// Everything else is real: the built proxy and cluster agent (dist/, as deployed), the agent
// dialling out over TLS to the proxy's tunnel port with a certificate of the dev agent CA (CN =
// cluster, SAN urn:portcullis:cluster:<id>, its fingerprint listed by the policy stand-in's
// PolicyClusterLookupV2), NATS with JetStream, PostgreSQL from DATABASE_URL. wrk presents a client
// certificate through proxy.bench.ts' LD_PRELOAD shim (bench/support). On 2 cores every process
// shares the same CPUs: in agent mode the agent's CPU comes out of the proxy's, which a real
// deployment (agent in another cluster) would not do.
//
// Environment: BENCH_PROXY_NODE runs the proxy and the agents on another node binary (production
// runs Node.js 24); BENCH_PROXY_NODE_ARGS passes flags to the proxy's node; BENCH_PROXY_OUTPUT and
// BENCH_AGENT_OUTPUT name files for the proxy's and the agents' logs (the latter gets
// .<cluster> appended); BENCH_PROXY_LOG_LEVEL and BENCH_AGENT_LOG_LEVEL raise their log levels
// (debug shows why a tunnel session failed).

import { ClusterEndpointV2 } from '@portcullis/contracts';
import { DevPki, ensureDevPki } from '@portcullis/dev-pki';
import { MessagingConnection } from '@portcullis/platform/messaging';
import { NatsServerProcess, waitFor } from '@portcullis/platform/testing';
import { execFileSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import http2, { ClientHttp2Session } from 'node:http2';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import { ClientCredential, TestCertificateAuthority } from '../apps/proxy/test/support/client-certificates';
import { Bench, buildClientCertShim, fmt, has, percentile, probeOnce, rssKiB, runBench, runWrk, sleep, WrkResult, wrkClientCertEnv } from './support/bench-tools';
import {
  agentCluster,
  BuiltProxy,
  buildApp,
  NodeProcess,
  directCluster,
  IDENTITY_SECRET_PATH,
  identitySecret,
  serveControlPlaneStandIns,
  SMALL_GET_BODY,
  SMALL_GET_PATH,
  startBuiltAgent,
  startBuiltProxy,
  startSmallGetUpstream,
} from './support/portcullis-stack';
import { fanOut, FanOutUpstream, startFanOutUpstream } from './support/watch-fan-out';

const { values: args } = parseArgs({
  options: {
    duration: { type: 'string', default: '20' },
    connections: { type: 'string', default: '64' },
    rate: { type: 'string', default: '1000' },
    watches: { type: 'string', default: '10000' },
  },
});
const DURATION_S = Number(args.duration);
const CONNECTIONS = Number(args.connections);
const RATE = Number(args.rate);
const WATCHES = Number(args.watches);
// The Node.js that runs the proxy and the agents (production images run another major).
const PROXY_NODE = process.env['BENCH_PROXY_NODE'] ?? process.execPath;
const LATENCY_SESSIONS = 8;
const WATCHES_PER_SESSION = 900;
const AGENT_SA_TOKEN = 'bench-agent-serviceaccount-token';

const TARGETS = { throughputRatio: 0.8, addedP99Ms: 1, rssPerWatchKiB: 20 };

type Mode = 'direct' | 'agent';
/** The cluster names each mode's requests go to: the same upstream behind both. */
const CLUSTER = { direct: 'bench', agent: 'bench-agent' } as const;
const FANOUT_CLUSTER = { direct: 'fanout', agent: 'fanout-agent' } as const;

/** When each part of the run began, to tell in which one a tunnel dropped. */
const phases: Array<{ name: string; at: number }> = [];
const phase = (name: string) => phases.push({ name, at: Date.now() });
const phaseAt = (time: number) => phases.filter((entry) => entry.at <= time).pop()?.name ?? 'start-up';

interface Results {
  throughput: Partial<Record<Mode, WrkResult>>;
  throughputSkipped?: string;
  latency: Partial<Record<Mode, RateResult>>;
  rssPerWatch: { proxy?: number; agent?: number; proxyDirect?: number };
  memorySkipped?: string;
}

async function run(bench: Bench): Promise<void> {
  const nodeVersion = execFileSync(PROXY_NODE, ['--version'], { encoding: 'utf8' }).trim();
  console.log(
    `agent tunnel benchmark: ${os.cpus().length} cores, proxy and agents on node ${nodeVersion}; ${CONNECTIONS} connections for ${DURATION_S} s per mode, ${RATE} req/s, ${WATCHES} watches\n`,
  );
  const pki: DevPki = await ensureDevPki(path.join(bench.dir, 'pki'));
  const upstreamPki: DevPki = await ensureDevPki(path.join(bench.dir, 'upstream-pki'));
  const upstreamCa = fs.readFileSync(upstreamPki.proxyCaCertFile, 'utf8');

  // One agent identity per agent-mode cluster, as policy would have signed it at enrollment.
  const agentCa = await TestCertificateAuthority.fromPem(fs.readFileSync(pki.agentCaCertFile, 'utf8'), fs.readFileSync(pki.agentCaKeyFile, 'utf8'));
  const clusters = new Map<string, ClusterEndpointV2>();
  const secretFiles = new Map<string, string>();
  for (const name of [CLUSTER.agent, FANOUT_CLUSTER.agent]) {
    const id = randomUUID();
    const identity = await agentCa.mintAgent(name, id);
    clusters.set(name, agentCluster(name, id, [identity.fingerprint]));
    const file = path.join(bench.dir, `${name}-identity-secret.json`);
    fs.writeFileSync(file, JSON.stringify(identitySecret(identity)));
    secretFiles.set(name, file);
  }

  // The upstreams, each also holding the identity Secret of the agent whose API server it is.
  const upstreamPort = await startSmallGetUpstream(
    bench,
    upstreamPki,
    // Inline (base64 and JSON hold no ' or $): nginx's worker may not read files in the 0700 scratch directory.
    `location = ${IDENTITY_SECRET_PATH} {
  default_type application/json;
  if ($request_method != GET) { return 405; }
  return 200 '${fs.readFileSync(secretFiles.get(CLUSTER.agent) as string, 'utf8')}';
}`,
  );
  const upstreamUrl = `https://127.0.0.1:${upstreamPort}`;
  const fanout = await startFanOutUpstream(bench, upstreamPki, secretFiles.get(FANOUT_CLUSTER.agent));
  const fanoutUrl = `https://127.0.0.1:${fanout.port}`;
  clusters.set(CLUSTER.direct, directCluster(CLUSTER.direct, upstreamUrl, upstreamCa));
  clusters.set(FANOUT_CLUSTER.direct, directCluster(FANOUT_CLUSTER.direct, fanoutUrl, upstreamCa));

  const nats = await NatsServerProcess.start();
  bench.onCleanup(() => nats.stop());
  const messaging = await MessagingConnection.open({ url: nats.url, name: 'agent-tunnel-bench' });
  bench.onCleanup(() => messaging.close());
  const responder = serveControlPlaneStandIns(messaging, clusters);
  bench.onCleanup(() => responder.close());

  buildApp('proxy');
  buildApp('cluster-agent');
  const proxy = await startBuiltProxy(bench, {
    node: PROXY_NODE,
    nats,
    pki,
    env: { PROXY_TUNNEL_LISTEN_PORT: '0', AGENT_CA_CERT_FILE: pki.agentCaCertFile, ...(process.env['BENCH_PROXY_LOG_LEVEL'] ? { LOG_LEVEL: process.env['BENCH_PROXY_LOG_LEVEL'] } : {}) },
    inspect: true,
    nodeArgs: (process.env['BENCH_PROXY_NODE_ARGS'] ?? '').split(' ').filter(Boolean),
    outputFile: process.env['BENCH_PROXY_OUTPUT'],
  });
  const agentOf = (cluster: string, url: string) =>
    startBuiltAgent(bench, {
      node: PROXY_NODE,
      cluster,
      proxy,
      tunnelCaFile: pki.proxyCaCertFile,
      apiServer: { url, caPem: upstreamCa, token: AGENT_SA_TOKEN },
      outputFile: process.env['BENCH_AGENT_OUTPUT'] ? `${process.env['BENCH_AGENT_OUTPUT']}.${cluster}` : undefined,
      logLevel: process.env['BENCH_AGENT_LOG_LEVEL'],
    });
  await agentOf(CLUSTER.agent, upstreamUrl);
  const fanoutAgent = await agentOf(FANOUT_CLUSTER.agent, fanoutUrl);
  console.log(`proxy ${proxy.proxyUrl}, tunnel ${proxy.tunnelUrl}: both agents connected\n`);

  const ca = await TestCertificateAuthority.fromPem(fs.readFileSync(pki.kubeconfigCaCertFile, 'utf8'), fs.readFileSync(pki.kubeconfigCaKeyFile, 'utf8'));
  const credential = await ca.mint({ userId: 'bench', groups: ['bench'] });
  const results: Results = { throughput: {}, latency: {}, rssPerWatch: {} };
  const urlOf = (mode: Mode) => `${proxy.proxyUrl}/clusters/${CLUSTER[mode]}${SMALL_GET_PATH}`;
  // Before each part: both modes answer the document (a tunnel dropped in the part before has
  // been redialled; the agent notices a dead tunnel within its 20 s heartbeat).
  const bothModesAnswer = async () => {
    for (const mode of ['direct', 'agent'] as const) {
      let last = '';
      await waitFor(
        async () => {
          const probe = await probeOnce(urlOf(mode), credential);
          last = `${probe.status} ${probe.body.slice(0, 300)}`;
          return probe.status === 200 && probe.body === SMALL_GET_BODY;
        },
        `${mode} mode to answer`,
        45_000,
        250,
      ).catch((error: unknown) => {
        throw new Error(`${(error as Error).message}; it last answered ${last}`);
      });
    }
  };

  phase('probes');
  await bothModesAnswer();
  await throughput(bench, proxy, credential, urlOf, results);
  phase('probes after the throughput runs');
  await bothModesAnswer();
  await latencyAtConstantRate(proxy, pki, credential, results);
  await memoryPerWatch({ proxy, pki, credential, fanout, fanoutAgent }, results);
  summarise(nodeVersion, results, proxy.log());
}

async function throughput(bench: Bench, proxy: BuiltProxy, credential: ClientCredential, urlOf: (mode: Mode) => string, results: Results): Promise<void> {
  console.log(`throughput: wrk, ${CONNECTIONS} connections, small GETs, ${DURATION_S} s per mode`);
  if (!has('wrk')) return void (results.throughputSkipped = 'wrk not installed (Debian: apt-get install wrk)');
  const certFile = path.join(bench.dir, 'client.crt');
  const keyFile = path.join(bench.dir, 'client.key');
  fs.writeFileSync(certFile, credential.certPem);
  fs.writeFileSync(keyFile, credential.keyPem, { mode: 0o600 });
  const shim = buildClientCertShim(bench.dir);
  if (!shim) return void (results.throughputSkipped = 'gcc not installed: wrk cannot present a client certificate');
  const env = wrkClientCertEnv(shim, certFile, keyFile);
  for (const mode of ['direct', 'agent'] as const) {
    phase(`throughput, ${mode} mode`);
    runWrk(urlOf(mode), 2, { connections: CONNECTIONS, env });
    const result = runWrk(urlOf(mode), DURATION_S, { connections: CONNECTIONS, env });
    results.throughput[mode] = result;
    console.log(
      `  ${mode.padEnd(7)} ${fmt(result.requestsPerSecond).padStart(7)} req/s   p50 ${fmt(result.p50Ms, 2).padStart(6)} ms   p99 ${fmt(result.p99Ms, 2).padStart(6)} ms${result.errors ? `   (${result.errors})` : ''}`,
    );
  }
  // What the proxy's upstream leg took (for agent mode: the tunnel, the agent and nginx).
  const metrics = await (await fetch(`${proxy.opsUrl}/metrics`)).text();
  for (const mode of ['direct', 'agent'] as const) {
    const series = (suffix: string) => Number(new RegExp(`^proxy_upstream_latency_seconds_${suffix}\\{[^}]*cluster="${CLUSTER[mode]}"[^}]*\\} (\\S+)$`, 'm').exec(metrics)?.[1]);
    console.log(`  ${mode.padEnd(7)} mean upstream response time seen by the proxy: ${fmt((series('sum') / series('count')) * 1000, 2)} ms`);
  }
}

interface RateResult {
  /** Send to last byte, milliseconds, sorted. */
  latencies: number[];
  sent: number;
  failed: number;
  seconds: number;
  /** Status (or RST code) and body of the first request that failed. */
  firstFailure?: string;
  /** p99 of each segment, milliseconds: how much the figure moves within one run. */
  segmentP99s?: number[];
}

function connectClient(origin: string, caPem: string, credential: ClientCredential): Promise<ClientHttp2Session> {
  return new Promise((resolve, reject) => {
    const session = http2.connect(origin, { ca: caPem, cert: credential.certPem, key: credential.keyPem });
    session.once('connect', () => resolve(session));
    session.once('error', reject);
  });
}

/**
 * Open loop: request i is sent at start + i/rate (checked every millisecond, whatever is due goes
 * out), whether or not earlier ones have been answered, round-robin over the sessions.
 */
async function constantRate(sessions: ClientHttp2Session[], requestPath: string, rate: number, seconds: number): Promise<RateResult> {
  const total = Math.round(rate * seconds);
  const latencies: number[] = [];
  let sent = 0;
  let failed = 0;
  let done = 0;
  let firstFailure: string | undefined;
  const start = performance.now();
  await new Promise<void>((resolve) => {
    const giveUp = setTimeout(resolve, (seconds + 30) * 1000);
    const finished = () => {
      if (++done === total) {
        clearTimeout(giveUp);
        resolve();
      }
    };
    const tick = () => {
      const due = Math.min(total, Math.floor(((performance.now() - start) * rate) / 1000) + 1);
      while (sent < due) {
        const session = sessions[sent++ % sessions.length];
        const sentAt = performance.now();
        let status = 0;
        let endedAt = 0;
        const stream = session.request({ ':path': requestPath }, { endStream: true });
        let body = '';
        stream.on('response', (headers) => (status = Number(headers[':status'])));
        stream.on('data', (chunk: Buffer) => {
          if (status !== 200 && body.length < 300) body += chunk.toString();
        });
        stream.on('end', () => (endedAt = performance.now()));
        stream.on('error', () => undefined);
        stream.on('close', () => {
          if (status === 200 && endedAt) latencies.push(endedAt - sentAt);
          else if (failed++ === 0) firstFailure = `${status || stream.rstCode} ${body.slice(0, 300)}`;
          finished();
        });
      }
      if (sent < total) setTimeout(tick, 1);
    };
    tick();
  });
  latencies.sort((a, b) => a - b);
  return { latencies, sent, failed: failed + (total - done), seconds: (performance.now() - start) / 1000, firstFailure };
}

async function latencyAtConstantRate(proxy: BuiltProxy, pki: DevPki, credential: ClientCredential, results: Results): Promise<void> {
  const segmentS = Math.max(1, Math.min(DURATION_S, 15) / 2);
  console.log(`\nlatency at a constant ${RATE} req/s (open loop, ${LATENCY_SESSIONS} HTTP/2 connections; segments of ${segmentS} s: direct, agent, agent, direct)`);
  const caPem = fs.readFileSync(pki.proxyCaCertFile, 'utf8');
  const sessions = await Promise.all(Array.from({ length: LATENCY_SESSIONS }, () => connectClient(proxy.proxyUrl, caPem, credential)));
  try {
    const pathOf = (mode: Mode) => `/clusters/${CLUSTER[mode]}${SMALL_GET_PATH}`;
    phase('latency at a constant rate');
    for (const mode of ['direct', 'agent'] as const) await constantRate(sessions, pathOf(mode), RATE, 1);
    for (const mode of ['direct', 'agent', 'agent', 'direct'] as const) {
      const segment = await constantRate(sessions, pathOf(mode), RATE, segmentS);
      const sofar = results.latency[mode];
      results.latency[mode] = sofar
        ? {
            latencies: [...sofar.latencies, ...segment.latencies].sort((a, b) => a - b),
            sent: sofar.sent + segment.sent,
            failed: sofar.failed + segment.failed,
            seconds: sofar.seconds + segment.seconds,
            firstFailure: sofar.firstFailure ?? segment.firstFailure,
            segmentP99s: [...(sofar.segmentP99s ?? []), percentile(segment.latencies, 99)],
          }
        : { ...segment, segmentP99s: [percentile(segment.latencies, 99)] };
    }
  } finally {
    for (const session of sessions) session.destroy();
  }
  for (const mode of ['direct', 'agent'] as const) {
    const result = results.latency[mode] as RateResult;
    const { latencies } = result;
    console.log(
      `  ${mode.padEnd(7)} ${fmt(result.sent / result.seconds)} req/s sent, ${latencies.length} answered, ${result.failed} failed   p50 ${fmt(percentile(latencies, 50), 2)} ms   p99 ${fmt(percentile(latencies, 99), 2)} ms   max ${fmt(latencies[latencies.length - 1], 2)} ms   (p99 per segment: ${(result.segmentP99s ?? []).map((value) => fmt(value, 2)).join(', ')} ms)`,
    );
    if (result.firstFailure) console.log(`          first failure: ${result.firstFailure}`);
  }
}

async function memoryPerWatch(
  context: { proxy: BuiltProxy; pki: DevPki; credential: ClientCredential; fanout: FanOutUpstream; fanoutAgent: NodeProcess },
  results: Results,
): Promise<void> {
  const { proxy, fanout, fanoutAgent } = context;
  // A full GC in both processes, then a second to settle, before each reading.
  const settledRss = async (processes: NodeProcess[]) => {
    await Promise.all(processes.map((observed) => observed.collectGarbage()));
    await sleep(1_000);
    return processes.map((observed) => rssKiB(observed.pid));
  };
  const connect = () => http2.connect(proxy.proxyUrl, { ca: fs.readFileSync(context.pki.proxyCaCertFile), cert: context.credential.certPem, key: context.credential.keyPem });
  // One list first (access, token and upstream caches; in agent mode also a tunnel that is up), then the baseline.
  const warm = async (cluster: string) => {
    const session = connect();
    session.on('error', () => undefined);
    const list = () =>
      new Promise<number>((resolve) => {
        const stream = session.request({ ':path': `/clusters/${cluster}/api/v1/namespaces/default/configmaps` });
        let status = 0;
        stream.on('response', (headers) => (status = Number(headers[':status'])));
        stream.on('error', () => undefined);
        stream.on('close', () => resolve(status));
        stream.resume();
      });
    await waitFor(async () => (await list()) === 200, `cluster ${cluster} to answer a list`, 45_000, 250).finally(() => session.close());
    await sleep(2_000);
  };
  const watchPath = (cluster: string) => `/clusters/${cluster}/api/v1/namespaces/default/configmaps?watch=1`;
  const perWatch = (before: number, after: number) => (after - before) / WATCHES;
  const mib = (kib: number) => fmt(kib / 1024);

  phase('memory, agent mode');
  console.log(`\nmemory: ${WATCHES} watches through one tunnel (${Math.ceil(WATCHES / WATCHES_PER_SESSION)} client connections)`);
  await warm(FANOUT_CLUSTER.agent);
  const [proxyBefore, agentBefore] = await settledRss([proxy, fanoutAgent]);
  try {
    await fanOut({ connect, path: watchPath(FANOUT_CLUSTER.agent), perSession: WATCHES_PER_SESSION }, WATCHES, fanout, {
      whenEstablished: async () => {
        const [proxyAfter, agentAfter] = await settledRss([proxy, fanoutAgent]);
        results.rssPerWatch.proxy = perWatch(proxyBefore, proxyAfter);
        results.rssPerWatch.agent = perWatch(agentBefore, agentAfter);
        console.log(`  proxy RSS ${mib(proxyBefore)} MiB -> ${mib(proxyAfter)} MiB: ${fmt(results.rssPerWatch.proxy, 1)} KiB per watch`);
        console.log(`  agent RSS ${mib(agentBefore)} MiB -> ${mib(agentAfter)} MiB: ${fmt(results.rssPerWatch.agent, 1)} KiB per watch`);
      },
    });
  } catch (error) {
    results.memorySkipped = (error as Error).message;
    console.log(`  ${results.memorySkipped}`);
    return;
  }
  try {
    await waitFor(async () => (await fanout.count()) === 0, 'the agent to close its watches at the upstream', 30_000, 250);
  } catch {
    console.log(`  ${await fanout.count()} watches still open at the upstream 30 s after their clients went: no direct-mode reference`);
    return;
  }

  phase('memory, direct mode');
  console.log(`\nmemory, reference: the same ${WATCHES} watches in direct mode (same proxy, after the agent-mode run)`);
  await warm(FANOUT_CLUSTER.direct);
  const [directBefore] = await settledRss([proxy]);
  await fanOut({ connect, path: watchPath(FANOUT_CLUSTER.direct), perSession: WATCHES_PER_SESSION }, WATCHES, fanout, {
    whenEstablished: async () => {
      const [directAfter] = await settledRss([proxy]);
      results.rssPerWatch.proxyDirect = perWatch(directBefore, directAfter);
      console.log(`  proxy RSS ${mib(directBefore)} MiB -> ${mib(directAfter)} MiB: ${fmt(results.rssPerWatch.proxyDirect, 1)} KiB per watch`);
    },
  }).catch((error: unknown) => console.log(`  ${(error as Error).message}`));
}

/** Why a measurement does not count: requests that failed (a 503 from a dropped tunnel answers fast). */
function invalidity(results: Results): { throughput?: string; latency?: string } {
  const failedWrk = (['direct', 'agent'] as const).filter((mode) => /Non-2xx/.test(results.throughput[mode]?.errors ?? ''));
  const failedRate = (['direct', 'agent'] as const).filter((mode) => (results.latency[mode]?.failed ?? 0) > 0);
  return {
    throughput: failedWrk.length ? `${failedWrk.join(' and ')}: ${failedWrk.map((mode) => results.throughput[mode]?.errors).join('; ')}` : undefined,
    latency: failedRate.length ? `failed requests in ${failedRate.map((mode) => `${mode} (${results.latency[mode]?.failed}, first: ${results.latency[mode]?.firstFailure?.slice(0, 160)})`).join(' and ')}` : undefined,
  };
}

function summarise(nodeVersion: string, results: Results, proxyLog: string): void {
  const { throughput: tp, latency, rssPerWatch } = results;
  const ratio = tp.direct && tp.agent ? tp.agent.requestsPerSecond / tp.direct.requestsPerSecond : NaN;
  const p99 = (mode: Mode) => (latency[mode] ? percentile((latency[mode] as RateResult).latencies, 99) : NaN);
  const addedP99 = p99('agent') - p99('direct');
  const ms = (value: number) => `${fmt(value, 2)} ms`;
  const signed = (value: number, unit: string) => (Number.isFinite(value) ? `${value >= 0 ? '+' : ''}${value.toFixed(2)} ${unit}` : 'n/a');
  const rows: string[][] = [
    ['', 'direct', 'agent', 'agent vs direct', 'target'],
    ['throughput, req/s', fmt(tp.direct?.requestsPerSecond ?? NaN), fmt(tp.agent?.requestsPerSecond ?? NaN), `x ${fmt(ratio, 2)}`, `>= x ${TARGETS.throughputRatio.toFixed(2)}`],
    ['  p50 at saturation', ms(tp.direct?.p50Ms ?? NaN), ms(tp.agent?.p50Ms ?? NaN), signed((tp.agent?.p50Ms ?? NaN) - (tp.direct?.p50Ms ?? NaN), 'ms'), ''],
    ['  p99 at saturation', ms(tp.direct?.p99Ms ?? NaN), ms(tp.agent?.p99Ms ?? NaN), signed((tp.agent?.p99Ms ?? NaN) - (tp.direct?.p99Ms ?? NaN), 'ms'), ''],
    [`p99 at ${RATE} req/s`, ms(p99('direct')), ms(p99('agent')), signed(addedP99, 'ms'), `<= +${TARGETS.addedP99Ms} ms`],
    ['RSS per watch, proxy', `${fmt(rssPerWatch.proxyDirect ?? NaN, 1)} KiB`, `${fmt(rssPerWatch.proxy ?? NaN, 1)} KiB`, '', `<= ${TARGETS.rssPerWatchKiB} KiB`],
    ['RSS per watch, agent', '-', `${fmt(rssPerWatch.agent ?? NaN, 1)} KiB`, '', `<= ${TARGETS.rssPerWatchKiB} KiB`],
  ];
  const widths = rows[0].map((_, column) => Math.max(...rows.map((row) => row[column].length)));
  console.log(`\nsummary (node ${nodeVersion}, ${os.cpus().length} cores; both modes through the same proxy process to the same upstream)`);
  for (const row of rows) console.log(`  ${row.map((cell, column) => (column === 0 ? cell.padEnd(widths[column]) : cell.padStart(widths[column]))).join('   ')}`);
  console.log('  (direct-mode RSS per watch: measured after the agent-mode watches, a lower bound)');
  // A tunnel that dropped mid-run turns agent-mode requests into fast 503s: say so beside the figures.
  const drops = [...proxyLog.matchAll(/"time":"([^"]+)"[^\n]*"cluster":"([^"]+)"[^\n]*"reason":"([^"]*)"[^\n]*"msg":"agent tunnel disconnected"/g)].map(
    (match) => `${match[2]} during ${phaseAt(Date.parse(match[1]))}: ${match[3]}`,
  );
  if (drops.length) console.log(`  agent tunnels dropped during the run: ${drops.length} (${drops.join('; ')})`);

  const invalid = invalidity(results);
  const verdict = (value: number, met: boolean, shown: string, reason?: string) => {
    if (reason) return `${Number.isFinite(value) ? 'invalid' : 'not measured'} (${reason})`;
    return Number.isFinite(value) ? `${met ? 'met' : 'missed'} (${shown})` : 'not measured';
  };
  console.log('');
  console.log(`throughput agent/direct >= ${TARGETS.throughputRatio.toFixed(2)}: ${verdict(ratio, ratio >= TARGETS.throughputRatio, fmt(ratio, 2), results.throughputSkipped ?? invalid.throughput)}`);
  console.log(`p99 added at ${RATE} req/s <= ${TARGETS.addedP99Ms} ms: ${verdict(addedP99, addedP99 <= TARGETS.addedP99Ms, signed(addedP99, 'ms'), invalid.latency)}`);
  for (const side of ['proxy', 'agent'] as const) {
    const value = rssPerWatch[side] ?? NaN;
    console.log(`RSS per watch, ${side} side <= ${TARGETS.rssPerWatchKiB} KiB: ${verdict(value, value <= TARGETS.rssPerWatchKiB, `${fmt(value, 1)} KiB`, results.memorySkipped)}`);
  }
}

void runBench('agent-tunnel-bench-', ['nats-server', 'nginx'], run);
