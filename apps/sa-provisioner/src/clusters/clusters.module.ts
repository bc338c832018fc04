import { Module } from '@nestjs/common';
import { ClusterConnections } from './cluster-connections';

@Module({
  providers: [ClusterConnections],
  exports: [ClusterConnections],
})
export class ClustersModule {}
