import { Module, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { SERVICE_CONFIG } from '@portcullis/platform/service';
import { ClusterAgentConfig } from '../config/cluster-agent.config';
import { ClusterAccess } from './cluster-access';

/** The agent's own cluster: its API server and the agent's credential for it. */
@Module({
  providers: [{ provide: ClusterAccess, useFactory: (config: ClusterAgentConfig) => ClusterAccess.load(config.KUBECONFIG), inject: [SERVICE_CONFIG] }],
  exports: [ClusterAccess],
})
export class KubernetesModule implements OnApplicationBootstrap, OnApplicationShutdown {
  constructor(private readonly access: ClusterAccess) {}

  onApplicationBootstrap(): void {
    this.access.start();
  }

  onApplicationShutdown(): void {
    this.access.stop();
  }
}
