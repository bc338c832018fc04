import { ConfigError, redactConfig } from '@portcullis/platform/config';
import { randomBytes } from 'node:crypto';
import { loadPolicyConfig } from './policy.config';

const env = {
  DATABASE_URL: 'postgres://postgres@127.0.0.1:5432/portcullis',
  NATS_URL: 'nats://127.0.0.1:4222',
  PLATFORM_JWT_ISSUER: 'http://127.0.0.1:3001',
  IDENTITY_JWKS_URL: 'http://127.0.0.1:3001/.well-known/jwks.json',
  CLUSTER_CREDENTIAL_KEY: randomBytes(32).toString('base64'),
};

describe(loadPolicyConfig.name, () => {
  it('applies the defaults of the admin API and the cluster probe', () => {
    const sut = loadPolicyConfig(env);

    expect(sut).toMatchObject({ HTTP_PORT: 3002, GRAPHQL_INTROSPECTION: true, GRAPHQL_MAX_DEPTH: 8, GRAPHQL_MAX_COMPLEXITY: 1000, CLUSTER_PROBE_TIMEOUT_MS: 5000 });
  });

  it('never logs the credential key', () => {
    expect(redactConfig(loadPolicyConfig(env))['CLUSTER_CREDENTIAL_KEY']).toBe('[redacted]');
  });

  it.each([['short'], [randomBytes(16).toString('base64')], [randomBytes(33).toString('base64')], ['!'.repeat(43) + '=']])('refuses a credential key that is not 32 bytes of base64 (%s), without echoing it', (key) => {
    const attempt = () => loadPolicyConfig({ ...env, CLUSTER_CREDENTIAL_KEY: key });

    expect(attempt).toThrow(ConfigError);
    expect(attempt).toThrow('CLUSTER_CREDENTIAL_KEY is invalid, expects base64 of 32 random bytes (openssl rand -base64 32)');
    expect(attempt).not.toThrow(key);
  });

  it('names every missing variable the admin API needs', () => {
    expect(() => loadPolicyConfig({ DATABASE_URL: env.DATABASE_URL, NATS_URL: env.NATS_URL })).toThrow(
      /PLATFORM_JWT_ISSUER is required.*IDENTITY_JWKS_URL is required.*CLUSTER_CREDENTIAL_KEY is required/,
    );
  });
});
