// Separate entry point: applies this service's migrations and exits (Nx target `migrate`).
import { migrateService } from '@portcullis/platform/service';
import { loadSaProvisionerConfig } from './config/sa-provisioner.config';
import { saProvisionerEntities, saProvisionerMigrations } from './database/sa-provisioner.migrations';

void migrateService({ service: 'sa-provisioner', loadConfig: loadSaProvisionerConfig, entities: saProvisionerEntities, migrations: saProvisionerMigrations });
