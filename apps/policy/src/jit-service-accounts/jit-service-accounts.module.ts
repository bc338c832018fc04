import { Module } from '@nestjs/common';
import { ClustersModule } from '../clusters/clusters.module';
import { PeersModule } from '../peers/peers.module';
import { JitServiceAccountsResolver } from './jit-service-accounts.resolver';

@Module({ imports: [ClustersModule, PeersModule], providers: [JitServiceAccountsResolver] })
export class JitServiceAccountsModule {}
