import { Inject, Injectable, OnModuleInit } from '@nestjs/common';
import { ClusterEndpoint, PolicyClusterCredentialV1, PolicyClusterLookupV1 } from '@portcullis/contracts';
import { Responder } from '@portcullis/platform/messaging';
import { ROOT_LOGGER } from '@portcullis/platform/service';
import type { Logger } from 'pino';
import { withReplyCodes } from '../errors/reply-error';
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
 * Tells the proxy and sa-provisioner where a cluster is, and hands sa-provisioner the cluster's
 * management credential. The credential leaves policy only here, decrypted for the one service
 * that acts on clusters; NATS permissions must keep every other service off this subject.
 */
@Injectable()
export class ClusterDirectoryResponder implements OnModuleInit {
  constructor(
    private readonly responder: Responder,
    private readonly clusters: ClustersService,
    @Inject(ROOT_LOGGER) private readonly logger: Logger,
  ) {}

  onModuleInit(): void {
    this.responder.serve(PolicyClusterLookupV1, ({ name }) => withReplyCodes(async () => endpointOf(await this.clusters.getByName(name))));
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
}
