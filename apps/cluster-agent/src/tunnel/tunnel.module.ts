import { BeforeApplicationShutdown, Module, OnApplicationBootstrap, OnModuleInit } from '@nestjs/common';
import { ReadinessChecks, ROOT_LOGGER, SERVICE_CONFIG } from '@portcullis/platform/service';
import fs from 'node:fs';
import type { Logger } from 'pino';
import { ClusterAgentConfig } from '../config/cluster-agent.config';
import { IdentityKeeper } from '../identity/identity-keeper';
import { IdentityModule } from '../identity/identity.module';
import { AgentMetrics } from '../metrics/agent-metrics';
import { RelayModule } from '../relay/relay.module';
import { TunnelStreamRouter } from '../relay/tunnel-stream.router';
import { TunnelDialer } from './tunnel.dialer';

/** The outbound tunnel to the proxy; the agent is ready while it is up. */
@Module({
  imports: [IdentityModule, RelayModule],
  providers: [
    {
      provide: TunnelDialer,
      useFactory: (config: ClusterAgentConfig, identity: IdentityKeeper, router: TunnelStreamRouter, metrics: AgentMetrics, logger: Logger) =>
        new TunnelDialer(
          {
            tunnelUrl: config.AGENT_TUNNEL_URL,
            ca: config.AGENT_TUNNEL_CA_FILE ? fs.readFileSync(config.AGENT_TUNNEL_CA_FILE, 'utf8') : undefined,
            heartbeatIntervalMs: config.AGENT_HEARTBEAT_INTERVAL_MS,
            heartbeatTimeoutMs: config.AGENT_HEARTBEAT_TIMEOUT_MS,
            reconnectBaseMs: config.AGENT_RECONNECT_BASE_MS,
            reconnectMaxMs: config.AGENT_RECONNECT_MAX_MS,
          },
          identity,
          router,
          metrics,
          logger,
        ),
      inject: [SERVICE_CONFIG, IdentityKeeper, TunnelStreamRouter, AgentMetrics, ROOT_LOGGER],
    },
  ],
  exports: [TunnelDialer],
})
export class TunnelModule implements OnModuleInit, OnApplicationBootstrap, BeforeApplicationShutdown {
  constructor(
    private readonly dialer: TunnelDialer,
    private readonly readiness: ReadinessChecks,
  ) {}

  onModuleInit(): void {
    this.readiness.register('tunnel', () => this.dialer.isUp, 'no tunnel to the proxy');
  }

  onApplicationBootstrap(): void {
    this.dialer.start();
  }

  async beforeApplicationShutdown(): Promise<void> {
    await this.dialer.stop();
  }
}
