import { UseFilters } from '@nestjs/common';
import { Args, ID, Mutation, Query, Resolver } from '@nestjs/graphql';
import { AdminActionLog } from '../admin-actions/admin-action.log';
import { AdminPrincipal, CurrentAdmin } from '../admin-api/admin-principal';
import { GraphQLExceptionFilter } from '../admin-api/graphql-exception.filter';
import { ClustersService } from '../clusters/clusters.service';
import { GrantFilterInput, GrantInput, GrantModel } from './grant.model';
import { GrantsService } from './grants.service';

@UseFilters(GraphQLExceptionFilter)
@Resolver(() => GrantModel)
export class GrantsResolver {
  constructor(
    private readonly grants: GrantsService,
    private readonly clusters: ClustersService,
    private readonly adminActions: AdminActionLog,
  ) {}

  @Query(() => [GrantModel], { name: 'grants', description: 'Grants, oldest first.' })
  async listGrants(@Args('filter', { type: () => GrantFilterInput, nullable: true }) filter: GrantFilterInput | null | undefined): Promise<GrantModel[]> {
    const [grants, clusters] = await Promise.all([this.grants.list(filter ?? {}), this.clusters.list()]);
    return grants.map((grant) => GrantModel.from(grant, clusters));
  }

  @Mutation(() => GrantModel)
  async grant(@Args('input') input: GrantInput, @CurrentAdmin() admin: AdminPrincipal): Promise<GrantModel> {
    const grant = await this.adminActions.attempt(admin, 'grant', { kind: 'grant', id: null }, () => this.grants.create(input, admin));
    return GrantModel.from(grant, await this.clusters.list());
  }

  @Mutation(() => GrantModel)
  async revokeGrant(@Args('id', { type: () => ID }) id: string, @CurrentAdmin() admin: AdminPrincipal): Promise<GrantModel> {
    const grant = await this.adminActions.attempt(admin, 'revokeGrant', { kind: 'grant', id }, () => this.grants.revoke(id, admin));
    return GrantModel.from(grant, await this.clusters.list());
  }
}
