import { Module } from '@nestjs/common';
import { AdminActionsModule } from '../admin-actions/admin-actions.module';
import { PeersModule } from '../peers/peers.module';
import { KubeconfigsResolver } from './kubeconfigs.resolver';

@Module({ imports: [PeersModule, AdminActionsModule], providers: [KubeconfigsResolver] })
export class KubeconfigsModule {}
