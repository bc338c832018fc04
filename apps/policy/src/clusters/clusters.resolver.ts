import { UseFilters } from '@nestjs/common';
import { Args, ID, Int, Mutation, Parent, Query, ResolveField, Resolver } from '@nestjs/graphql';
import { AdminActionLog } from '../admin-actions/admin-action.log';
import { AdminPrincipal, CurrentAdmin } from '../admin-api/admin-principal';
import { GraphQLExceptionFilter } from '../admin-api/graphql-exception.filter';
import { AgentIdentities } from '../agents/agent-identities';
import { AgentConnectionModel } from '../tunnels/agent-connection.model';
import { TunnelPresenceView } from '../tunnels/tunnel-presence.view';
import { ClusterMode, ClusterModel, RegisterClusterInput, UpdateClusterInput } from './cluster.model';
import { ClustersService } from './clusters.service';

@UseFilters(GraphQLExceptionFilter)
@Resolver(() => ClusterModel)
export class ClustersResolver {
  constructor(
    private readonly clusters: ClustersService,
    private readonly adminActions: AdminActionLog,
    private readonly agentIdentities: AgentIdentities,
    private readonly presence: TunnelPresenceView,
  ) {}

  @ResolveField(() => AgentConnectionModel, { nullable: true, description: "Agent mode: the agent's tunnel right now, as the proxy replicas report it. null for direct clusters." })
  agentConnection(@Parent() cluster: ClusterModel): AgentConnectionModel | null {
    if (cluster.mode !== ClusterMode.AGENT) return null;
    return AgentConnectionModel.from(this.presence.of(cluster.name, cluster.id));
  }

  @Query(() => [ClusterModel], { name: 'clusters', description: 'Every registered cluster, by name.' })
  async listClusters(): Promise<ClusterModel[]> {
    return (await this.clusters.list()).map((cluster) => ClusterModel.from(cluster));
  }

  @ResolveField(() => Date, { nullable: true, description: "Agent mode: when the agent's current certificate ends (it renews before); null before enrollment, after re-registration, and in direct mode." })
  async agentCertificateExpiresAt(@Parent() cluster: ClusterModel): Promise<Date | null> {
    return cluster.mode === ClusterMode.AGENT ? this.agentIdentities.currentExpiry(cluster.id) : null;
  }

  @Mutation(() => ClusterModel, { description: 'Checks that the API server answers GET /api with the credential before storing anything. For a cluster reached through an agent, see registerAgentCluster.' })
  async registerCluster(@Args('input') input: RegisterClusterInput, @CurrentAdmin() admin: AdminPrincipal): Promise<ClusterModel> {
    const cluster = await this.adminActions.attempt(admin, 'registerCluster', { kind: 'cluster', id: null }, () => this.clusters.register(input, admin));
    return ClusterModel.from(cluster);
  }

  @Mutation(() => ClusterModel)
  async updateCluster(@Args('id', { type: () => ID }) id: string, @Args('input') input: UpdateClusterInput, @CurrentAdmin() admin: AdminPrincipal): Promise<ClusterModel> {
    const cluster = await this.adminActions.attempt(admin, 'updateCluster', { kind: 'cluster', id }, () => this.clusters.update(id, input, admin));
    return ClusterModel.from(cluster);
  }

  @Mutation(() => ClusterModel, { description: 'Also revokes the grants made for this cluster by id; selector grants stay.' })
  async removeCluster(@Args('id', { type: () => ID }) id: string, @CurrentAdmin() admin: AdminPrincipal): Promise<ClusterModel> {
    const cluster = await this.adminActions.attempt(admin, 'removeCluster', { kind: 'cluster', id }, () => this.clusters.remove(id, admin));
    return ClusterModel.from(cluster);
  }

  @Mutation(() => ClusterModel, { description: "Sets how long a JIT service account may stay unused on this cluster (60 s to 30 days)." })
  async setIdleTimeout(
    @Args('clusterId', { type: () => ID }) clusterId: string,
    @Args('seconds', { type: () => Int }) seconds: number,
    @CurrentAdmin() admin: AdminPrincipal,
  ): Promise<ClusterModel> {
    const cluster = await this.adminActions.attempt(admin, 'setIdleTimeout', { kind: 'cluster', id: clusterId }, () =>
      this.clusters.setIdleTimeout(clusterId, seconds, admin),
    );
    return ClusterModel.from(cluster);
  }
}
