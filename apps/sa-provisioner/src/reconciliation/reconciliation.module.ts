import { Module } from '@nestjs/common';
import { ServiceAccountsModule } from '../service-accounts/service-accounts.module';
import { OrphanCollector } from './orphan-collector';
import { PolicyEventsConsumer } from './policy-events.consumer';
import { Reconciler } from './reconciler';
import { RevocationConsumer } from './revocation.consumer';

@Module({
  imports: [ServiceAccountsModule],
  providers: [OrphanCollector, Reconciler, PolicyEventsConsumer, RevocationConsumer],
})
export class ReconciliationModule {}
