import { DynamicModule, Module } from '@nestjs/common';
import { PlatformModule } from '@portcullis/platform/service';
import { PolicyConfig } from './config/policy.config';
import { policyEntities, policyMigrations } from './database/policy.migrations';

/** policy: clusters, roles, grants and the GraphQL admin endpoint. */
@Module({})
export class AppModule {
  static register(config: PolicyConfig): DynamicModule {
    return {
      module: AppModule,
      imports: [PlatformModule.forRoot({ service: 'policy', config, entities: policyEntities, migrations: policyMigrations })],
    };
  }
}
