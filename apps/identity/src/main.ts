import './telemetry';
import { bootstrapService } from '@portcullis/platform/service';
import { AppModule } from './app.module';
import { loadIdentityConfig } from './config/identity.config';

void bootstrapService({ service: 'identity', loadConfig: loadIdentityConfig, createModule: (config) => AppModule.register(config) });
