import { Module, OnApplicationShutdown } from '@nestjs/common';
import { ROOT_LOGGER, SERVICE_CONFIG } from '@portcullis/platform/service';
import type { Logger } from 'pino';
import { AGENT_VERSION } from '../agent-version';
import { ClusterAgentConfig } from '../config/cluster-agent.config';
import { ClusterAccess } from '../kubernetes/cluster-access';
import { KubernetesModule } from '../kubernetes/kubernetes.module';
import { AgentMetrics } from '../metrics/agent-metrics';
import { ApiServerRelay } from './api-server.relay';
import { ApiServerSessionPool } from './api-server-session.pool';
import { TunnelStreamRouter } from './tunnel-stream.router';
import { UpgradeRelay } from './upgrade.relay';

/** The agent side of every tunnel stream: requests, upgrades and the agent's info. */
@Module({
  imports: [KubernetesModule],
  providers: [
    {
      provide: ApiServerSessionPool,
      useFactory: (access: ClusterAccess, metrics: AgentMetrics, logger: Logger) => {
        const pool = new ApiServerSessionPool(access, logger.child({ component: 'api-server' }));
        metrics.observe({ apiServerConnections: () => pool.connectionCount, apiServerStreams: () => pool.streamCount });
        return pool;
      },
      inject: [ClusterAccess, AgentMetrics, ROOT_LOGGER],
    },
    {
      provide: UpgradeRelay,
      useFactory: (access: ClusterAccess, logger: Logger) => new UpgradeRelay(access, logger.child({ component: 'upgrade-relay' })),
      inject: [ClusterAccess, ROOT_LOGGER],
    },
    {
      provide: TunnelStreamRouter,
      useFactory: (config: ClusterAgentConfig, access: ClusterAccess, pool: ApiServerSessionPool, upgrades: UpgradeRelay, logger: Logger) =>
        new TunnelStreamRouter(
          { cluster: config.AGENT_CLUSTER_NAME, version: AGENT_VERSION, apiServer: access.apiServer.url },
          new ApiServerRelay(access, pool, logger.child({ component: 'request-relay' })),
          upgrades,
          logger.child({ component: 'relay' }),
        ),
      inject: [SERVICE_CONFIG, ClusterAccess, ApiServerSessionPool, UpgradeRelay, ROOT_LOGGER],
    },
  ],
  exports: [TunnelStreamRouter],
})
export class RelayModule implements OnApplicationShutdown {
  constructor(
    private readonly pool: ApiServerSessionPool,
    private readonly upgrades: UpgradeRelay,
  ) {}

  onApplicationShutdown(): void {
    this.upgrades.closeAll();
    this.pool.closeAll();
  }
}
