import { Injectable } from '@nestjs/common';
import { ClustersService } from '../clusters/clusters.service';
import { GrantsService } from '../grants/grants.service';
import { SettingsService } from '../settings/settings.service';
import { ResolvedAccessEntry, resolveEffectiveAccess } from './effective-access';

export interface EffectiveAccess {
  entries: ResolvedAccessEntry[];
  kubeconfigValiditySeconds: number;
}

@Injectable()
export class EffectiveAccessService {
  constructor(
    private readonly grants: GrantsService,
    private readonly clusters: ClustersService,
    private readonly settings: SettingsService,
  ) {}

  /** `groups` is the caller's snapshot of the person's IdP groups; policy does not keep one. */
  async resolve(userId: string, groups: string[]): Promise<EffectiveAccess> {
    const [grants, clusters, settings] = await Promise.all([this.grants.forUser(userId, groups), this.clusters.list(), this.settings.get()]);
    return { entries: resolveEffectiveAccess(grants, clusters), kubeconfigValiditySeconds: settings.kubeconfigValiditySeconds };
  }
}
