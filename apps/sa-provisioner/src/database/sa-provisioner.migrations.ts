import { MigrationInterface } from 'typeorm';
import { ManagedCluster } from '../clusters/managed-cluster.entity';
import { JitServiceAccount } from '../service-accounts/jit-service-account.entity';
import { JitServiceAccounts1795861117502 } from './migrations/1795861117502-JitServiceAccounts';

/** This service's own migrations, oldest first; the platform's (outbox, processed events) are added by the platform. */
export const saProvisionerMigrations: Array<new () => MigrationInterface> = [JitServiceAccounts1795861117502];

/** This service's own entities. */
// eslint-disable-next-line @typescript-eslint/no-unsafe-function-type -- TypeORM takes entity classes as plain constructors
export const saProvisionerEntities: Function[] = [JitServiceAccount, ManagedCluster];
