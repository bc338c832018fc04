// Separate entry point: applies this service's migrations and exits (Nx target `migrate`).
import { migrateService } from '@portcullis/platform/service';
import { policyEntities, policyMigrations } from './database/policy.migrations';

void migrateService({ service: 'policy', entities: policyEntities, migrations: policyMigrations });
