import type { INestApplication } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { ProxyRequestBatchV1, ProxyRequestV1, Streams, streamDefinitions, Subjects } from '@portcullis/contracts';
import { DevPki, ensureDevPki } from '@portcullis/dev-pki';
import { KubeEmulator, type KubeEmulatorOptions } from '@portcullis/kube-emulator';
import { ensureStreams, MessagingConnection } from '@portcullis/platform/messaging';
import { dropSchema, freePort, NatsServerProcess, stackEnvironment, uniqueName, waitFor } from '@portcullis/platform/testing';
import { ChildProcess, execFile, spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import http2 from 'node:http2';
import https from 'node:https';
import os from 'node:os';
import path from 'node:path';
import { stringify } from 'yaml';
import { AppModule } from '../../src/app.module';
import { loadProxyConfig } from '../../src/config/proxy.config';
import { DataPlaneServer } from '../../src/data-plane/data-plane.server';
import { AgentTunnels } from '../../src/tunnel/agent-tunnels';
import { ClientCredential, MintOptions, TestCertificateAuthority } from './client-certificates';
import { ClusterAgentProcess } from './cluster-agent-process';
import { ControlPlaneStandIn } from './control-plane-stand-in';

export interface HarnessOptions {
  /** Extra proxy configuration (e.g. AUDIT_FAIL_MODE). */
  env?: Record<string, string>;
  emulator?: KubeEmulatorOptions;
  /** false: the test starts the proxy itself (e.g. from main.ts in a child process). */
  startProxy?: boolean;
  /**
   * How the proxy reaches cluster `dev`: direct (policy gives it the emulator's address) or
   * agent (policy gives it no address; the real cluster agent dials the proxy's tunnel).
   */
  mode?: ClusterMode;
}

export type ClusterMode = 'direct' | 'agent';

/** Runs a describe block once per connection mode, with the same assertions. */
export const CLUSTER_MODES: ClusterMode[] = ['direct', 'agent'];

export interface ProxyResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- test assertions walk arbitrary JSON
  json<T = Record<string, any>>(): T;
}

/**
 * Every ProxyRequestV1 the proxy published, read back from JetStream as audit would. It reads
 * the stream by sequence number, so a broker restart in a test costs it nothing.
 */
export class RequestEventLog {
  readonly events: ProxyRequestV1[] = [];
  private nextSequence = 1;
  private timer?: NodeJS.Timeout;
  private polling = false;

  async start(messaging: MessagingConnection): Promise<void> {
    this.timer = setInterval(() => void this.poll(messaging), 50);
  }

  async stop(): Promise<void> {
    clearInterval(this.timer);
  }

  private async poll(messaging: MessagingConnection): Promise<void> {
    if (this.polling) return;
    this.polling = true;
    try {
      const info = await messaging.jetstreamManager.streams.info(Streams.requests);
      while (this.nextSequence <= info.state.last_seq) {
        const message = await messaging.jetstreamManager.streams.getMessage(Streams.requests, { seq: this.nextSequence });
        if (message?.subject === Subjects.proxyRequest) this.events.push(message.json<ProxyRequestV1>());
        if (message?.subject === Subjects.proxyRequestBatch) this.events.push(...message.json<ProxyRequestBatchV1>().requests);
        this.nextSequence++;
      }
    } catch {
      // the broker is away: try again on the next tick
    } finally {
      this.polling = false;
    }
  }

  /** Waits for an event matching `predicate`. */
  async find(predicate: (event: ProxyRequestV1) => boolean, what = 'a request event', timeoutMs = 10_000): Promise<ProxyRequestV1> {
    return waitFor(() => this.events.find(predicate), what, timeoutMs, 25);
  }
}

/**
 * One proxy, booted in-process from its AppModule, with a private NATS broker, the Kubernetes
 * emulator as cluster `dev`, the development PKI, and stand-ins for policy and sa-provisioner.
 */
