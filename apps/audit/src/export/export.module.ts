import { Module } from '@nestjs/common';
import { PlatformTokenVerifier } from '@portcullis/platform/auth';
import { SERVICE_CONFIG } from '@portcullis/platform/service';
import { DataSource } from 'typeorm';
import { AuditConfig } from '../config/audit.config';
import { AdminTokenGuard, EXPORT_TOKEN_VERIFIER } from './admin-token.guard';
import { ExportController } from './export.controller';
import { TrailExport } from './trail-export';

@Module({
  controllers: [ExportController],
  providers: [
    AdminTokenGuard,
    { provide: TrailExport, useFactory: (dataSource: DataSource) => new TrailExport(dataSource), inject: [DataSource] },
    {
      provide: EXPORT_TOKEN_VERIFIER,
      useFactory: (config: AuditConfig) =>
        config.PLATFORM_JWT_ISSUER && config.IDENTITY_JWKS_URL
          ? new PlatformTokenVerifier({ issuer: config.PLATFORM_JWT_ISSUER, jwksUrl: config.IDENTITY_JWKS_URL })
          : null,
      inject: [SERVICE_CONFIG],
    },
  ],
})
export class ExportModule {}
