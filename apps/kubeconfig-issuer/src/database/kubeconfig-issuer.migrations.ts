import { MigrationInterface } from 'typeorm';
import { IssuedKubeconfig } from '../kubeconfig/kubeconfig.entity';
import { IssuedKubeconfigs1795859396675 } from './migrations/1795859396675-IssuedKubeconfigs';

/** This service's own migrations, oldest first; the platform's (outbox, processed events) are added by the platform. */
export const kubeconfigIssuerMigrations: Array<new () => MigrationInterface> = [IssuedKubeconfigs1795859396675];

/** This service's own entities. */
// eslint-disable-next-line @typescript-eslint/no-unsafe-function-type -- TypeORM takes entity classes as plain constructors
export const kubeconfigIssuerEntities: Function[] = [IssuedKubeconfig];
