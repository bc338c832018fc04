import { DynamicModule, Module } from '@nestjs/common';
import { PlatformModule } from '@portcullis/platform/service';
import { SaProvisionerConfig } from './config/sa-provisioner.config';
import { saProvisionerEntities, saProvisionerMigrations } from './database/sa-provisioner.migrations';

/** sa-provisioner: just-in-time ServiceAccounts and their tokens on each cluster. */
@Module({})
export class AppModule {
  static register(config: SaProvisionerConfig): DynamicModule {
    return {
      module: AppModule,
      imports: [PlatformModule.forRoot({ service: 'sa-provisioner', config, entities: saProvisionerEntities, migrations: saProvisionerMigrations })],
    };
  }
}
