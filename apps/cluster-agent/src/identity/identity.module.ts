import { BeforeApplicationShutdown, Module, OnApplicationBootstrap } from '@nestjs/common';
import { ROOT_LOGGER, SERVICE_CONFIG } from '@portcullis/platform/service';
import fs from 'node:fs';
import type { Logger } from 'pino';
import { ClusterAgentConfig } from '../config/cluster-agent.config';
import { ClusterAccess } from '../kubernetes/cluster-access';
import { KubernetesModule } from '../kubernetes/kubernetes.module';
import { AgentMetrics } from '../metrics/agent-metrics';
import { BootstrapTokenFile } from './bootstrap-token.file';
import { EnrollmentClient } from './enrollment.client';
import { IdentityKeeper } from './identity-keeper';
import { IdentitySecretStore } from './identity-secret.store';

/** The agent's client certificate: enrollment, renewal and its Secret. */
@Module({
  imports: [KubernetesModule],
  providers: [
    {
      provide: IdentityKeeper,
      useFactory: (config: ClusterAgentConfig, access: ClusterAccess, metrics: AgentMetrics, logger: Logger) =>
        new IdentityKeeper(
          {
            clusterName: config.AGENT_CLUSTER_NAME,
            bootstrapTokenPath: config.AGENT_BOOTSTRAP_TOKEN_FILE,
            tokenPollMs: config.AGENT_BOOTSTRAP_TOKEN_POLL_MS,
            retryBaseMs: config.AGENT_RECONNECT_BASE_MS,
            retryMaxMs: config.AGENT_RECONNECT_MAX_MS,
          },
          new IdentitySecretStore(access.coreApi(), config.AGENT_NAMESPACE, config.AGENT_IDENTITY_SECRET),
          new EnrollmentClient({ url: config.AGENT_TUNNEL_URL, ca: config.AGENT_TUNNEL_CA_FILE ? fs.readFileSync(config.AGENT_TUNNEL_CA_FILE, 'utf8') : undefined }),
          new BootstrapTokenFile(config.AGENT_BOOTSTRAP_TOKEN_FILE),
          metrics,
          logger,
        ),
      inject: [SERVICE_CONFIG, ClusterAccess, AgentMetrics, ROOT_LOGGER],
    },
  ],
  exports: [IdentityKeeper],
})
export class IdentityModule implements OnApplicationBootstrap, BeforeApplicationShutdown {
  constructor(private readonly keeper: IdentityKeeper) {}

  onApplicationBootstrap(): void {
    this.keeper.start();
  }

  async beforeApplicationShutdown(): Promise<void> {
    await this.keeper.stop();
  }
}
