import { DataSource, DataSourceOptions, MigrationInterface, QueryRunner } from 'typeorm';
import { CreateOutboxAndProcessedEvents1764320000000 } from './migrations/1764320000000-CreateOutboxAndProcessedEvents';
import { OutboxMessage } from './outbox-message.entity';
import { ProcessedEvent } from './processed-event.entity';

// eslint-disable-next-line @typescript-eslint/no-unsafe-function-type -- TypeORM takes entity classes as plain constructors
type EntityClass = Function;
type MigrationClass = new () => MigrationInterface;

/** Tables every service has in its own schema (outbox, processed events), with their migrations. */
export const platformEntities = [OutboxMessage, ProcessedEvent];
export const platformMigrations: MigrationClass[] = [CreateOutboxAndProcessedEvents1764320000000];

export interface ServiceDataSourceOptions {
  url: string;
  schema: string;
  /** Shown in pg_stat_activity, so an operator can tell services apart. */
  applicationName: string;
  entities: EntityClass[];
  migrations: MigrationClass[];
  /** Tests only: production schemas change through migrations. */
  synchronize?: boolean;
}

export function serviceDataSourceOptions(options: ServiceDataSourceOptions): DataSourceOptions {
  return {
    type: 'postgres',
    url: options.url,
    schema: options.schema,
    applicationName: options.applicationName,
    entities: [...platformEntities, ...options.entities],
    migrations: [...platformMigrations, ...options.migrations],
    migrationsTableName: 'migrations',
    migrationsTransactionMode: 'each',
    synchronize: options.synchronize ?? false,
    // gen_random_uuid() is built into PostgreSQL 13+; creating extensions needs superuser,
    // which managed databases do not grant.
    uuidExtension: 'pgcrypto',
    installExtensions: false,
    // Fail a probe fast instead of hanging readiness while the server is unreachable.
    connectTimeoutMS: 3_000,
    extra: { max: 10, connectionTimeoutMillis: 3_000 },
  };
}

/** The schema migrations write into, from the DataSource that runs them. */
export function schemaOf(queryRunner: QueryRunner): string {
  const schema = (queryRunner.connection.options as { schema?: string }).schema;
  if (!schema) throw new Error('the DataSource has no schema: every service owns one schema');
  return schema;
}

/**
 * Applies pending migrations. In Kubernetes every replica's init container runs this at once
 * on a rollout; a session-level advisory lock per schema lets one apply them while the others
 * wait and then find nothing left to do (without it, the losers fail on "already exists" and
 * their pods crash-loop until the winner is done). TypeORM keeps its migrations table in the
 * schema, so the schema has to exist before it runs.
 */
export async function runMigrations(dataSource: DataSource): Promise<string[]> {
  const schema = (dataSource.options as { schema?: string }).schema ?? 'public';
  const lock = dataSource.createQueryRunner();
  try {
    await lock.connect();
    await lock.query('SELECT pg_advisory_lock(hashtext($1))', [`portcullis-migrations:${schema}`]);
    await dataSource.query(`CREATE SCHEMA IF NOT EXISTS "${schema}"`);
    const applied = await dataSource.runMigrations({ transaction: 'each' });
    return applied.map((migration) => migration.name);
  } finally {
    // Ending the session releases the lock even if the unlock itself fails.
    await lock.query('SELECT pg_advisory_unlock(hashtext($1))', [`portcullis-migrations:${schema}`]).catch(() => undefined);
    await lock.release();
  }
}

export async function isDatabaseHealthy(dataSource: DataSource, timeoutMs = 1_000): Promise<boolean> {
  if (!dataSource.isInitialized) return false;
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<boolean>((resolve) => {
    timer = setTimeout(() => resolve(false), timeoutMs);
  });
  try {
    return await Promise.race([dataSource.query('SELECT 1').then(() => true, () => false), timeout]);
  } finally {
    clearTimeout(timer);
  }
}
