// Separate entry point: applies this service's migrations and exits (Nx target `migrate`).
import { migrateService } from '@portcullis/platform/service';
import { auditEntities, auditMigrations } from './database/audit.migrations';

void migrateService({ service: 'audit', entities: auditEntities, migrations: auditMigrations });
