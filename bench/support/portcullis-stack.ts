// Portcullis as the proxy benchmarks run it: the built proxy and cluster agent (dist/, as deployed)
// on a chosen Node.js, and stand-ins for policy and sa-provisioner answering over NATS.

import { ClusterEndpointV2, PolicyClusterLookupV1, PolicyClusterLookupV2, PolicyEffectiveAccessV1, SaTokenEnsureV1 } from '@portcullis/contracts';
import type { DevPki } from '@portcullis/dev-pki';
import { MessagingConnection, ReplyError, Responder, silentLogger } from '@portcullis/platform/messaging';
import { freePort, NatsServerProcess, stackEnvironment, waitFor, workspaceRoot } from '@portcullis/platform/testing';
import { ChildProcess, execFileSync, spawn, spawnSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import WebSocket from 'ws';
import type { AgentCredential } from '../../apps/proxy/test/support/client-certificates';
import { AGENT_IDENTITY_SECRET, AGENT_NAMESPACE } from '../../apps/proxy/test/support/cluster-agent-process';
import { Bench } from './bench-tools';

/** The "small GET" of the benchmarks: a ConfigMap of about 1.2 KB. */
export const SMALL_GET_PATH = '/api/v1/namespaces/default/configmaps/bench';
export const SMALL_GET_BODY = JSON.stringify({
  kind: 'ConfigMap',
  apiVersion: 'v1',
  metadata: { name: 'bench', namespace: 'default', uid: randomUUID(), resourceVersion: '4242', creationTimestamp: '2026-01-01T00:00:00Z', labels: { app: 'bench' } },
  data: { payload: 'x'.repeat(950) },
});

/** The JIT token the stand-in provisioner hands out; the bench upstreams accept any token. */
export const BENCH_JIT_TOKEN = 'bench-jit-token';

/** nginx answering every path with the small GET's document over TLS (HTTP/2 and HTTP/1.1). */
export function startSmallGetUpstream(bench: Bench, upstreamPki: DevPki, extraLocations = ''): Promise<number> {
  return bench.nginx(
    'upstream',
    `ssl_certificate ${upstreamPki.proxyCertFile};
ssl_certificate_key ${upstreamPki.proxyKeyFile};
http2_max_concurrent_streams 100;
location / { default_type application/json; return 200 '${SMALL_GET_BODY}'; }
${extraLocations}`,
  );
}

export function directCluster(name: string, server: string, caBundle: string): ClusterEndpointV2 {
  return { id: randomUUID(), name, displayName: name, server, caBundle, idleTimeoutSeconds: 3_600, mode: 'direct', agent: null };
}

/** An agent-mode cluster as policy describes it: no address the proxy dials, only the agent certificates to accept. */
export function agentCluster(name: string, id: string, certificateFingerprints: string[]): ClusterEndpointV2 {
  return { id, name, displayName: name, server: 'https://kubernetes.default.svc', caBundle: null, idleTimeoutSeconds: 3_600, mode: 'agent', agent: { certificateFingerprints } };
}

/**
 * policy (effective access: `view` on every cluster for everyone; the cluster lookup, V2 and, for
 * direct clusters, V1) and sa-provisioner (one fixed token) over NATS.
 */
export function serveControlPlaneStandIns(messaging: MessagingConnection, clusters: Map<string, ClusterEndpointV2>): Responder {
  const responder = new Responder(messaging, `bench-stand-ins-${randomUUID()}`, silentLogger);
  const lookup = (name: string): ClusterEndpointV2 => {
    const cluster = clusters.get(name);
    if (!cluster) throw new ReplyError('NOT_FOUND', `cluster ${name} not found`);
    return cluster;
  };
  responder.serve(PolicyEffectiveAccessV1, async () => ({
    entries: [...clusters.values()].map((cluster) => ({
      grantId: cluster.id,
      cluster: { id: cluster.id, name: cluster.name, displayName: cluster.name },
      role: { name: 'view', builtIn: true, rules: [] },
      namespaces: [],
    })),
    kubeconfigValiditySeconds: 86_400,
  }));
  responder.serve(PolicyClusterLookupV2, async ({ name }) => lookup(name));
  // The V1 form too, for a proxy built before V2 (its schema is strict: no mode, no agent).
  responder.serve(PolicyClusterLookupV1, async ({ name }) => {
    const { mode, agent: _agent, ...endpoint } = lookup(name);
    if (mode !== 'direct') throw new ReplyError('NOT_FOUND', `cluster ${name} is not reachable directly`);
    return endpoint;
  });
  responder.serve(SaTokenEnsureV1, async () => ({ token: BENCH_JIT_TOKEN, expiresAt: new Date(Date.now() + 3_600_000).toISOString() }));
  return responder;
}

/** `node tools/build/build-app.mjs <app>`: dist/apps/<app>/main.js. */
export function buildApp(app: string): void {
  execFileSync(process.execPath, ['tools/build/build-app.mjs', app], { cwd: workspaceRoot, stdio: 'inherit' });
}

/**
 * Runs a full garbage collection in a node process started with --inspect (through the inspector
 * protocol, HeapProfiler.collectGarbage), so RSS readings before and after do not depend on when
 * V8 last collected.
 */
async function collectGarbage(inspectorUrl: string): Promise<void> {
  const socket = new WebSocket(inspectorUrl);
  await new Promise<void>((resolve, reject) => {
    socket.once('open', () => resolve());
    socket.once('error', reject);
  });
  try {
    for (let id = 1; id <= 2; id++) {
      await new Promise<void>((resolve, reject) => {
        const onMessage = (data: WebSocket.RawData) => {
          const message = JSON.parse(data.toString()) as { id?: number; error?: { message: string } };
          if (message.id !== id) return;
          socket.off('message', onMessage);
          if (message.error) reject(new Error(message.error.message));
          else resolve();
        };
        socket.on('message', onMessage);
        socket.send(JSON.stringify({ id, method: 'HeapProfiler.collectGarbage' }));
      });
    }
  } finally {
    socket.close();
  }
}

/** Forwards a child's stderr, minus the inspector's banner, and resolves with the inspector's URL. */
function inspectorUrlOf(child: ChildProcess): Promise<string> {
  return new Promise((resolve, reject) => {
    let pending = '';
    child.stderr?.on('data', (chunk: Buffer) => {
      pending += chunk.toString();
      const lines = pending.split('\n');
      pending = lines.pop() ?? '';
      for (const line of lines) {
        const url = /Debugger listening on (ws:\/\/\S+)/.exec(line)?.[1];
        if (url) resolve(url);
        else if (!/^For help, see: https:\/\/nodejs.org|^Debugger attached|^Debugger ending|^Waiting for the debugger/.test(line)) process.stderr.write(`${line}\n`);
      }
    });
    child.once('exit', () => reject(new Error('the process exited before its inspector listened')));
  });
}

/** What the benchmarks observe of a node process: its pid, and a full GC on request. */
export interface NodeProcess {
  process: ChildProcess;
  pid: number;
  collectGarbage(): Promise<void>;
}

/** `inspected`: started with --inspect and its stderr piped; otherwise collectGarbage() rejects. */
function nodeProcess(child: ChildProcess, inspected: boolean): NodeProcess {
  const inspector = inspected ? inspectorUrlOf(child) : Promise.reject(new Error('started without --inspect'));
  inspector.catch(() => undefined);
  return { process: child, pid: child.pid ?? 0, collectGarbage: async () => collectGarbage(await inspector) };
}

export interface BuiltProxy extends NodeProcess {
  proxyUrl: string;
  opsUrl: string;
  /** The tunnel endpoint, when AGENT_CA_CERT_FILE is set. */
  tunnelUrl?: string;
  /** Waits for a line of the proxy's (JSON) log matching `pattern`; returns the first group. */
  waitForLog(pattern: RegExp, what: string, timeoutMs?: number): Promise<string>;
  /** Its log so far. */
  log(): string;
}

export interface BuiltProxyOptions {
  /** The Node.js binary that runs it. */
  node: string;
  nats: NatsServerProcess;
  pki: DevPki;
  /** Extra configuration (the tunnel's, say). */
  env?: NodeJS.ProcessEnv;
  /** Flags for its node (e.g. --cpu-prof). */
  nodeArgs?: string[];
  /** A file that also gets its stdout. */
  outputFile?: string;
  /** Starts its inspector on a free local port, for collectGarbage(). */
  inspect?: boolean;
}

/**
 * The built proxy (run buildApp('proxy') first) in its own PostgreSQL schema (dropped at the
 * end), logging at info: the `data plane listening` and `ready` lines carry the URLs. Requests
 * are not logged at info.
 */
export async function startBuiltProxy(bench: Bench, options: BuiltProxyOptions): Promise<BuiltProxy> {
  const schema = `proxy_bench_${process.pid}`;
  const child = bench.track(
    spawn(options.node, [...(options.inspect ? ['--inspect=127.0.0.1:0'] : []), ...(options.nodeArgs ?? []), path.join(workspaceRoot, 'dist/apps/proxy/main.js')], {
      cwd: workspaceRoot,
      env: {
        ...process.env,
        HTTP_PORT: '0',
        DATABASE_URL: stackEnvironment().databaseUrl,
        DATABASE_SCHEMA: schema,
        DATABASE_MIGRATE_ON_START: 'true',
        NATS_URL: options.nats.url,
        PROXY_LISTEN_PORT: '0',
        PROXY_TLS_CERT_FILE: options.pki.proxyCertFile,
        PROXY_TLS_KEY_FILE: options.pki.proxyKeyFile,
        KUBECONFIG_CA_CERT_FILE: options.pki.kubeconfigCaCertFile,
        LOG_LEVEL: 'info',
        PROXY_DRAIN_TIMEOUT_MS: '1000',
        ...options.env,
      },
      stdio: ['ignore', 'pipe', options.inspect ? 'pipe' : 'inherit'],
    }),
  );
  bench.onCleanup(async () => {
    child.kill('SIGTERM');
    await new Promise((resolve) => setTimeout(resolve, 2_000));
    spawnSync('psql', [stackEnvironment().databaseUrl, '-c', `DROP SCHEMA IF EXISTS "${schema}" CASCADE`], { stdio: 'ignore' });
  });
  const observed = nodeProcess(child, options.inspect ?? false);
  let output = '';
  const copy = options.outputFile ? fs.createWriteStream(options.outputFile) : undefined;
  child.stdout?.on('data', (chunk: Buffer) => {
    output += chunk.toString();
    copy?.write(chunk);
  });
  const waitForLog = (pattern: RegExp, what: string, timeoutMs = 60_000) => waitFor(() => pattern.exec(output)?.[1], what, timeoutMs);
  const proxyUrl = await waitForLog(/"url":"(https:[^"]+)"[^\n]*"msg":"data plane listening"/, 'the proxy to listen');
  const opsUrl = await waitForLog(/"url":"(http:[^"]+)"[^\n]*"msg":"ready"/, 'the proxy to be ready');
  const tunnelUrl = options.env?.['AGENT_CA_CERT_FILE'] ? await waitForLog(/"url":"(https:[^"]+)"[^\n]*"msg":"tunnel endpoint listening"/, 'the tunnel endpoint') : undefined;
  await waitFor(async () => (await fetch(`${opsUrl}/readyz`)).status === 200, 'proxy readiness', 20_000);
  return { ...observed, proxyUrl, opsUrl, tunnelUrl, waitForLog, log: () => output };
}

