import './telemetry';
import { bootstrapService } from '@portcullis/platform/service';
import { AppModule } from './app.module';
import { loadKubeconfigIssuerConfig } from './config/kubeconfig-issuer.config';

void bootstrapService({ service: 'kubeconfig-issuer', loadConfig: loadKubeconfigIssuerConfig, createModule: (config) => AppModule.register(config) });
