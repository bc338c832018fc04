import type { INestApplication } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { KubeEmulator, type KubeObject } from '@portcullis/kube-emulator';
import { waitFor } from '@portcullis/platform/testing';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Writable } from 'node:stream';
import pino from 'pino';
import { AppModule } from '../../src/app.module';
import { loadClusterAgentConfig } from '../../src/config/cluster-agent.config';
import { TunnelDialer } from '../../src/tunnel/tunnel.dialer';
import { TunnelEndpointDouble } from './tunnel-endpoint.double';

export const AGENT_NAMESPACE = 'portcullis-system';
export const AGENT_SERVICE_ACCOUNT = 'portcullis-agent';
export const CLUSTER_NAME = 'edge-1';

export interface LogLine {
  level: string;
  msg: string;
  component?: string;
  [key: string]: unknown;
}

/** Every line the agent logged, parsed, plus the raw text (to prove what never appears in it). */
export class LogCapture {
  readonly lines: LogLine[] = [];
  raw = '';
  readonly stream = new Writable({
    write: (chunk: Buffer, _encoding, callback) => {
      const text = chunk.toString('utf8');
      this.raw += text;
      for (const line of text.split('\n').filter(Boolean)) this.lines.push(JSON.parse(line) as LogLine);
      callback();
    },
  });

  find(message: string, predicate: (line: LogLine) => boolean = () => true): LogLine | undefined {
    return this.lines.find((line) => line.msg === message && predicate(line));
  }

  count(message: string): number {
    return this.lines.filter((line) => line.msg === message).length;
  }

  waitFor(message: string, predicate?: (line: LogLine) => boolean, timeoutMs = 10_000): Promise<LogLine> {
    return waitFor(() => this.find(message, predicate), `the log line "${message}"`, timeoutMs, 20);
  }
}

/** RBAC of the agent's ServiceAccount in the emulator: its identity Secret, and what `self` calls need. */
function agentRbac(): KubeObject[] {
  const rbac = 'rbac.authorization.k8s.io/v1';
  const subject = { kind: 'ServiceAccount', name: AGENT_SERVICE_ACCOUNT, namespace: AGENT_NAMESPACE };
  return [
    { apiVersion: 'v1', kind: 'Namespace', metadata: { name: AGENT_NAMESPACE } },
    { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: AGENT_SERVICE_ACCOUNT, namespace: AGENT_NAMESPACE } },
    {
      apiVersion: rbac,
      kind: 'Role',
      metadata: { name: 'agent-identity', namespace: AGENT_NAMESPACE },
      rules: [{ apiGroups: [''], resources: ['secrets'], verbs: ['get', 'create', 'update'] }],
    },
    { apiVersion: rbac, kind: 'RoleBinding', metadata: { name: 'agent-identity', namespace: AGENT_NAMESPACE }, roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: 'agent-identity' }, subjects: [subject] },
    { apiVersion: rbac, kind: 'ClusterRole', metadata: { name: 'agent-provisioner' }, rules: [{ apiGroups: [''], resources: ['namespaces', 'serviceaccounts'], verbs: ['get', 'list', 'create'] }] },
    { apiVersion: rbac, kind: 'ClusterRoleBinding', metadata: { name: 'agent-provisioner' }, roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'agent-provisioner' }, subjects: [subject] },
  ];
}

/**
 * A cluster (the Kubernetes emulator) with the agent's ServiceAccount and RBAC, and a place for
 * the agent's kubeconfig and bootstrap token file. Agents are booted from AppModule in-process.
 */
export class AgentCluster {
  readonly dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cluster-agent-test-'));
  readonly kubeconfigFile: string;
  readonly tokenFile: string;
  readonly tunnelCaFile: string;

  private constructor(
    readonly emulator: KubeEmulator,
    readonly endpoint: TunnelEndpointDouble,
    /** The agent's own ServiceAccount token, as its kubeconfig carries it. */
    readonly agentToken: string,
  ) {
    this.kubeconfigFile = emulator.writeKubeconfig(path.join(this.dir, 'kubeconfig'), { name: 'agent', token: this.agentToken, namespace: AGENT_NAMESPACE });
    this.tokenFile = path.join(this.dir, 'bootstrap-token');
    this.tunnelCaFile = path.join(this.dir, 'tunnel-ca.crt');
    fs.writeFileSync(this.tunnelCaFile, endpoint.serverCa.certPem);
  }

  static async start(endpoint: TunnelEndpointDouble): Promise<AgentCluster> {
    const emulator = await KubeEmulator.start({ tokenAuthCacheMs: 0 });
    emulator.apply(agentRbac());
    return new AgentCluster(emulator, endpoint, await emulator.serviceAccountToken(AGENT_NAMESPACE, AGENT_SERVICE_ACCOUNT));
  }

  writeBootstrapToken(token: string): void {
    fs.writeFileSync(this.tokenFile, `${token}\n`);
  }

  env(overrides: Record<string, string> = {}): Record<string, string> {
    return {
      HTTP_PORT: '0',
      AGENT_CLUSTER_NAME: CLUSTER_NAME,
      AGENT_TUNNEL_URL: this.endpoint.url,
      AGENT_TUNNEL_CA_FILE: this.tunnelCaFile,
      AGENT_BOOTSTRAP_TOKEN_FILE: this.tokenFile,
      AGENT_BOOTSTRAP_TOKEN_POLL_MS: '100',
      KUBECONFIG: this.kubeconfigFile,
      AGENT_RECONNECT_BASE_MS: '50',
      AGENT_RECONNECT_MAX_MS: '400',
      LOG_LEVEL: 'debug',
      ...overrides,
    };
  }

  /** Boots an agent from its AppModule, as main.ts would, with its logs captured. */
  async startAgent(overrides: Record<string, string> = {}): Promise<RunningAgent> {
    const logs = new LogCapture();
    const config = loadClusterAgentConfig(this.env(overrides));
    const logger = pino({ level: config.LOG_LEVEL, base: { service: 'cluster-agent' }, formatters: { level: (label) => ({ level: label }) } }, logs.stream);
    const app = await NestFactory.create(AppModule.register(config, { logger }), { logger: false });
    await app.listen(0, '127.0.0.1');
    return new RunningAgent(app, logs);
  }

  async stop(): Promise<void> {
    await this.emulator.stop();
    fs.rmSync(this.dir, { recursive: true, force: true });
  }

  /** A token for a ServiceAccount of the emulator, bound to a ClusterRole: a stand-in for a person's JIT token. */
  async personToken(name: string, clusterRole: string): Promise<string> {
    const rbac = 'rbac.authorization.k8s.io/v1';
    this.emulator.apply([
      { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'portcullis-jit' } },
      { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name, namespace: 'portcullis-jit' } },
      {
        apiVersion: rbac,
        kind: 'ClusterRoleBinding',
        metadata: { name: `jit-${name}` },
        roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: clusterRole },
        subjects: [{ kind: 'ServiceAccount', name, namespace: 'portcullis-jit' }],
      },
    ]);
    return this.emulator.serviceAccountToken('portcullis-jit', name);
  }
}

export class RunningAgent {
  readonly opsUrl: string;

  constructor(
    readonly app: INestApplication,
    readonly logs: LogCapture,
  ) {
    this.opsUrl = `http://127.0.0.1:${(app.getHttpServer().address() as { port: number }).port}`;
  }

  get dialer(): TunnelDialer {
    return this.app.get(TunnelDialer);
  }

  async metrics(): Promise<string> {
    return (await fetch(`${this.opsUrl}/metrics`)).text();
  }

  async stop(): Promise<void> {
    await this.app.close();
  }
}
