import { Module } from '@nestjs/common';
import { AdminActionsModule } from '../admin-actions/admin-actions.module';
import { ClustersModule } from '../clusters/clusters.module';
import { RolesModule } from '../roles/roles.module';
import { GrantsResolver } from './grants.resolver';
import { GrantsService } from './grants.service';

@Module({ imports: [AdminActionsModule, ClustersModule, RolesModule], providers: [GrantsService, GrantsResolver], exports: [GrantsService] })
export class GrantsModule {}
