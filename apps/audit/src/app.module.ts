import { DynamicModule, Module } from '@nestjs/common';
import { PlatformModule } from '@portcullis/platform/service';
import { AuditConfig } from './config/audit.config';
import { auditEntities, auditMigrations } from './database/audit.migrations';

/** audit: the audit trail of every request. */
@Module({})
export class AppModule {
  static register(config: AuditConfig): DynamicModule {
    return {
      module: AppModule,
      imports: [PlatformModule.forRoot({ service: 'audit', config, entities: auditEntities, migrations: auditMigrations })],
    };
  }
}
