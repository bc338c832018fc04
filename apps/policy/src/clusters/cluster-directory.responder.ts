import { Inject, Injectable, OnModuleInit } from '@nestjs/common';
import { ClusterEndpoint, ClusterEndpointV2, PolicyClusterCredentialV1, PolicyClusterLookupV1, PolicyClusterLookupV2, PolicyClusterStatusV1 } from '@portcullis/contracts';
import { Responder } from '@portcullis/platform/messaging';
import { ROOT_LOGGER } from '@portcullis/platform/service';
import type { Logger } from 'pino';
import { AgentIdentities } from '../agents/agent-identities';
import { withReplyCodes } from '../errors/reply-error';
import { TunnelPresenceView } from '../tunnels/tunnel-presence.view';
import { ClusterEntity } from './cluster.entity';
import { ClustersService } from './clusters.service';

function endpointOf(cluster: ClusterEntity): ClusterEndpoint {
  return {
    id: cluster.id,
    name: cluster.name,
    displayName: cluster.displayName,
    server: cluster.server,
    caBundle: cluster.caBundle,
    idleTimeoutSeconds: cluster.idleTimeoutSeconds,
  };
}

/**
 * Tells the proxy and sa-provisioner where a cluster is and how to reach it, and hands
 * sa-provisioner a direct-mode cluster's management credential. The credential leaves policy
 * only here, decrypted for the one service that acts on clusters; NATS permissions must keep
 * every other service off this subject. An agent-mode cluster has none (AGENT_MODE): its agent
 * acts with its own ServiceAccount, and V2 lists the agent certificates the proxy may accept.
 */
@Injectable()
export class ClusterDirectoryResponder implements OnModuleInit {
  constructor(
    private readonly responder: Responder,
    private readonly clusters: ClustersService,
    private readonly identities: AgentIdentities,
    private readonly presence: TunnelPresenceView,
    @Inject(ROOT_LOGGER) private readonly logger: Logger,
  ) {}

  onModuleInit(): void {
    this.responder.serve(PolicyClusterLookupV1, ({ name }) => withReplyCodes(async () => endpointOf(await this.clusters.getByName(name))));
    this.responder.serve(PolicyClusterLookupV2, ({ name }) => withReplyCodes(async () => this.endpointV2Of(await this.clusters.getByName(name))));
    this.responder.serve(PolicyClusterStatusV1, ({ names }) =>
      withReplyCodes(async () => {
        const wanted = new Set(names);
        const clusters = (await this.clusters.list()).filter((cluster) => wanted.has(cluster.name));
        return {
          clusters: clusters.map((cluster) => ({
            name: cluster.name,
            mode: cluster.mode,
            agentConnected: cluster.mode === 'agent' ? this.presence.of(cluster.name, cluster.id).length > 0 : null,
          })),
        };
      }),
    );
    this.responder.serve(PolicyClusterCredentialV1, ({ name }) =>
      withReplyCodes(async () => {
        const cluster = await this.clusters.getByName(name);
        const { kind: _kind, ...credential } = this.clusters.credentialOf(cluster);
        // Who received which cluster's credential, never the credential itself.
        this.logger.info({ cluster: cluster.name, credentialKind: cluster.credentialKind }, 'handed out a cluster management credential');
        return { cluster: endpointOf(cluster), credential };
      }),
    );
  }

  private async endpointV2Of(cluster: ClusterEntity): Promise<ClusterEndpointV2> {
    const agent = cluster.mode === 'agent' ? { certificateFingerprints: await this.identities.acceptedFingerprints(cluster.id) } : null;
    return { ...endpointOf(cluster), mode: cluster.mode, agent };
  }
}
