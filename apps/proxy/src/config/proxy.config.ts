import { certificateFile, ConfigError, EnvSource, envUrl, httpPort, loadServiceConfig, readsAsPrivateKey, sensitive } from '@portcullis/platform/config';
import { createPrivateKey, X509Certificate } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import { z } from 'zod';




const milliseconds = (defaultMs: number, min: number, max: number) =>
  z.coerce.number().int().min(min).max(max).default(defaultMs).describe(`milliseconds (${min}-${max})`);

const proxyConfigShape = {
  /** The ops port: /healthz, /readyz, /metrics. The data plane listens on PROXY_LISTEN_*. */
  HTTP_PORT: httpPort(3004),
  PROXY_LISTEN_HOST: z
    .string()
    .default('127.0.0.1')
    // Loopback by default like every service; images set 0.0.0.0.
    .describe('an interface address for the data plane, e.g. 0.0.0.0'),
  PROXY_LISTEN_PORT: z.coerce.number().int().min(0).max(65535).default(8443).describe('a TCP port number (0-65535; 0 picks a free one)'),
  PROXY_TLS_CERT_FILE: certificateFile("a readable PEM file with the proxy's serving certificate (chain)"),
  PROXY_TLS_KEY_FILE: sensitive(
    z.string().refine((file) => readsAsPrivateKey(file), 'not a readable PEM private key').describe('a readable PEM file with the private key of PROXY_TLS_CERT_FILE'),
  ),
  KUBECONFIG_CA_CERT_FILE: certificateFile('a readable PEM file with the CA certificate that signs kubeconfig client certificates'),
  AUDIT_FAIL_MODE: z
    .enum(['open', 'closed'])
    .default('open')
    // open: keep serving while request events cannot be recorded (they wait in the buffer);
    // closed: refuse new requests until they can.
    .describe('open or closed'),
  // 100,000 events of about 600 bytes is ~60 MB: a minute of JetStream outage at well over 1,000 req/s.
  AUDIT_BUFFER_EVENTS: z.coerce.number().int().min(10).max(10_000_000).default(100_000).describe('a number of events (10-10000000)'),
  UPSTREAM_CONNECT_TIMEOUT_MS: milliseconds(5_000, 100, 60_000),
  // The provisioner may create a ServiceAccount and bindings on a remote cluster before answering.
  SA_TOKEN_TIMEOUT_MS: milliseconds(10_000, 100, 120_000),
  // A JIT token is not reused this close to its expiry, so a request never starts on a token about to die.
  SA_TOKEN_REFRESH_MARGIN_SECONDS: z.coerce.number().int().min(0).max(3_600).default(300).describe('seconds (0-3600)'),
  // kube-apiserver's own limit is 1 MiB; clients send far less. Node's default is 16 KiB.
  MAX_HEADER_BYTES: z.coerce.number().int().min(1_024).max(1_048_576).default(32_768).describe('bytes (1024-1048576)'),
  // How long a shutdown waits for in-flight requests; watches and exec sessions are cut after it.
  PROXY_DRAIN_TIMEOUT_MS: milliseconds(10_000, 0, 300_000),
  // The tunnel endpoint cluster agents dial out to (agent mode). Its own port, so it can sit
  // behind its own 443 load balancer; it serves the data plane's certificate unless told otherwise.
  PROXY_TUNNEL_LISTEN_HOST: z.string().default('127.0.0.1').describe('an interface address for the tunnel endpoint, e.g. 0.0.0.0'),
  PROXY_TUNNEL_LISTEN_PORT: z.coerce.number().int().min(0).max(65535).default(8444).describe('a TCP port number (0-65535; 0 picks a free one)'),
  // Without it agent mode is off: no tunnel endpoint, and agent-mode clusters answer 503.
  AGENT_CA_CERT_FILE: certificateFile('').optional().describe('a readable PEM file with the CA certificate that signs cluster agent certificates'),
  // The internal relay: the provisioner's calls to agent-mode clusters (run by the agent with its
  // own ServiceAccount) and other replicas' requests for tunnels this replica holds. Mutual TLS
  // with service certificates; never exposed outside the Portcullis namespace.
  PROXY_RELAY_LISTEN_HOST: z.string().default('127.0.0.1').describe('an interface address for the relay, e.g. 0.0.0.0'),
  PROXY_RELAY_LISTEN_PORT: z.coerce.number().int().min(0).max(65535).default(8445).describe('a TCP port number (0-65535; 0 picks a free one)'),
  // What other replicas dial to reach this one's relay; in Kubernetes https://$(POD_IP):8445.
  PROXY_RELAY_ADVERTISE_URL: envUrl(['https'], 'an https URL').optional().describe("this replica's relay URL as other replicas reach it, e.g. https://10.0.3.7:8445"),
  // Without these three there is no relay: agent-mode clusters then cannot be provisioned.
  SERVICE_CA_CERT_FILE: certificateFile('').optional().describe('a readable PEM file with the CA certificate that signs Portcullis service certificates'),
  SERVICE_CERT_FILE: certificateFile('').optional().describe("a readable PEM file with this replica's service certificate (CN=proxy, server and client auth)"),
  SERVICE_KEY_FILE: sensitive(
    z.string().refine((file) => readsAsPrivateKey(file), 'not a readable PEM private key').optional().describe('a readable PEM file with the private key of SERVICE_CERT_FILE'),
  ),
  /** A name for this replica in tunnel presence and audit records (the pod name in Kubernetes). */
  PROXY_REPLICA_NAME: z
    .string()
    .regex(/^[A-Za-z0-9_-]{1,128}$/, 'letters, digits, "-" and "_" only')
    .default(os.hostname().replace(/[^A-Za-z0-9_-]/g, '-').slice(0, 100) || 'proxy')
    .describe('a replica name (letters, digits, - and _)'),
};

export type ProxyConfig = ReturnType<typeof loadProxyConfig>;

/** What the migrate entry point needs: the database, not the TLS material. */
export function loadProxyMigrationConfig(env?: EnvSource) {
  return loadServiceConfig({ HTTP_PORT: proxyConfigShape.HTTP_PORT }, env);
}

export function loadProxyConfig(env?: EnvSource) {
  const config = loadServiceConfig(proxyConfigShape, env);
  const serving = new X509Certificate(fs.readFileSync(config.PROXY_TLS_CERT_FILE));
  if (!serving.checkPrivateKey(createPrivateKey(fs.readFileSync(config.PROXY_TLS_KEY_FILE)))) {
    throw new ConfigError(['PROXY_TLS_KEY_FILE is invalid, expects the private key of the certificate in PROXY_TLS_CERT_FILE']);
  }
  const ca = new X509Certificate(fs.readFileSync(config.KUBECONFIG_CA_CERT_FILE));
  if (!ca.ca) throw new ConfigError(['KUBECONFIG_CA_CERT_FILE is invalid, expects a CA certificate (basicConstraints CA:TRUE)']);
  return config;
}
