import { UseFilters } from '@nestjs/common';
import { Args, ID, Mutation, Query, Resolver } from '@nestjs/graphql';
import { AdminActionLog } from '../admin-actions/admin-action.log';
import { AdminPrincipal, CurrentAdmin } from '../admin-api/admin-principal';
import { GraphQLExceptionFilter } from '../admin-api/graphql-exception.filter';
import { CreateRoleInput, RoleModel, ruleInputs, UpdateRoleInput } from './role.model';
import { RolesService } from './roles.service';

@UseFilters(GraphQLExceptionFilter)
@Resolver(() => RoleModel)
export class RolesResolver {
  constructor(
    private readonly roles: RolesService,
    private readonly adminActions: AdminActionLog,
  ) {}

  @Query(() => [RoleModel], { name: 'roles', description: 'Built-in roles first, then custom roles by name.' })
  async listRoles(): Promise<RoleModel[]> {
    return (await this.roles.list()).map((role) => RoleModel.from(role));
  }

  @Mutation(() => RoleModel)
  async createRole(@Args('input') input: CreateRoleInput, @CurrentAdmin() admin: AdminPrincipal): Promise<RoleModel> {
    const role = await this.adminActions.attempt(admin, 'createRole', { kind: 'role', id: null }, () =>
      this.roles.create({ name: input.name, description: input.description, rules: ruleInputs(input.rules) }, admin),
    );
    return RoleModel.from(role);
  }

  @Mutation(() => RoleModel, { description: 'Custom roles only; built-in roles are immutable.' })
  async updateRole(@Args('id', { type: () => ID }) id: string, @Args('input') input: UpdateRoleInput, @CurrentAdmin() admin: AdminPrincipal): Promise<RoleModel> {
    const role = await this.adminActions.attempt(admin, 'updateRole', { kind: 'role', id }, () =>
      this.roles.update(id, { description: input.description, rules: input.rules == null ? undefined : ruleInputs(input.rules) }, admin),
    );
    return RoleModel.from(role);
  }

  @Mutation(() => RoleModel, { description: 'Custom roles only, and only while no grant uses them (CONFLICT otherwise).' })
  async deleteRole(@Args('id', { type: () => ID }) id: string, @CurrentAdmin() admin: AdminPrincipal): Promise<RoleModel> {
    const role = await this.adminActions.attempt(admin, 'deleteRole', { kind: 'role', id }, () => this.roles.delete(id, admin));
    return RoleModel.from(role);
  }
}
