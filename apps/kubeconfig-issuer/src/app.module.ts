import { DynamicModule, Module } from '@nestjs/common';
import { PlatformModule } from '@portcullis/platform/service';
import { KubeconfigIssuerConfig } from './config/kubeconfig-issuer.config';
import { kubeconfigIssuerEntities, kubeconfigIssuerMigrations } from './database/kubeconfig-issuer.migrations';
import { KubeconfigModule } from './kubeconfig/kubeconfig.module';

/** kubeconfig-issuer: per-user kubeconfig credentials and the consolidated kubeconfig. */
@Module({})
export class AppModule {
  static register(config: KubeconfigIssuerConfig): DynamicModule {
    return {
      module: AppModule,
      imports: [
        PlatformModule.forRoot({ service: 'kubeconfig-issuer', config, entities: kubeconfigIssuerEntities, migrations: kubeconfigIssuerMigrations }),
        KubeconfigModule,
      ],
    };
  }
}
