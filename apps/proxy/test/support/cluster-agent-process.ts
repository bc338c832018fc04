import type { KubeEmulator } from '@portcullis/kube-emulator';
import { freePort, ServiceExit, ServiceProcess, workspaceRoot } from '@portcullis/platform/testing';
import fs from 'node:fs';
import path from 'node:path';
import { AgentCredential } from './client-certificates';

export const AGENT_NAMESPACE = 'portcullis-system';
export const AGENT_SERVICE_ACCOUNT = 'portcullis-agent';
export const AGENT_IDENTITY_SECRET = 'portcullis-agent-identity';

export interface ClusterAgentOptions {
  cluster: string;
  tunnelUrl: string;
  tunnelCaFile: string;
  emulator: KubeEmulator;
  /** Where its kubeconfig goes. */
  dir: string;
  env?: Record<string, string>;
}

/**
 * The real cluster agent (apps/cluster-agent from its entry point, in a child process, so a
 * test can kill -9 it) inside an emulated cluster: its ServiceAccount with the RBAC operators
 * apply from k8s/managed-cluster/agent, and an identity Secret as enrollment would have left it.
 */
export class ClusterAgentProcess {
  private process?: ServiceProcess;

  constructor(private readonly options: ClusterAgentOptions) {}

  /** Arranges the cluster side once: namespace, ServiceAccount, RBAC, and the identity Secret. */
  install(identity: AgentCredential): void {
    const { emulator } = this.options;
    // The namespace, ServiceAccount and RBAC exactly as operators apply them (k8s/managed-cluster/agent).
    for (const file of ['namespace.yaml', 'service-account.yaml', 'rbac.yaml']) emulator.apply(fs.readFileSync(path.join(workspaceRoot, 'k8s/managed-cluster/agent', file), 'utf8'));
    this.storeIdentity(identity);
  }

  storeIdentity(identity: AgentCredential): void {
    this.options.emulator.apply({
      apiVersion: 'v1',
      kind: 'Secret',
      type: 'kubernetes.io/tls',
      metadata: { name: AGENT_IDENTITY_SECRET, namespace: AGENT_NAMESPACE },
      data: {
        'tls.crt': Buffer.from(identity.certPem).toString('base64'),
        'tls.key': Buffer.from(identity.keyPem).toString('base64'),
        'ca.crt': Buffer.from(identity.caPem).toString('base64'),
      },
    });
  }

  /** The agent's ops endpoint (/healthz, /readyz, /metrics) once started. */
  opsUrl = '';

  async start(): Promise<ServiceProcess> {
    const { emulator, dir, cluster } = this.options;
    const opsPort = await freePort();
    this.opsUrl = `http://127.0.0.1:${opsPort}`;
    const kubeconfig = path.join(dir, `agent-${cluster}.kubeconfig`);
    if (!fs.existsSync(kubeconfig)) {
      emulator.writeKubeconfig(kubeconfig, { name: AGENT_SERVICE_ACCOUNT, token: await emulator.serviceAccountToken(AGENT_NAMESPACE, AGENT_SERVICE_ACCOUNT, { expirationSeconds: 86_400 }) });
    }
    this.process = new ServiceProcess('cluster-agent', {
      HTTP_PORT: String(opsPort),
      AGENT_CLUSTER_NAME: cluster,
      AGENT_TUNNEL_URL: this.options.tunnelUrl,
      AGENT_TUNNEL_CA_FILE: this.options.tunnelCaFile,
      AGENT_NAMESPACE,
      AGENT_IDENTITY_SECRET,
      KUBECONFIG: kubeconfig,
      LOG_LEVEL: 'warn',
      ...this.options.env,
    });
    return this.process;
  }

  get service(): ServiceProcess | undefined {
    return this.process;
  }

  kill(): Promise<ServiceExit> | undefined {
    return this.process?.kill();
  }

  async stop(): Promise<void> {
    await this.process?.stop();
    this.process = undefined;
  }
}