export class ProxyHarness {
  app?: INestApplication;
  proxyUrl = '';
  opsUrl = '';
  readonly events = new RequestEventLog();
  /** The agent of cluster `dev` in agent mode. */
  agent?: ClusterAgentProcess;
  tunnelPort = 0;
  private readonly replicas: INestApplication[] = [];
  private readonly schema = uniqueName('proxy_test');
  private readonly tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'proxy-test-'));

  private constructor(
    readonly nats: NatsServerProcess,
    readonly messaging: MessagingConnection,
    readonly emulator: KubeEmulator,
    readonly pki: DevPki,
    readonly ca: TestCertificateAuthority,
    readonly controlPlane: ControlPlaneStandIn,
    private readonly options: HarnessOptions,
  ) {}

  static async start(options: HarnessOptions = {}): Promise<ProxyHarness> {
    const nats = await NatsServerProcess.start();
    const messaging = await MessagingConnection.open({ url: nats.url, name: 'proxy-test' });
    await ensureStreams(messaging.jetstreamManager, streamDefinitions);
    const emulator = await KubeEmulator.start({ tokenAuthCacheMs: 0, ...options.emulator });
    const pkiDir = fs.mkdtempSync(path.join(os.tmpdir(), 'proxy-pki-'));
    const pki = await ensureDevPki(pkiDir);
    const ca = await TestCertificateAuthority.fromPem(fs.readFileSync(pki.kubeconfigCaCertFile, 'utf8'), fs.readFileSync(pki.kubeconfigCaKeyFile, 'utf8'));
    const controlPlane = new ControlPlaneStandIn(messaging);
    controlPlane.start();
    const harness = new ProxyHarness(nats, messaging, emulator, pki, ca, controlPlane, options);
    harness.tunnelPort = await freePort();
    if (options.mode === 'agent') await harness.installAgent('dev', emulator);
    else controlPlane.registerCluster('dev', emulator);
    await harness.events.start(messaging);
    if (options.startProxy !== false) await harness.startProxy();
    return harness;
  }

  get mode(): ClusterMode {
    return this.options.mode ?? 'direct';
  }

  get tunnelUrl(): string {
    return `https://127.0.0.1:${this.tunnelPort}`;
  }

  /** Registers `cluster` in agent mode with a freshly signed agent identity and prepares its agent (not started). */
  async installAgent(cluster: string, emulator: KubeEmulator): Promise<ClusterAgentProcess> {
    const agentCa = await TestCertificateAuthority.fromPem(fs.readFileSync(this.pki.agentCaCertFile, 'utf8'), fs.readFileSync(this.pki.agentCaKeyFile, 'utf8'));
    const clusterId = randomUUID();
    const identity = await agentCa.mintAgent(cluster, clusterId);
    this.controlPlane.registerAgentCluster(cluster, emulator, [identity.fingerprint], clusterId);
    const agent = new ClusterAgentProcess({ cluster, emulator, tunnelUrl: this.tunnelUrl, tunnelCaFile: this.pki.proxyCaCertFile, dir: this.tmp });
    agent.install(identity);
    if (cluster === 'dev') this.agent = agent;
    return agent;
  }

  /** Starts the agent and waits until its tunnel is attached to the proxy. */
  async startAgent(agent: ClusterAgentProcess | undefined = this.agent, cluster = 'dev'): Promise<void> {
    if (!agent) throw new Error('no agent installed');
    await agent.start();
    await this.waitForTunnel(cluster);
  }

  async waitForTunnel(cluster = 'dev', timeoutMs = 20_000): Promise<void> {
    await waitFor(() => this.app?.get(AgentTunnels).get(cluster), `the agent tunnel of ${cluster}`, timeoutMs);
  }

  proxyConfigEnv(): Record<string, string> {
    return {
      HTTP_PORT: '0',
      DATABASE_URL: stackEnvironment().databaseUrl,
      DATABASE_SCHEMA: this.schema,
      DATABASE_MIGRATE_ON_START: 'true',
      NATS_URL: this.nats.url,
      PROXY_LISTEN_PORT: '0',
      PROXY_TLS_CERT_FILE: this.pki.proxyCertFile,
      PROXY_TLS_KEY_FILE: this.pki.proxyKeyFile,
      KUBECONFIG_CA_CERT_FILE: this.pki.kubeconfigCaCertFile,
      // Expected failures (broker outages, unreachable test clusters) log at warn; keep test output quiet.
      LOG_LEVEL: 'error',
      PROXY_DRAIN_TIMEOUT_MS: '1000',
      PROXY_TUNNEL_LISTEN_PORT: String(this.tunnelPort),
      AGENT_CA_CERT_FILE: this.pki.agentCaCertFile,
      PROXY_RELAY_LISTEN_PORT: '0',
      SERVICE_CA_CERT_FILE: this.pki.serviceCaCertFile,
      SERVICE_CERT_FILE: this.pki.proxyServiceCertFile,
      SERVICE_KEY_FILE: this.pki.proxyServiceKeyFile,
      PROXY_REPLICA_NAME: 'replica-a',
      ...this.options.env,
    };
  }

  async startProxy(waitUntilReady = true): Promise<void> {
    const app = await NestFactory.create(AppModule.register(loadProxyConfig(this.proxyConfigEnv())), { logger: false });
    await app.listen(0, '127.0.0.1');
    this.app = app;
    this.proxyUrl = app.get(DataPlaneServer).url;
    this.opsUrl = `http://127.0.0.1:${(app.getHttpServer().address() as { port: number }).port}`;
    if (waitUntilReady) await waitFor(async () => (await fetch(`${this.opsUrl}/readyz`)).status === 200, 'the proxy to be ready', 20_000);
    if (this.agent) {
      if (!this.agent.service) await this.startAgent();
      else await this.waitForTunnel();
    }
  }

  /**
   * Another replica of the proxy beside the first (same broker, same database schema, its own
   * ports): it holds no tunnel, so it must reach agent-mode clusters through the replica that does.
   */
  async startReplica(name: string): Promise<{ app: INestApplication; proxyUrl: string }> {
    const app = await NestFactory.create(
      AppModule.register(loadProxyConfig({ ...this.proxyConfigEnv(), PROXY_REPLICA_NAME: name, PROXY_TUNNEL_LISTEN_PORT: '0', DATABASE_MIGRATE_ON_START: 'false' })),
      { logger: false },
    );
    await app.listen(0, '127.0.0.1');
    this.replicas.push(app);
    const opsUrl = `http://127.0.0.1:${(app.getHttpServer().address() as { port: number }).port}`;
    await waitFor(async () => (await fetch(`${opsUrl}/readyz`)).status === 200, `replica ${name} to be ready`, 20_000);
    return { app, proxyUrl: app.get(DataPlaneServer).url };
  }

  async stopProxy(): Promise<void> {
    for (const replica of this.replicas.splice(0)) await replica.close();
    await this.app?.close();
    this.app = undefined;
  }

  async stop(): Promise<void> {
    await this.agent?.stop();
    await this.stopProxy();
    await this.events.stop();
    await this.controlPlane.stop();
    await this.messaging.close();
    await this.emulator.stop();
    await this.nats.stop();
    await dropSchema(stackEnvironment().databaseUrl, this.schema);
    fs.rmSync(this.tmp, { recursive: true, force: true });
    fs.rmSync(this.pki.dir, { recursive: true, force: true });
  }

  /** For a proxy started elsewhere (a child process): where its data plane listens. */
  useProxyAt(proxyUrl: string, opsUrl: string): void {
    this.proxyUrl = proxyUrl;
    this.opsUrl = opsUrl;
  }

  get proxyCaPem(): string {
    return fs.readFileSync(this.pki.proxyCaCertFile, 'utf8');
  }

  mint(userId: string, groups: string[] = [], extra: Partial<MintOptions> = {}): Promise<ClientCredential> {
    return this.ca.mint({ userId, groups, ...extra });
  }

  /** One HTTP/1.1 request on a fresh connection, with the credential's client certificate (none: anonymous). */
  request(
    credential: ClientCredential | undefined,
    method: string,
    target: string,
    options: { headers?: Record<string, string>; body?: string } = {},
  ): Promise<ProxyResponse> {
    const { hostname, port } = new URL(this.proxyUrl);
    return new Promise((resolve, reject) => {
      // host/port/path rather than a URL string: a URL would normalise the dot segments and
      // backslashes some tests must send as they are.
      const request = https.request(
        { host: hostname, port, path: target, method, ca: this.proxyCaPem, cert: credential?.certPem, key: credential?.keyPem, agent: false, headers: options.headers },
        (response) => {
          const chunks: Buffer[] = [];
          response.on('data', (chunk: Buffer) => chunks.push(chunk));
          response.on('end', () => {
            const body = Buffer.concat(chunks).toString('utf8');
            resolve({ status: response.statusCode ?? 0, headers: response.headers, body, json: () => JSON.parse(body) });
          });
        },
      );
      request.on('error', reject);
      request.end(options.body);
    });
  }

  /** An HTTP/2 client session with the credential, as client-go (and so Lens) opens one. */
  http2Session(credential: ClientCredential): http2.ClientHttp2Session {
    return http2.connect(this.proxyUrl, { ca: this.proxyCaPem, cert: credential.certPem, key: credential.keyPem });
  }

  /** A kubeconfig pointing kubectl at the proxy for each cluster, as the issuer builds it. */
  kubectl(credential: ClientCredential, clusters: string[] = ['dev'], namespace?: string): Kubectl {
    const dir = fs.mkdtempSync(path.join(this.tmp, 'kubectl-'));
    const user = `portcullis-${credential.userId}`;
    const kubeconfig = path.join(dir, 'config');
    fs.writeFileSync(
      kubeconfig,
      stringify({
        apiVersion: 'v1',
        kind: 'Config',
        clusters: clusters.map((cluster) => ({
          name: cluster,
          cluster: { server: `${this.proxyUrl}/clusters/${cluster}`, 'certificate-authority-data': Buffer.from(this.proxyCaPem).toString('base64') },
        })),
        contexts: clusters.map((cluster) => ({ name: cluster, context: { cluster, user, ...(namespace ? { namespace } : {}) } })),
        'current-context': clusters[0],
        users: [{ name: user, user: { 'client-certificate-data': Buffer.from(credential.certPem).toString('base64'), 'client-key-data': Buffer.from(credential.keyPem).toString('base64') } }],
      }),
      { mode: 0o600 },
    );
    return new Kubectl(dir, kubeconfig);
  }
}

