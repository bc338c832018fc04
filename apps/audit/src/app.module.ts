import { DynamicModule, Module } from '@nestjs/common';
import { PlatformModule } from '@portcullis/platform/service';
import { AuditConfig } from './config/audit.config';
import { auditEntities, auditMigrations } from './database/audit.migrations';
import { ExportModule } from './export/export.module';
import { IngestionModule } from './ingestion/ingestion.module';
import { QueryModule } from './query/query.module';
import { RetentionModule } from './retention/retention.module';
import { VerificationModule } from './verification/verification.module';

/** audit: the audit trail of every request and control-plane change. */
@Module({})
export class AppModule {
  static register(config: AuditConfig): DynamicModule {
    return {
      module: AppModule,
      imports: [
        PlatformModule.forRoot({ service: 'audit', config, entities: auditEntities, migrations: auditMigrations }),
        RetentionModule,
        IngestionModule,
        QueryModule,
        VerificationModule,
        ExportModule,
      ],
    };
  }
}
