import { DynamicModule, Module } from '@nestjs/common';
import { PlatformModule } from '@portcullis/platform/service';
import { ProxyConfig } from './config/proxy.config';
import { DataPlaneModule } from './data-plane/data-plane.module';
import { proxyEntities, proxyMigrations } from './database/proxy.migrations';

/** proxy: the data plane between kubectl/Lens and the clusters. */
@Module({})
export class AppModule {
  static register(config: ProxyConfig): DynamicModule {
    return {
      module: AppModule,
      imports: [PlatformModule.forRoot({ service: 'proxy', config, entities: proxyEntities, migrations: proxyMigrations }), DataPlaneModule],
    };
  }
}
