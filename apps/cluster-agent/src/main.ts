import './telemetry';
import { bootstrapService } from '@portcullis/platform/service';
import { AppModule } from './app.module';
import { loadClusterAgentConfig } from './config/cluster-agent.config';

void bootstrapService({ service: 'cluster-agent', loadConfig: loadClusterAgentConfig, createModule: (config) => AppModule.register(config) });
