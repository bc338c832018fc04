import { certificateFile, ConfigError, envBoolean, EnvSource, envUrl, httpPort, loadServiceConfig, readsAsPrivateKey, sensitive } from '@portcullis/platform/config';
import { createPrivateKey, X509Certificate } from 'node:crypto';
import fs from 'node:fs';
import { z } from 'zod';



const TAG = /^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$/;
const REPOSITORY = /^[a-z0-9]+(?:[._-][a-z0-9]+)*(?:\/[a-z0-9]+(?:[._-][a-z0-9]+)*)*$/;
const REGISTRY = /^[A-Za-z0-9.-]+(?::[0-9]+)?$/;

/** `[registry/]repository` with a tag other than `latest`, or a digest. */
function isPinnedImage(reference: string): boolean {
  const [nameAndTag, digest, ...rest] = reference.split('@');
  if (rest.length > 0 || (digest !== undefined && !/^sha256:[0-9a-f]{64}$/.test(digest))) return false;
  const slash = nameAndTag.lastIndexOf('/');
  const colon = nameAndTag.lastIndexOf(':');
  const tag = colon > slash ? nameAndTag.slice(colon + 1) : undefined;
  const name = colon > slash ? nameAndTag.slice(0, colon) : nameAndTag;
  if (tag === undefined ? digest === undefined : !TAG.test(tag) || tag === 'latest') return false;
  const [first, ...path] = name.split('/');
  // The first part is a registry when it looks like a host (Docker's own rule).
  const isRegistry = path.length > 0 && (first.includes('.') || first.includes(':') || first === 'localhost');
  return isRegistry ? REGISTRY.test(first) && REPOSITORY.test(path.join('/')) : REPOSITORY.test(name);
}

function isTunnelUrl(value: string): boolean {
  try {
    const url = new URL(value);
    return url.protocol === 'https:' && !url.username && !url.password && url.pathname === '/' && !url.search && !url.hash;
  } catch {
    return false;
  }
}

// The files are read here, at boot, so a wrong path stops the service with the usual one-line
// config error instead of failing the first agent registration.

/** Zod keeps a description on the outermost schema only, so it is carried over to the optional one. */
function optional<T extends z.ZodType>(schema: T) {
  return schema.optional().describe(schema.description ?? 'a valid value');
}

const policyConfigShape = {
  HTTP_PORT: httpPort(3002),
  PLATFORM_JWT_ISSUER: envUrl(['http', 'https'], "identity's issuer, the `iss` of platform JWTs (identity's PUBLIC_URL), e.g. http://127.0.0.1:3001"),
  IDENTITY_JWKS_URL: envUrl(['http', 'https'], "identity's key set URL, <identity>/.well-known/jwks.json"),
  CLUSTER_CREDENTIAL_KEY: sensitive(
    z
      .string()
      .refine((value) => /^[A-Za-z0-9+/]{43}=$/.test(value) && Buffer.from(value, 'base64').length === 32, 'not 32 bytes of base64')
      .describe('base64 of 32 random bytes (openssl rand -base64 32); encrypts cluster credentials at rest'),
  ),
  // On by default for development tools; production manifests switch it off.
  GRAPHQL_INTROSPECTION: envBoolean().default(true).describe('true or false'),
  GRAPHQL_MAX_DEPTH: z.coerce.number().int().min(2).max(50).default(8).describe('a field nesting depth (2-50)'),
  GRAPHQL_MAX_COMPLEXITY: z.coerce.number().int().min(10).max(1_000_000).default(1000).describe('a query cost (10-1000000)'),
  CLUSTER_PROBE_TIMEOUT_MS: z.coerce.number().int().min(100).max(60_000).default(5_000).describe('milliseconds (100-60000)'),
  // Agent mode. Optional as a group: without the CA and the tunnel URL, policy runs with direct
  // clusters only and refuses agent-mode registration, naming these variables.
  AGENT_CA_CERT_FILE: optional(certificateFile('a readable PEM file with the CA certificate that signs cluster agent certificates')),
  // The path is sensitive too: it says where the CA key lives.
  AGENT_CA_KEY_FILE: sensitive(
    optional(z.string().refine((file) => readsAsPrivateKey(file, ['ec', 'rsa']), 'not a readable PEM private key').describe('a readable PEM file with the private key (EC or RSA) of AGENT_CA_CERT_FILE')),
  ),
  // The agent accepts exactly this shape (no path, no credential), so a manifest can never carry one it refuses.
  AGENT_TUNNEL_URL: optional(
    z
      .string()
      .refine(isTunnelUrl, 'not an https://host[:port] URL')
      .describe("the https://host[:port] URL of the proxy's tunnel endpoint as agents reach it, e.g. https://portcullis.example.com:8444"),
  ),
  // Omitted: agents verify the tunnel endpoint against the public roots of their image.
  AGENT_TUNNEL_CA_FILE: optional(certificateFile("a readable PEM file with the CA certificate of the tunnel endpoint's serving certificate")),
  // Pinned to this release's agent, so a manifest applied today runs the same agent tomorrow.
  AGENT_IMAGE: z
    .string()
    .refine(isPinnedImage, 'not a pinned image reference')
    .default('portcullis/cluster-agent:0.1.0')
    .describe('a container image reference with a version tag (not latest) or a digest, e.g. registry.example.com/portcullis/cluster-agent:0.1.0'),
  // A month: the agent renews well before the end, and a stolen key is worth at most this long
  // even if nobody re-registers the cluster.
  AGENT_CERTIFICATE_VALIDITY_DAYS: z.coerce.number().int().min(1).max(365).default(30).describe('days (1-365)'),
  // Long enough to apply a manifest by hand, short enough that a leaked one is soon worthless.
  AGENT_BOOTSTRAP_TOKEN_TTL_SECONDS: z.coerce.number().int().min(300).max(604_800).default(3_600).describe('seconds (300-604800)'),
};

/** The variables agent mode needs; all or none. */
export const AGENT_MODE_VARIABLES = ['AGENT_CA_CERT_FILE', 'AGENT_CA_KEY_FILE', 'AGENT_TUNNEL_URL'] as const;

export type PolicyConfig = ReturnType<typeof loadPolicyConfig>;

export function loadPolicyConfig(env?: EnvSource) {
  const config = loadServiceConfig(policyConfigShape, env);
  const missing = AGENT_MODE_VARIABLES.filter((name) => config[name] === undefined);
  // Some but not all: a mistake in a manifest, better caught now than at the first registration.
  if (missing.length > 0 && missing.length < AGENT_MODE_VARIABLES.length) {
    throw new ConfigError(missing.map((name) => `${name} is required when any of ${AGENT_MODE_VARIABLES.join(', ')} is set, expects the agent mode settings`));
  }
  if (config.AGENT_CA_CERT_FILE !== undefined && config.AGENT_CA_KEY_FILE !== undefined) {
    const ca = new X509Certificate(fs.readFileSync(config.AGENT_CA_CERT_FILE));
    if (!ca.ca || new Date(ca.validTo).getTime() <= Date.now()) {
      throw new ConfigError(['AGENT_CA_CERT_FILE is invalid, expects an unexpired CA certificate (basicConstraints CA:TRUE)']);
    }
    if (!ca.checkPrivateKey(createPrivateKey(fs.readFileSync(config.AGENT_CA_KEY_FILE)))) {
      throw new ConfigError(['AGENT_CA_KEY_FILE is invalid, expects the private key of the certificate in AGENT_CA_CERT_FILE']);
    }
  }
  return config;
}
