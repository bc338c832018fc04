import { DynamicModule, Module } from '@nestjs/common';
import { PlatformModule } from '@portcullis/platform/service';
import { AccessModule } from './access/access.module';
import { AdminApiModule } from './admin-api/admin-api.module';
import { AgentsModule } from './agents/agents.module';
import { AuditModule } from './audit/audit.module';
import { ClustersModule } from './clusters/clusters.module';
import { PolicyConfig } from './config/policy.config';
import { policyEntities, policyMigrations } from './database/policy.migrations';
import { DirectoryModule } from './directory/directory.module';
import { GrantsModule } from './grants/grants.module';
import { JitServiceAccountsModule } from './jit-service-accounts/jit-service-accounts.module';
import { KubeconfigsModule } from './kubeconfigs/kubeconfigs.module';
import { RolesModule } from './roles/roles.module';
import { SettingsModule } from './settings/settings.module';

/** policy: clusters (direct and agent mode), roles, grants and settings; effective access over NATS; the GraphQL admin endpoint. */
@Module({})
export class AppModule {
  static register(config: PolicyConfig): DynamicModule {
    return {
      module: AppModule,
      imports: [
        PlatformModule.forRoot({ service: 'policy', config, entities: policyEntities, migrations: policyMigrations }),
        AdminApiModule,
        ClustersModule,
        AgentsModule,
        RolesModule,
        GrantsModule,
        SettingsModule,
        AccessModule,
        DirectoryModule,
        KubeconfigsModule,
        JitServiceAccountsModule,
        AuditModule,
      ],
    };
  }
}
