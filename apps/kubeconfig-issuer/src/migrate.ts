// Separate entry point: applies this service's migrations and exits (Nx target `migrate`).
import { migrateService } from '@portcullis/platform/service';
import { kubeconfigIssuerEntities, kubeconfigIssuerMigrations } from './database/kubeconfig-issuer.migrations';

void migrateService({ service: 'kubeconfig-issuer', entities: kubeconfigIssuerEntities, migrations: kubeconfigIssuerMigrations });
