// Separate entry point: applies this service's migrations and exits (Nx target `migrate`).
import { migrateService } from '@portcullis/platform/service';
import { loadKubeconfigIssuerMigrationConfig } from './config/kubeconfig-issuer.config';
import { kubeconfigIssuerEntities, kubeconfigIssuerMigrations } from './database/kubeconfig-issuer.migrations';

void migrateService({ service: 'kubeconfig-issuer', loadConfig: loadKubeconfigIssuerMigrationConfig, entities: kubeconfigIssuerEntities, migrations: kubeconfigIssuerMigrations });
