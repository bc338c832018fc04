import './telemetry';
import { bootstrapService } from '@portcullis/platform/service';
import { AppModule } from './app.module';
import { loadPolicyConfig } from './config/policy.config';

void bootstrapService({ service: 'policy', loadConfig: loadPolicyConfig, createModule: (config) => AppModule.register(config) });
