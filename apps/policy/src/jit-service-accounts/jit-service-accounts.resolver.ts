import { UseFilters } from '@nestjs/common';
import { Args, ID, Query, Resolver } from '@nestjs/graphql';
import { SaListV1 } from '@portcullis/contracts';
import { GraphQLExceptionFilter } from '../admin-api/graphql-exception.filter';
import { ClustersService } from '../clusters/clusters.service';
import { PeerRequests } from '../peers/peer-requests';
import { JitServiceAccountModel } from './jit-service-account.model';

/** JIT service accounts are sa-provisioner's: this query is answered by it over NATS. */
@UseFilters(GraphQLExceptionFilter)
@Resolver(() => JitServiceAccountModel)
export class JitServiceAccountsResolver {
  constructor(
    private readonly clusters: ClustersService,
    private readonly peers: PeerRequests,
  ) {}

  @Query(() => [JitServiceAccountModel], { description: 'The JIT service accounts that exist on a cluster now (answered by sa-provisioner).' })
  async jitServiceAccounts(@Args('clusterId', { type: () => ID }) clusterId: string): Promise<JitServiceAccountModel[]> {
    const cluster = await this.clusters.get(clusterId);
    const { serviceAccounts } = await this.peers.ask('sa-provisioner', SaListV1, { cluster: cluster.name });
    return serviceAccounts.map((account) => JitServiceAccountModel.from(account));
  }
}
