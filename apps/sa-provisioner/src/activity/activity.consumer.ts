import { Inject, Injectable, OnApplicationBootstrap, OnModuleDestroy } from '@nestjs/common';
import { consumerDefinitions, ProxyRequestBatchV1, ProxyRequestV1 } from '@portcullis/contracts';
import { DurableConsumer, MessagingConnection } from '@portcullis/platform/messaging';
import { ROOT_LOGGER } from '@portcullis/platform/service';
import { Logger } from 'pino';
import { ActivityRecorder } from './activity-recorder';

/**
 * The proxy's request events keep JIT ServiceAccounts alive: each request it forwarded (under
 * the person's ServiceAccount) moves that ServiceAccount's last activity forward. Denied
 * requests never reached the cluster and do not count.
 */
@Injectable()
export class ActivityConsumer implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly consumer: DurableConsumer<typeof ProxyRequestV1>;
  /** The proxy publishes batches; single events come from proxies of earlier versions. */
  private readonly batchConsumer: DurableConsumer<typeof ProxyRequestBatchV1>;

  constructor(
    connection: MessagingConnection,
    private readonly recorder: ActivityRecorder,
    @Inject(ROOT_LOGGER) rootLogger: Logger,
  ) {
    const logger = rootLogger.child({ component: 'activity-consumer' });
    this.consumer = new DurableConsumer(connection, consumerDefinitions.provisionerRequests, ProxyRequestV1, (event) => this.handle(event), logger);
    this.batchConsumer = new DurableConsumer(
      connection,
      consumerDefinitions.provisionerRequestBatches,
      ProxyRequestBatchV1,
      async (batch) => {
        for (const event of batch.requests) await this.handle(event);
      },
      logger,
    );
  }

  async onApplicationBootstrap(): Promise<void> {
    this.recorder.start();
    await this.consumer.start();
    await this.batchConsumer.start();
  }

  async onModuleDestroy(): Promise<void> {
    await Promise.all([this.consumer.stop(), this.batchConsumer.stop()]);
    await this.recorder.stop();
  }

  private async handle(event: ProxyRequestV1): Promise<void> {
    if (event.decision !== 'allowed' || !event.userId || !event.cluster) return;
    // A replayed event is old; a clock ahead of ours must not push expiry into the future.
    const at = new Date(Math.min(Date.parse(event.occurredAt), Date.now()));
    await this.recorder.note({ userId: event.userId, cluster: event.cluster, at });
  }
}
