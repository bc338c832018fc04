import { Module } from '@nestjs/common';
import { SERVICE_CONFIG } from '@portcullis/platform/service';
import { AdminActionsModule } from '../admin-actions/admin-actions.module';
import { AgentsModule } from '../agents/agents.module';
import type { PolicyConfig } from '../config/policy.config';
import { ApiServerProbe } from './api-server-probe';
import { TunnelPresenceView } from '../tunnels/tunnel-presence.view';
import { ClusterDirectoryResponder } from './cluster-directory.responder';
import { ClustersResolver } from './clusters.resolver';
import { ClustersService } from './clusters.service';
import { CredentialCipher } from './credential-cipher';

@Module({
  imports: [AdminActionsModule, AgentsModule],
  providers: [
    ClustersService,
    ClustersResolver,
    ClusterDirectoryResponder,
    TunnelPresenceView,
    { provide: CredentialCipher, inject: [SERVICE_CONFIG], useFactory: (config: PolicyConfig) => new CredentialCipher(config.CLUSTER_CREDENTIAL_KEY) },
    { provide: ApiServerProbe, inject: [SERVICE_CONFIG], useFactory: (config: PolicyConfig) => new ApiServerProbe(config.CLUSTER_PROBE_TIMEOUT_MS) },
  ],
  exports: [ClustersService],
})
export class ClustersModule {}
