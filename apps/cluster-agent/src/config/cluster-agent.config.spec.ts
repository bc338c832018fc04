import { ConfigError } from '@portcullis/platform/config';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { loadClusterAgentConfig } from './cluster-agent.config';

describe(loadClusterAgentConfig.name, () => {
  let dir: string;
  let kubeconfig: string;

  beforeAll(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'agent-config-'));
    kubeconfig = path.join(dir, 'kubeconfig');
    fs.writeFileSync(kubeconfig, 'apiVersion: v1\nkind: Config\n');
  });

  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  function configError(env: Record<string, string | undefined>): string {
    try {
      loadClusterAgentConfig(env);
    } catch (error) {
      expect(error).toBeInstanceOf(ConfigError);
      return (error as Error).message;
    }
    throw new Error('expected a configuration error');
  }

  it('applies the defaults, and needs neither a database nor NATS', () => {
    const sut = loadClusterAgentConfig({ AGENT_CLUSTER_NAME: 'edge-1', AGENT_TUNNEL_URL: 'https://tunnel.example.com:8443', KUBECONFIG: kubeconfig });

    expect(sut).toMatchObject({
      HTTP_PORT: 3007,
      AGENT_NAMESPACE: 'portcullis-system',
      AGENT_IDENTITY_SECRET: 'portcullis-agent-identity',
      AGENT_RECONNECT_BASE_MS: 500,
      AGENT_RECONNECT_MAX_MS: 30_000,
      AGENT_HEARTBEAT_INTERVAL_MS: 10_000,
      AGENT_HEARTBEAT_TIMEOUT_MS: 10_000,
    });
    expect(sut.AGENT_BOOTSTRAP_TOKEN_FILE).toBeUndefined();
    expect(sut.AGENT_TUNNEL_CA_FILE).toBeUndefined();
  });

  it('runs in-cluster without KUBECONFIG when kubelet set KUBERNETES_SERVICE_HOST', () => {
    const sut = loadClusterAgentConfig({ AGENT_CLUSTER_NAME: 'edge-1', AGENT_TUNNEL_URL: 'https://tunnel.example.com', KUBERNETES_SERVICE_HOST: '10.96.0.1' });

    expect(sut.KUBECONFIG).toBeUndefined();
  });

  it('names a missing cluster name in one line', () => {
    expect(configError({ AGENT_TUNNEL_URL: 'https://tunnel.example.com', KUBECONFIG: kubeconfig })).toBe(
      'Invalid configuration: AGENT_CLUSTER_NAME is required, expects the name the cluster is registered under in Portcullis (a DNS label: a-z, 0-9 and -, at most 63)',
    );
  });

  it('refuses a tunnel URL that is not https://host:port, a cluster name that is no DNS label, and an unreadable CA file', () => {
    expect(
      configError({ AGENT_CLUSTER_NAME: 'Edge_1', AGENT_TUNNEL_URL: 'http://tunnel.example.com/path', AGENT_TUNNEL_CA_FILE: path.join(dir, 'missing.crt'), KUBECONFIG: kubeconfig }),
    ).toBe(
      'Invalid configuration: ' +
        'AGENT_CLUSTER_NAME is invalid, expects the name the cluster is registered under in Portcullis (a DNS label: a-z, 0-9 and -, at most 63); ' +
        "AGENT_TUNNEL_URL is invalid, expects the proxy's tunnel endpoint, https://host:port; " +
        "AGENT_TUNNEL_CA_FILE is invalid, expects a readable PEM file with the CA bundle that signs the proxy's tunnel certificate",
    );
  });

  it('needs a kubeconfig outside a cluster, and backoff bounds in order', () => {
    expect(configError({ AGENT_CLUSTER_NAME: 'edge-1', AGENT_TUNNEL_URL: 'https://tunnel.example.com', AGENT_RECONNECT_BASE_MS: '5000', AGENT_RECONNECT_MAX_MS: '1000' })).toBe(
      'Invalid configuration: KUBECONFIG is required outside a cluster, expects one readable kubeconfig file (KUBERNETES_SERVICE_HOST is not set); ' +
        'AGENT_RECONNECT_BASE_MS is invalid, expects at most AGENT_RECONNECT_MAX_MS',
    );
  });
});
