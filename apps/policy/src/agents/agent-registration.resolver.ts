import { UseFilters } from '@nestjs/common';
import { Args, ID, Mutation, Resolver } from '@nestjs/graphql';
import { AdminActionLog } from '../admin-actions/admin-action.log';
import { AdminPrincipal, CurrentAdmin } from '../admin-api/admin-principal';
import { GraphQLExceptionFilter } from '../admin-api/graphql-exception.filter';
import { ClusterModel } from '../clusters/cluster.model';
import { AgentRegistrationModel, RegisterAgentClusterInput } from './agent.model';
import { AgentRegistration, AgentRegistrationService } from './agent-registration.service';

function toModel(registration: AgentRegistration): AgentRegistrationModel {
  return Object.assign(new AgentRegistrationModel(), { ...registration, cluster: ClusterModel.from(registration.cluster) });
}

@UseFilters(GraphQLExceptionFilter)
@Resolver(() => AgentRegistrationModel)
export class AgentRegistrationResolver {
  constructor(
    private readonly registrations: AgentRegistrationService,
    private readonly adminActions: AdminActionLog,
  ) {}

  @Mutation(() => AgentRegistrationModel, {
    description: 'Registers a cluster reached through an agent that runs inside it. Returns the one-time bootstrap token and the manifest to apply there, once.',
  })
  async registerAgentCluster(@Args('input') input: RegisterAgentClusterInput, @CurrentAdmin() admin: AdminPrincipal): Promise<AgentRegistrationModel> {
    return toModel(await this.adminActions.attempt(admin, 'registerAgentCluster', { kind: 'cluster', id: null }, () => this.registrations.register(input, admin)));
  }

  @Mutation(() => AgentRegistrationModel, {
    description: "Issues a new bootstrap token and manifest; the cluster's earlier tokens and its agent's certificates stop working at once.",
  })
  async reregisterClusterAgent(@Args('id', { type: () => ID }) id: string, @CurrentAdmin() admin: AdminPrincipal): Promise<AgentRegistrationModel> {
    return toModel(await this.adminActions.attempt(admin, 'reregisterClusterAgent', { kind: 'cluster', id }, () => this.registrations.reregister(id, admin)));
  }
}
