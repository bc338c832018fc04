// Separate entry point: applies this service's migrations and exits (Nx target `migrate`).
import { migrateService } from '@portcullis/platform/service';
import { loadAuditConfig } from './config/audit.config';
import { auditEntities, auditMigrations } from './database/audit.migrations';

void migrateService({ service: 'audit', loadConfig: loadAuditConfig, entities: auditEntities, migrations: auditMigrations });
