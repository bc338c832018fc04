import './telemetry';
import { bootstrapService } from '@portcullis/platform/service';
import { AppModule } from './app.module';
import { loadProxyConfig } from './config/proxy.config';

void bootstrapService({ service: 'proxy', loadConfig: loadProxyConfig, createModule: (config) => AppModule.register(config) });
