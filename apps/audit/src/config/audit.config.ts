import { ConfigError, EnvSource, envUrl, httpPort, loadServiceConfig } from '@portcullis/platform/config';
import { z } from 'zod';

const optionalUrl = (expects: string) => envUrl(['http', 'https'], expects).optional().describe(expects);

const auditConfigShape = {
  HTTP_PORT: httpPort(3006),
  AUDIT_RETENTION_DAYS: z.coerce.number().int().min(1).max(3650).default(90).describe('days to keep records (1-3650); older days are dropped whole'),
  // 1,000 rows keep one INSERT well under PostgreSQL's limits and a redelivery after a crash small.
  AUDIT_INGEST_BATCH_SIZE: z.coerce.number().int().min(1).max(5_000).default(2_500).describe('events per INSERT (1-5000)'),
  // Optional as a pair: without them the HTTP export answers 503 and the export CLI still works.
  PLATFORM_JWT_ISSUER: optionalUrl("identity's issuer, the `iss` of platform JWTs (identity's PUBLIC_URL), e.g. http://127.0.0.1:3001"),
  IDENTITY_JWKS_URL: optionalUrl("identity's key set URL, <identity>/.well-known/jwks.json"),
};

export type AuditConfig = ReturnType<typeof loadAuditConfig>;

export function loadAuditConfig(env?: EnvSource) {
  const config = loadServiceConfig(auditConfigShape, env);
  if ((config.PLATFORM_JWT_ISSUER === undefined) !== (config.IDENTITY_JWKS_URL === undefined)) {
    throw new ConfigError(['PLATFORM_JWT_ISSUER and IDENTITY_JWKS_URL are invalid, expects both set (HTTP export on) or neither (off)']);
  }
  return config;
}
