import { z } from 'zod';
import { envBoolean, envPort, envUrl, sensitive } from './config-schema';
import { EnvSource, loadConfig } from './load-config';

/**
 * Variables every process reads, with or without PostgreSQL and NATS: where /healthz, /readyz and
 * /metrics listen, and how much it logs. The cluster agent, which runs inside managed clusters
 * with neither, reads only these and its own.
 */
export const processConfigShape = {
  HTTP_HOST: z
    .string()
    .default('127.0.0.1')
    // Loopback by default: a developer's laptop should not expose services; images set 0.0.0.0.
    .describe('an interface address to listen on, e.g. 0.0.0.0'),
  HTTP_PORT: envPort(),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace']).default('info').describe('one of fatal, error, warn, info, debug, trace'),
} as const;

export type ProcessConfig = z.infer<z.ZodObject<typeof processConfigShape>>;

/** Variables every service reads. Apps extend this shape with their own. */
export const serviceConfigShape = {
  HTTP_HOST: processConfigShape.HTTP_HOST,
  HTTP_PORT: processConfigShape.HTTP_PORT,
  DATABASE_URL: sensitive(envUrl(['postgres', 'postgresql'], 'a postgres:// connection URL')),
  DATABASE_SCHEMA: z
    .string()
    .regex(/^[a-z_][a-z0-9_]{0,62}$/, 'not a schema name')
    .optional()
    .describe('a PostgreSQL schema name (lower case, digits, underscores)'),
  DATABASE_MIGRATE_ON_START: envBoolean().default(false).describe('true or false'),
  NATS_URL: envUrl(['nats', 'tls'], 'a nats:// URL (comma-free; one seed server)'),
  NATS_REQUEST_TIMEOUT_MS: z.coerce.number().int().min(100).max(60_000).default(2_000).describe('milliseconds (100-60000)'),
  LOG_LEVEL: processConfigShape.LOG_LEVEL,
  // Only switched off by tests that need a state change to sit unpublished in the outbox.
  OUTBOX_RELAY_ENABLED: envBoolean().default(true).describe('true or false'),
} as const;

export type ServiceConfig = z.infer<z.ZodObject<typeof serviceConfigShape>>;

/** What the migrate entry points need, and nothing else: they run with the least they can. */
const databaseConfigShape = {
  DATABASE_URL: serviceConfigShape.DATABASE_URL,
  DATABASE_SCHEMA: serviceConfigShape.DATABASE_SCHEMA,
  LOG_LEVEL: serviceConfigShape.LOG_LEVEL,
};

export type DatabaseConfig = z.infer<z.ZodObject<typeof databaseConfigShape>>;

export function loadDatabaseConfig(env: EnvSource = process.env): DatabaseConfig {
  return loadConfig(databaseConfigShape, env);
}

export function loadServiceConfig<Extra extends Record<string, z.ZodType>>(
  extra: Extra,
  env: EnvSource = process.env,
): z.infer<z.ZodObject<Omit<typeof serviceConfigShape, keyof Extra> & Extra>> {
  return loadConfig({ ...serviceConfigShape, ...extra } as Omit<typeof serviceConfigShape, keyof Extra> & Extra, env);
}

/** A process without PostgreSQL and NATS: the process variables plus its own (which may override them). */
export function loadProcessConfig<Extra extends Record<string, z.ZodType>>(
  extra: Extra,
  env: EnvSource = process.env,
): z.infer<z.ZodObject<Omit<typeof processConfigShape, keyof Extra> & Extra>> {
  return loadConfig({ ...processConfigShape, ...extra } as Omit<typeof processConfigShape, keyof Extra> & Extra, env);
}

export interface TelemetrySettings {
  serviceName: string;
  otlpEndpoint?: string;
  otlpHeaders?: string;
}

/** Read before anything else is imported, so it must not throw: tracing is optional. */
export function readTelemetrySettings(serviceName: string, env: EnvSource = process.env): TelemetrySettings {
  return {
    serviceName: env['OTEL_SERVICE_NAME'] || `portcullis-${serviceName}`,
    otlpEndpoint: env['OTEL_EXPORTER_OTLP_ENDPOINT'] || undefined,
    otlpHeaders: env['OTEL_EXPORTER_OTLP_HEADERS'] || undefined,
  };
}

/** Where the local stack's PostgreSQL and NATS are, for tools and tests. */
export function readStackEnvironment(env: EnvSource = process.env): { databaseUrl: string; natsUrl: string } {
  return {
    databaseUrl: env['DATABASE_URL'] || 'postgres://postgres@127.0.0.1:5432/postgres',
    natsUrl: env['NATS_URL'] || 'nats://127.0.0.1:4222',
  };
}

/** Names a process's environment; only this library touches process.env. */
export function currentEnvironment(): EnvSource {
  return process.env;
}