/** The agent's identity Secret as enrollment leaves it (kubernetes.io/tls in its namespace). */
export function identitySecret(identity: AgentCredential): object {
  return {
    apiVersion: 'v1',
    kind: 'Secret',
    type: 'kubernetes.io/tls',
    metadata: { name: AGENT_IDENTITY_SECRET, namespace: AGENT_NAMESPACE, uid: randomUUID(), resourceVersion: '1', creationTimestamp: new Date().toISOString() },
    data: {
      'tls.crt': Buffer.from(identity.certPem).toString('base64'),
      'tls.key': Buffer.from(identity.keyPem).toString('base64'),
      'ca.crt': Buffer.from(identity.caPem).toString('base64'),
    },
  };
}

/** The API path of the agent's identity Secret. */
export const IDENTITY_SECRET_PATH = `/api/v1/namespaces/${AGENT_NAMESPACE}/secrets/${AGENT_IDENTITY_SECRET}`;

export interface BuiltAgentOptions {
  node: string;
  cluster: string;
  proxy: BuiltProxy;
  tunnelCaFile: string;
  /** Its cluster: the API server it relays to and reads its identity Secret from. */
  apiServer: { url: string; caPem: string; token: string };
  /** A file that also gets its stdout (its log, at LOG_LEVEL warn unless `logLevel` says otherwise). */
  outputFile?: string;
  logLevel?: string;
}

