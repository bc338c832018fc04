/*
 * Trust model of the sa-provisioner.
 * - Trusts: the proxy (in production, NATS permissions let only it request tokens) to have
 *   authenticated the person, checked the kubeconfig against revocations and passed the groups
 *   of that credential; policy, for the person's grants and each cluster's address, CA and
 *   management credential.
 * - Verifies: every request, reply and event against its contract (the messaging library does
 *   that), and the person's grants on the cluster with policy on every ensure(): no grant, no
 *   ServiceAccount and no token (NO_ACCESS), whatever the caller believes.
 * - Holds: management credentials only in memory, briefly (see ClusterConnections); never in
 *   the database, logs, events or error messages.
 * - Never holds: the tokens it mints. Each is returned once to the caller; the cluster bounds it
 *   in time and invalidates it when the ServiceAccount is deleted (idle, revoked, access removed).
 */
import { DynamicModule, Module } from '@nestjs/common';
import { PlatformModule } from '@portcullis/platform/service';
import { ActivityModule } from './activity/activity.module';
import { SaProvisionerConfig } from './config/sa-provisioner.config';
import { saProvisionerEntities, saProvisionerMigrations } from './database/sa-provisioner.migrations';
import { ReconciliationModule } from './reconciliation/reconciliation.module';
import { ServiceAccountsModule } from './service-accounts/service-accounts.module';

/** sa-provisioner: just-in-time ServiceAccounts and their tokens on each cluster. */
@Module({})
export class AppModule {
  static register(config: SaProvisionerConfig): DynamicModule {
    return {
      module: AppModule,
      imports: [
        PlatformModule.forRoot({ service: 'sa-provisioner', config, entities: saProvisionerEntities, migrations: saProvisionerMigrations }),
        ServiceAccountsModule,
        ActivityModule,
        ReconciliationModule,
      ],
    };
  }
}
