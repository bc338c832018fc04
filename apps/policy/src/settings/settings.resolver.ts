import { UseFilters } from '@nestjs/common';
import { Args, Int, Mutation, Query, Resolver } from '@nestjs/graphql';
import { AdminActionLog } from '../admin-actions/admin-action.log';
import { AdminPrincipal, CurrentAdmin } from '../admin-api/admin-principal';
import { GraphQLExceptionFilter } from '../admin-api/graphql-exception.filter';
import { SettingsModel } from './settings.model';
import { MAX_KUBECONFIG_VALIDITY_SECONDS, SettingsService } from './settings.service';

@UseFilters(GraphQLExceptionFilter)
@Resolver(() => SettingsModel)
export class SettingsResolver {
  constructor(
    private readonly settings: SettingsService,
    private readonly adminActions: AdminActionLog,
  ) {}

  @Query(() => SettingsModel, { name: 'settings' })
  async currentSettings(): Promise<SettingsModel> {
    return SettingsModel.from(await this.settings.get());
  }

  @Mutation(() => SettingsModel, { description: `Applies to kubeconfigs issued from now on (900 s to ${MAX_KUBECONFIG_VALIDITY_SECONDS} s).` })
  async setKubeconfigValidity(@Args('seconds', { type: () => Int }) seconds: number, @CurrentAdmin() admin: AdminPrincipal): Promise<SettingsModel> {
    const settings = await this.adminActions.attempt(admin, 'setKubeconfigValidity', { kind: 'settings', id: null }, () =>
      this.settings.setKubeconfigValidity(seconds, admin),
    );
    return SettingsModel.from(settings);
  }
}
