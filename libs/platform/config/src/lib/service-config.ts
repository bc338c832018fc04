import fs from 'node:fs';
import { z } from 'zod';
import { certificateFile, envBoolean, envPort, envUrl, sensitive } from './config-schema';
import { ConfigError, EnvSource, loadConfig } from './load-config';

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

/**
 * A NATS cluster's seed servers, as NATS clients take them: comma-separated URLs. Credentials in
 * them are refused, because NATS_URL is logged: they go in NATS_USER/NATS_PASSWORD or NATS_TOKEN.
 */
function natsUrls() {
  return z
    .string()
    .transform((value, ctx) => {
      const urls = value.split(',').map((url) => url.trim());
      if (!urls.every(isNatsServerUrl)) {
        ctx.addIssue({ code: 'custom', message: 'not nats:// or tls:// server URLs without credentials' });
        return z.NEVER;
      }
      return urls;
    })
    .describe('nats:// or tls:// URLs of the seed servers, comma-separated, without credentials in them (set NATS_USER and NATS_PASSWORD, or NATS_TOKEN)');
}

function isNatsServerUrl(value: string): boolean {
  try {
    const url = new URL(value);
    return (
      (url.protocol === 'nats:' || url.protocol === 'tls:') &&
      url.hostname !== '' &&
      url.username === '' &&
      url.password === '' &&
      (url.pathname === '' || url.pathname === '/') &&
      url.search === '' &&
      url.hash === ''
    );
  } catch {
    return false;
  }
}

/**
 * Whether `file` holds what `nsc generate creds` writes: a user JWT block, then the user's NKey
 * seed block. Read at boot so a wrong path stops the service with the config error, not at the
 * first connection.
 */
function readsAsNatsCreds(file: string): boolean {
  try {
    const blocks = [...fs.readFileSync(file, 'utf8').matchAll(/-{3,}[^\n]*?-{3,}\s*(\S+)\s*-{3,}[^\n]*?-{3,}/g)].map((match) => match[1]);
    return blocks.length >= 2 && /^[\w-]+\.[\w-]+\.[\w-]+$/.test(blocks[0]) && /^SU[A-Z2-7]+$/.test(blocks[1]);
  } catch {
    return false;
  }
}

// Zod keeps a description on the outermost schema only, so the optional one repeats it.
const natsCaFileExpects = 'a readable PEM file with the CA certificate of the NATS servers (TLS is then required)';

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
  NATS_URL: natsUrls(),
  // Optional: the local stack's NATS takes anyone. At most one method; loadServiceConfig checks.
  NATS_USER: z.string().optional().describe('a NATS user name, with NATS_PASSWORD'),
  NATS_PASSWORD: sensitive(z.string().optional().describe('the password of NATS_USER')),
  NATS_TOKEN: sensitive(z.string().optional().describe('a NATS authorization token')),
  // The path is sensitive too, like the key files of the apps: it says where the user's seed lives.
  NATS_CREDS_FILE: sensitive(
    z
      .string()
      .refine(readsAsNatsCreds, 'not a readable NATS credentials file')
      .optional()
      .describe('a readable NATS user credentials file (.creds: the user JWT and its NKey seed)'),
  ),
  NATS_CA_FILE: certificateFile(natsCaFileExpects).optional().describe(natsCaFileExpects),
  NATS_REQUEST_TIMEOUT_MS: z.coerce.number().int().min(100).max(60_000).default(2_000).describe('milliseconds (100-60000)'),
  // 1 suits a single server (the local stack, tests); on a NATS cluster, 3 keeps every event
  // through the loss of a server or its disk. All services must use the same value.
  JETSTREAM_REPLICAS: z.coerce.number().int().min(1).max(5).default(1).describe('copies JetStream keeps of each stream and bucket Portcullis creates (1-5; 3 on a NATS cluster)'),
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
  const config = loadConfig({ ...serviceConfigShape, ...extra } as Omit<typeof serviceConfigShape, keyof Extra> & Extra, env);
  const problems = natsAuthenticationProblems(config as unknown as NatsAuthentication);
  if (problems.length > 0) throw new ConfigError(problems);
  return config;
}

type NatsAuthentication = Pick<ServiceConfig, 'NATS_USER' | 'NATS_PASSWORD' | 'NATS_TOKEN' | 'NATS_CREDS_FILE'>;

/** A user without a password (or the reverse), or two ways to authenticate: a manifest mistake either way. */
function natsAuthenticationProblems(config: NatsAuthentication): string[] {
  if (config.NATS_USER !== undefined && config.NATS_PASSWORD === undefined) {
    return ['NATS_PASSWORD is required when NATS_USER is set, expects the password of NATS_USER'];
  }
  if (config.NATS_USER === undefined && config.NATS_PASSWORD !== undefined) {
    return ['NATS_USER is required when NATS_PASSWORD is set, expects the NATS user the password belongs to'];
  }
  const methods = [
    config.NATS_USER !== undefined ? 'NATS_USER/NATS_PASSWORD' : undefined,
    config.NATS_TOKEN !== undefined ? 'NATS_TOKEN' : undefined,
    config.NATS_CREDS_FILE !== undefined ? 'NATS_CREDS_FILE' : undefined,
  ].filter((method) => method !== undefined);
  if (methods.length > 1) {
    return [`${methods.join(' and ')} are invalid together, expects one NATS authentication method: NATS_USER with NATS_PASSWORD, NATS_TOKEN or NATS_CREDS_FILE`];
  }
  return [];
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
