import './telemetry';
import { bootstrapService } from '@portcullis/platform/service';
import { AppModule } from './app.module';
import { loadAuditConfig } from './config/audit.config';

void bootstrapService({ service: 'audit', loadConfig: loadAuditConfig, createModule: (config) => AppModule.register(config) });