/**
 * The built cluster agent (run buildApp('cluster-agent') first), its inspector on a free local port
 * for collectGarbage(); resolves once the proxy logged its tunnel.
 */
export async function startBuiltAgent(bench: Bench, options: BuiltAgentOptions): Promise<NodeProcess> {
  if (!options.proxy.tunnelUrl) throw new Error('the proxy has no tunnel endpoint (AGENT_CA_CERT_FILE)');
  const kubeconfig = path.join(bench.dir, `agent-${options.cluster}.kubeconfig`);
  fs.writeFileSync(
    kubeconfig,
    JSON.stringify({
      apiVersion: 'v1',
      kind: 'Config',
      clusters: [{ name: options.cluster, cluster: { server: options.apiServer.url, 'certificate-authority-data': Buffer.from(options.apiServer.caPem).toString('base64') } }],
      users: [{ name: 'portcullis-agent', user: { token: options.apiServer.token } }],
      contexts: [{ name: options.cluster, context: { cluster: options.cluster, user: 'portcullis-agent', namespace: AGENT_NAMESPACE } }],
      'current-context': options.cluster,
    }),
  );
  const child = bench.track(
    spawn(options.node, ['--inspect=127.0.0.1:0', path.join(workspaceRoot, 'dist/apps/cluster-agent/main.js')], {
      cwd: workspaceRoot,
      env: {
        ...process.env,
        HTTP_PORT: String(await freePort()),
        AGENT_CLUSTER_NAME: options.cluster,
        AGENT_TUNNEL_URL: options.proxy.tunnelUrl,
        AGENT_TUNNEL_CA_FILE: options.tunnelCaFile,
        AGENT_NAMESPACE,
        AGENT_IDENTITY_SECRET,
        KUBECONFIG: kubeconfig,
        LOG_LEVEL: options.logLevel ?? 'warn',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    }),
  );
  const observed = nodeProcess(child, true);
  let output = '';
  const copy = options.outputFile ? fs.createWriteStream(options.outputFile) : undefined;
  child.stdout?.on('data', (chunk: Buffer) => {
    output += chunk.toString();
    copy?.write(chunk);
  });
  bench.onCleanup(async () => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGTERM');
    await Promise.race([exited, new Promise((resolve) => setTimeout(resolve, 3_000))]);
  });
  try {
    await options.proxy.waitForLog(new RegExp(`"cluster":"(${options.cluster})"[^\\n]*"msg":"agent tunnel connected"`), `the tunnel of ${options.cluster}`, 30_000);
  } catch (error) {
    console.error(`the agent of ${options.cluster} said:\n${output.slice(-2_000)}`);
    throw error;
  }
  return observed;
}
