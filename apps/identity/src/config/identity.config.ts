import { ConfigError, EnvSource, envBoolean, envUrl, httpPort, loadServiceConfig, sensitive } from '@portcullis/platform/config';
import { z } from 'zod';

const identityConfigShape = {
  HTTP_PORT: httpPort(3001),
  /** Where people reach the portal; also the `iss` of platform JWTs. */
  PUBLIC_URL: envUrl(['http', 'https'], 'the portal URL people open, e.g. https://portcullis.example.com'),
  OIDC_ISSUER_URL: envUrl(['http', 'https'], "the IdP's issuer URL (its /.well-known/openid-configuration must answer)"),
  OIDC_CLIENT_ID: z.string().min(1).describe('the client id registered at the IdP'),
  OIDC_CLIENT_SECRET: sensitive(z.string().min(1).describe('the client secret registered at the IdP')),
  OIDC_REDIRECT_URL: envUrl(['http', 'https'], 'the registered redirect URI, <PUBLIC_URL>/auth/callback'),
  OIDC_SCOPES: z.string().default('openid profile email groups').describe('space-separated scopes, including openid'),
  OIDC_GROUPS_CLAIM: z.string().min(1).default('groups').describe('the ID token or userinfo claim that lists groups'),
  ADMIN_GROUP: z.string().min(1).default('portcullis-admins').describe('the IdP group whose members administer Portcullis'),
  PLATFORM_JWT_SIGNING_KEYS_FILE: z
    .string()
    .min(1)
    .describe('a JSON file with an array of ES256 private JWKs; the first signs, all are published'),
  PLATFORM_TOKEN_TTL_SECONDS: z.coerce.number().int().min(60).max(3600).default(900).describe('seconds (60-3600)'),
  SESSION_TTL_SECONDS: z.coerce.number().int().min(300).max(7 * 86400).default(8 * 3600).describe('seconds (300-604800)'),
  // Off only for plain-http development on a non-loopback host; browsers accept Secure cookies on localhost.
  SESSION_COOKIE_SECURE: envBoolean().default(true).describe('true or false'),
  OIDC_TIMEOUT_MS: z.coerce.number().int().min(500).max(30_000).default(5_000).describe('milliseconds (500-30000)'),
};

export type IdentityConfig = ReturnType<typeof loadIdentityConfig>;

export function loadIdentityConfig(env?: EnvSource) {
  const config = loadServiceConfig(identityConfigShape, env);
  if (!config.OIDC_SCOPES.split(/\s+/).includes('openid')) {
    throw new ConfigError(['OIDC_SCOPES is invalid, expects space-separated scopes, including openid']);
  }
  return config;
}
