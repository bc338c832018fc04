import { Module } from '@nestjs/common';
import { ServiceAccountsModule } from '../service-accounts/service-accounts.module';
import { ActivityConsumer } from './activity.consumer';
import { ActivityRecorder } from './activity-recorder';

@Module({
  imports: [ServiceAccountsModule],
  providers: [ActivityRecorder, ActivityConsumer],
})
export class ActivityModule {}
