import { Module } from '@nestjs/common';
import { AdminActionsModule } from '../admin-actions/admin-actions.module';
import { RolesResolver } from './roles.resolver';
import { RolesService } from './roles.service';

@Module({ imports: [AdminActionsModule], providers: [RolesService, RolesResolver], exports: [RolesService] })
export class RolesModule {}
