import { ConfigError, EnvSource, httpPort, loadProcessConfig, readsAsCertificate } from '@portcullis/platform/config';
import { HEARTBEAT_INTERVAL_MS, HEARTBEAT_TIMEOUT_MS } from '@portcullis/platform/tunnel';
import fs from 'node:fs';
import { z } from 'zod';

const DNS_LABEL = /^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/;
const DNS_SUBDOMAIN = /^(?=.{1,253}$)[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;


function isReadableFile(file: string): boolean {
  try {
    return fs.statSync(file).isFile();
  } catch {
    return false;
  }
}

/** https://host[:port] and nothing else: the tunnel endpoint has no path, and a credential in a URL would be logged. */
function isTunnelUrl(value: string): boolean {
  try {
    const url = new URL(value);
    return url.protocol === 'https:' && !url.username && !url.password && url.pathname === '/' && !url.search && !url.hash;
  } catch {
    return false;
  }
}

const milliseconds = (defaultMs: number, min: number, max: number) =>
  z.coerce.number().int().min(min).max(max).default(defaultMs).describe(`milliseconds (${min}-${max})`);

const clusterAgentConfigShape = {
  /** The ops port: /healthz, /readyz, /metrics. The agent listens on nothing else. */
  HTTP_PORT: httpPort(3007),
  AGENT_CLUSTER_NAME: z
    .string()
    .regex(DNS_LABEL, 'not a DNS label')
    .describe('the name the cluster is registered under in Portcullis (a DNS label: a-z, 0-9 and -, at most 63)'),
  AGENT_TUNNEL_URL: z.string().refine(isTunnelUrl, 'not an https://host:port URL').describe("the proxy's tunnel endpoint, https://host:port"),
  // Absent: the public roots, for a tunnel endpoint with a publicly trusted certificate.
  AGENT_TUNNEL_CA_FILE: z
    .string()
    .refine(readsAsCertificate, 'not a readable PEM certificate')
    .optional()
    .describe("a readable PEM file with the CA bundle that signs the proxy's tunnel certificate"),
  // Optional because an enrolled agent no longer needs it; the file may also appear later (the
  // Secret an admin applies after registering the cluster), so it is read when needed, not here.
  AGENT_BOOTSTRAP_TOKEN_FILE: z.string().min(1).optional().describe('a file path where the one-time bootstrap token is (or will be) mounted'),
  // kubelet refreshes a mounted Secret within about a minute; polling every few seconds adds little.
  AGENT_BOOTSTRAP_TOKEN_POLL_MS: milliseconds(5_000, 50, 600_000),
  AGENT_NAMESPACE: z.string().regex(DNS_LABEL, 'not a DNS label').default('portcullis-system').describe('the namespace the agent runs in (a DNS label)'),
  AGENT_IDENTITY_SECRET: z
    .string()
    .regex(DNS_SUBDOMAIN, 'not a Secret name')
    .default('portcullis-agent-identity')
    .describe('the name of the Secret that keeps the agent identity (a DNS subdomain)'),
  KUBECONFIG: z
    .string()
    .refine(isReadableFile, 'not a readable file')
    .optional()
    .describe('one readable kubeconfig file (absent: the in-cluster ServiceAccount configuration)'),
  // Set by kubelet in every pod; its absence with no KUBECONFIG means there is no cluster to reach.
  KUBERNETES_SERVICE_HOST: z.string().optional().describe('the API server address kubelet sets in every pod'),
  AGENT_RECONNECT_BASE_MS: milliseconds(500, 10, 60_000),
  AGENT_RECONNECT_MAX_MS: milliseconds(30_000, 10, 600_000),
  // The protocol's values; only tests change them, to see a dead tunnel go within a second.
  AGENT_HEARTBEAT_INTERVAL_MS: milliseconds(HEARTBEAT_INTERVAL_MS, 50, 600_000),
  AGENT_HEARTBEAT_TIMEOUT_MS: milliseconds(HEARTBEAT_TIMEOUT_MS, 50, 600_000),
};

export type ClusterAgentConfig = ReturnType<typeof loadClusterAgentConfig>;

export function loadClusterAgentConfig(env?: EnvSource) {
  const config = loadProcessConfig(clusterAgentConfigShape, env);
  const problems: string[] = [];
  if (!config.KUBECONFIG && !config.KUBERNETES_SERVICE_HOST) {
    problems.push('KUBECONFIG is required outside a cluster, expects one readable kubeconfig file (KUBERNETES_SERVICE_HOST is not set)');
  }
  if (config.AGENT_RECONNECT_BASE_MS > config.AGENT_RECONNECT_MAX_MS) {
    problems.push('AGENT_RECONNECT_BASE_MS is invalid, expects at most AGENT_RECONNECT_MAX_MS');
  }
  if (problems.length) throw new ConfigError(problems);
  return config;
}
