import { ConfigError, EnvSource, envUrl, httpPort, loadServiceConfig, sensitive } from '@portcullis/platform/config';
import fs from 'node:fs';
import { z } from 'zod';

// Optional, so the description goes on the outermost schema (where the one-line error reads it).
const optionalPemFile = (expects: string) =>
  z
    .string()
    .refine((file) => {
      try {
        return fs.readFileSync(file, 'utf8').includes('-----BEGIN ');
      } catch {
        return false;
      }
    }, 'not a readable PEM file')
    .optional()
    .describe(expects);

const milliseconds = (min: number, max: number, fallback: number) =>
  z.coerce.number().int().min(min).max(max).default(fallback).describe(`milliseconds (${min}-${max})`);

const seconds = (min: number, max: number, fallback: number) =>
  z.coerce.number().int().min(min).max(max).default(fallback).describe(`seconds (${min}-${max})`);

const saProvisionerConfigShape = {
  HTTP_PORT: httpPort(3005),
  JIT_NAMESPACE: z
    .string()
    .regex(/^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/, 'not a DNS label')
    .default('portcullis-system')
    .describe('a Kubernetes namespace name (DNS label) that holds the JIT ServiceAccounts on every cluster'),
  // Kubernetes refuses TokenRequests shorter than 10 minutes; a day bounds what a leaked token is worth.
  JIT_TOKEN_TTL_SECONDS: seconds(600, 86_400, 3_600),
  // Per call to a cluster's API server, connecting included. Short, so the proxy hears
  // CLUSTER_UNREACHABLE from us before its own request to us times out.
  CLUSTER_REQUEST_TIMEOUT_MS: milliseconds(100, 60_000, 3_000),
  // The management credential stays in memory at most this long (then policy is asked again).
  CLUSTER_CREDENTIAL_CACHE_SECONDS: seconds(1, 600, 60),
  // How often the idle expiry / pending removal / re-binding loop runs when nothing wakes it.
  SA_SWEEP_INTERVAL_MS: milliseconds(100, 3_600_000, 30_000),
  // Request events are coalesced per person and cluster for this long before one batched write.
  ACTIVITY_FLUSH_INTERVAL_MS: milliseconds(10, 60_000, 1_000),
  // An unrecorded managed ServiceAccount younger than this may be another replica's provisioning
  // in flight (its record is written last), so the start-up reconciliation leaves it alone.
  ORPHAN_MIN_AGE_SECONDS: seconds(0, 86_400, 300),
  // Agent-mode clusters: the provisioner's calls go to the proxy's internal relay (mutual TLS with
  // this service's certificate), which hands them to the cluster's agent. Unset: such clusters
  // cannot be provisioned (their requests get CLUSTER_UNREACHABLE naming the missing setting).
  PROXY_RELAY_URL: envUrl(['https'], "the proxy's internal relay, e.g. https://portcullis-proxy-relay:8445")
    .optional()
    .describe("the proxy's internal relay URL, e.g. https://portcullis-proxy-relay:8445"),
  PROXY_RELAY_CA_FILE: optionalPemFile("a readable PEM file with the CA that signs the relay's serving certificate"),
  SERVICE_CLIENT_CERT_FILE: optionalPemFile("a readable PEM file with this service's client certificate (CN=sa-provisioner, signed by the service CA)"),
  SERVICE_CLIENT_KEY_FILE: sensitive(optionalPemFile('a readable PEM file with the private key of SERVICE_CLIENT_CERT_FILE')),
};

export type SaProvisionerConfig = ReturnType<typeof loadSaProvisionerConfig>;

export function loadSaProvisionerConfig(env?: EnvSource) {
  const config = loadServiceConfig(saProvisionerConfigShape, env);
  const relay = [config.PROXY_RELAY_URL, config.PROXY_RELAY_CA_FILE, config.SERVICE_CLIENT_CERT_FILE, config.SERVICE_CLIENT_KEY_FILE];
  if (relay.some(Boolean) && !relay.every(Boolean)) {
    throw new ConfigError(['PROXY_RELAY_URL, PROXY_RELAY_CA_FILE, SERVICE_CLIENT_CERT_FILE and SERVICE_CLIENT_KEY_FILE go together: set all four or none']);
  }
  return config;
}
