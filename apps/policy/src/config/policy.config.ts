import { EnvSource, envBoolean, envUrl, httpPort, loadServiceConfig, sensitive } from '@portcullis/platform/config';
import { z } from 'zod';

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
};

export type PolicyConfig = ReturnType<typeof loadPolicyConfig>;

export function loadPolicyConfig(env?: EnvSource) {
  return loadServiceConfig(policyConfigShape, env);
}
