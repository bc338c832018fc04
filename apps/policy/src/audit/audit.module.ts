import { Module } from '@nestjs/common';
import { PeersModule } from '../peers/peers.module';
import { AuditEventsResolver } from './audit-events.resolver';
import { AuditLiveFeed } from './audit-live-feed';

@Module({ imports: [PeersModule], providers: [AuditEventsResolver, AuditLiveFeed] })
export class AuditModule {}
