import './telemetry';
import { bootstrapService } from '@portcullis/platform/service';
import { AppModule } from './app.module';
import { loadSaProvisionerConfig } from './config/sa-provisioner.config';

void bootstrapService({ service: 'sa-provisioner', loadConfig: loadSaProvisionerConfig, createModule: (config) => AppModule.register(config) });
