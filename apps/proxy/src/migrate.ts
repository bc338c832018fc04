// Separate entry point: applies this service's migrations and exits (Nx target `migrate`).
import { migrateService } from '@portcullis/platform/service';
import { proxyEntities, proxyMigrations } from './database/proxy.migrations';

void migrateService({ service: 'proxy', entities: proxyEntities, migrations: proxyMigrations });
