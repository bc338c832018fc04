import { loadDatabaseConfig } from '@portcullis/platform/config';
import { loadConfigOrExit } from './load-config-or-exit';
import { runMigrations, serviceDataSourceOptions, ServiceDataSourceOptions } from '@portcullis/platform/persistence';
import { DataSource } from 'typeorm';
import { createServiceLogger } from './service-logger';

export interface MigrateOptions {
  service: string;
  entities: ServiceDataSourceOptions['entities'];
  migrations: ServiceDataSourceOptions['migrations'];
}

/**
 * The explicit migration command (an Nx target locally, a Job or init container in a cluster):
 * applies pending migrations to the service's schema and exits non-zero on any failure.
 */
export async function migrateService(options: MigrateOptions): Promise<void> {
  const config = loadConfigOrExit(options.service, () => loadDatabaseConfig());
  const logger = createServiceLogger(options.service, config.LOG_LEVEL);
  const schema = config.DATABASE_SCHEMA ?? options.service.replace(/-/g, '_');
  const dataSource = new DataSource(
    serviceDataSourceOptions({
      url: config.DATABASE_URL,
      schema,
      applicationName: `portcullis-${options.service}-migrate`,
      entities: options.entities,
      migrations: options.migrations,
    }),
  );
  try {
    await dataSource.initialize();
    const applied = await runMigrations(dataSource);
    logger.info({ schema, applied }, applied.length ? 'migrations applied' : 'schema is up to date');
  } catch (error) {
    logger.error({ err: error, schema }, 'migration failed');
    process.exitCode = 1;
  } finally {
    if (dataSource.isInitialized) await dataSource.destroy();
  }
}
