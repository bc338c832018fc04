import { Module } from '@nestjs/common';
import { PeersModule } from '../peers/peers.module';
import { AuditEventsResolver } from './audit-events.resolver';
import { AuditLiveFeed } from './audit-live-feed';
import { AuditVerificationResolver } from './audit-verification.resolver';

@Module({ imports: [PeersModule], providers: [AuditEventsResolver, AuditVerificationResolver, AuditLiveFeed] })
export class AuditModule {}
