import { Module } from '@nestjs/common';
import { ClustersModule } from '../clusters/clusters.module';
import { GrantsModule } from '../grants/grants.module';
import { PeersModule } from '../peers/peers.module';
import { SettingsModule } from '../settings/settings.module';
import { EffectiveAccessResolver } from './effective-access.resolver';
import { EffectiveAccessResponder } from './effective-access.responder';
import { EffectiveAccessService } from './effective-access.service';

@Module({
  imports: [ClustersModule, GrantsModule, SettingsModule, PeersModule],
  providers: [EffectiveAccessService, EffectiveAccessResolver, EffectiveAccessResponder],
})
export class AccessModule {}
