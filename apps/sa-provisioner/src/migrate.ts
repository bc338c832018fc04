// Separate entry point: applies this service's migrations and exits (Nx target `migrate`).
import { migrateService } from '@portcullis/platform/service';
import { saProvisionerEntities, saProvisionerMigrations } from './database/sa-provisioner.migrations';

void migrateService({ service: 'sa-provisioner', entities: saProvisionerEntities, migrations: saProvisionerMigrations });
