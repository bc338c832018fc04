import { DynamicModule, Module } from '@nestjs/common';
import { StandalonePlatformModule } from '@portcullis/platform/service';
import type { Logger } from 'pino';
import { ClusterAgentConfig } from './config/cluster-agent.config';
import { AgentMetricsModule } from './metrics/agent-metrics.module';
import { TunnelModule } from './tunnel/tunnel.module';

export interface AppModuleOptions {
  /** Tests read what the agent logs; otherwise JSON lines on stdout. */
  logger?: Logger;
}

/** cluster-agent: inside a managed cluster, the outbound tunnel to the proxy and the relay of its streams. No database, no NATS. */
@Module({})
export class AppModule {
  static register(config: ClusterAgentConfig, options: AppModuleOptions = {}): DynamicModule {
    return {
      module: AppModule,
      imports: [StandalonePlatformModule.forRoot({ service: 'cluster-agent', config, logger: options.logger }), AgentMetricsModule, TunnelModule],
    };
  }
}
