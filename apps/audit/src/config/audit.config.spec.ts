import { ConfigError } from '@portcullis/platform/config';
import { loadAuditConfig } from './audit.config';

describe(loadAuditConfig.name, () => {
  const base = { DATABASE_URL: 'postgres://postgres@127.0.0.1:5432/portcullis', NATS_URL: 'nats://127.0.0.1:4222' };

  function configError(env: Record<string, string | undefined>): string {
    try {
      loadAuditConfig(env);
    } catch (error) {
      expect(error).toBeInstanceOf(ConfigError);
      return (error as Error).message;
    }
    throw new Error('expected a configuration error');
  }

  it('boots with the platform variables alone: 90 days of retention, HTTP export off', () => {
    const sut = loadAuditConfig(base);

    expect(sut).toMatchObject({ HTTP_PORT: 3006, AUDIT_RETENTION_DAYS: 90, AUDIT_INGEST_BATCH_SIZE: 2500 });
    expect(sut.PLATFORM_JWT_ISSUER).toBeUndefined();
    expect(sut.IDENTITY_JWKS_URL).toBeUndefined();
  });

  it('takes the token settings as a pair only', () => {
    const both = loadAuditConfig({ ...base, PLATFORM_JWT_ISSUER: 'http://127.0.0.1:3001', IDENTITY_JWKS_URL: 'http://127.0.0.1:3001/.well-known/jwks.json' });

    expect(both.IDENTITY_JWKS_URL).toBe('http://127.0.0.1:3001/.well-known/jwks.json');
    expect(configError({ ...base, PLATFORM_JWT_ISSUER: 'http://127.0.0.1:3001' })).toBe(
      'Invalid configuration: PLATFORM_JWT_ISSUER and IDENTITY_JWKS_URL are invalid, expects both set (HTTP export on) or neither (off)',
    );
  });

  it('names every bad variable with what it expects', () => {
    expect(configError({ ...base, AUDIT_RETENTION_DAYS: '0', AUDIT_INGEST_BATCH_SIZE: 'lots', IDENTITY_JWKS_URL: 'not a url' })).toBe(
      'Invalid configuration: AUDIT_RETENTION_DAYS is invalid, expects days to keep records (1-3650); older days are dropped whole; ' +
        'AUDIT_INGEST_BATCH_SIZE is invalid, expects events per INSERT (1-5000); ' +
        "IDENTITY_JWKS_URL is invalid, expects identity's key set URL, <identity>/.well-known/jwks.json",
    );
  });
});
