import { Module, OnApplicationBootstrap, OnModuleDestroy } from '@nestjs/common';
import { TrailModule } from '../trail/trail.module';
import { IngestionMetrics } from './ingestion.metrics';
import { IngestionService } from './ingestion.service';
import { LiveFeedPublisher } from './live-feed.publisher';

/** Request, admin-action, kubeconfig and service-account events from JetStream into the trail. */
@Module({ imports: [TrailModule], providers: [IngestionService, IngestionMetrics, LiveFeedPublisher] })
export class IngestionModule implements OnApplicationBootstrap, OnModuleDestroy {
  constructor(private readonly ingestion: IngestionService) {}

  async onApplicationBootstrap(): Promise<void> {
    await this.ingestion.start();
  }

  async onModuleDestroy(): Promise<void> {
    await this.ingestion.stop();
  }
}