const kubectlBinary: string = (() => {
  for (const dir of (process.env.PATH ?? '').split(':')) {
    const candidate = path.join(dir, 'kubectl');
    try {
      fs.accessSync(candidate, fs.constants.X_OK);
      return candidate;
    } catch {
      // not here
    }
  }
  return '';
})();

/** `describe` for kubectl tests: skipped with a message saying why when kubectl is not installed. */
export const describeWithKubectl: jest.Describe = kubectlBinary
  ? describe
  : (((name: string, fn: jest.EmptyFunction) => {
      console.warn(`kubectl not found on PATH: skipping "${name}" (install kubectl 1.32 to run it)`);
      return describe.skip(name, fn);
    }) as unknown as jest.Describe);

export interface KubectlResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** kubectl with a private KUBECONFIG and cache dir. */
export class Kubectl {
  constructor(
    private readonly dir: string,
    readonly kubeconfig: string,
  ) {}

  private env(extra: Record<string, string>): NodeJS.ProcessEnv {
    return { PATH: process.env.PATH, HOME: this.dir, KUBECONFIG: this.kubeconfig, ...extra };
  }

  run(args: string[], options: { input?: string; env?: Record<string, string>; timeoutMs?: number } = {}): Promise<KubectlResult> {
    return new Promise((resolve) => {
      const child = execFile(
        kubectlBinary,
        ['--cache-dir', path.join(this.dir, 'cache'), ...args],
        { env: this.env(options.env ?? {}), timeout: options.timeoutMs ?? 30_000, maxBuffer: 64 * 1024 * 1024 },
        (error, stdout, stderr) => resolve({ code: error ? ((error as { code?: number }).code ?? 1) : 0, stdout, stderr }),
      );
      if (options.input !== undefined) child.stdin?.end(options.input);
    });
  }

  /** A long-running kubectl (watch, logs -f, exec, port-forward); its output accumulates. */
  spawn(args: string[], env: Record<string, string> = {}): RunningKubectl {
    const child = spawn(kubectlBinary, ['--cache-dir', path.join(this.dir, 'cache'), ...args], { env: this.env(env), stdio: ['pipe', 'pipe', 'pipe'] });
    return new RunningKubectl(child);
  }
}

export class RunningKubectl {
  stdout = '';
  stderr = '';
  readonly exited: Promise<number | null>;

  constructor(readonly child: ChildProcess) {
    child.stdout?.setEncoding('utf8').on('data', (chunk: string) => (this.stdout += chunk));
    child.stderr?.setEncoding('utf8').on('data', (chunk: string) => (this.stderr += chunk));
    this.exited = new Promise((resolve) => child.once('exit', (code) => resolve(code)));
  }

  write(text: string): void {
    this.child.stdin?.write(text);
  }

  async kill(): Promise<void> {
    if (this.child.exitCode === null && this.child.signalCode === null) {
      this.child.kill('SIGKILL');
      await this.exited;
    }
  }
}
