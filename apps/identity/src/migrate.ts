// Separate entry point: applies this service's migrations and exits (Nx target `migrate`).
import { migrateService } from '@portcullis/platform/service';
import { identityEntities, identityMigrations } from './database/identity.migrations';

void migrateService({ service: 'identity', entities: identityEntities, migrations: identityMigrations });
