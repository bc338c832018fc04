import { INestApplication } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { stackEnvironment } from '@portcullis/platform/testing';
import path from 'node:path';
import { AppModule } from '../../src/app.module';
import { loadIdentityConfig } from '../../src/config/identity.config';
import { addSigningKey } from '../../src/tokens/signing-keys';

export interface IdentityUnderTest {
  port: number;
  /** The test's own database schema, migrated on start. */
  schema: string;
  /** Where the platform-token signing key is created. */
  keysDir: string;
  issuer: string;
  clientId: string;
  clientSecret: string;
  /** What this test sets differently (LOG_LEVEL, OIDC_TIMEOUT_MS…). */
  env?: Record<string, string>;
}

/** Identity as the integration tests run it: on 127.0.0.1:`port`, against the local stack. */
export async function startIdentity(options: IdentityUnderTest): Promise<INestApplication> {
  const { databaseUrl, natsUrl } = stackEnvironment();
  const url = `http://127.0.0.1:${options.port}`;
  const keysFile = path.join(options.keysDir, 'keys.json');
  await addSigningKey(keysFile);
  const config = loadIdentityConfig({
    HTTP_PORT: String(options.port),
    DATABASE_URL: databaseUrl,
    DATABASE_SCHEMA: options.schema,
    DATABASE_MIGRATE_ON_START: 'true',
    NATS_URL: natsUrl,
    LOG_LEVEL: 'fatal',
    PUBLIC_URL: url,
    OIDC_ISSUER_URL: options.issuer,
    OIDC_CLIENT_ID: options.clientId,
    OIDC_CLIENT_SECRET: options.clientSecret,
    OIDC_REDIRECT_URL: `${url}/auth/callback`,
    PLATFORM_JWT_SIGNING_KEYS_FILE: keysFile,
    ...options.env,
  });
  const app = await NestFactory.create(AppModule.register(config), { logger: false });
  await app.listen(options.port, '127.0.0.1');
  return app;
}
