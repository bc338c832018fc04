import { Inject, Injectable, OnModuleDestroy } from '@nestjs/common';
import { Buckets, tunnelPresenceV1, TunnelPresenceV1 } from '@portcullis/contracts';
import { MessagingConnection, PresenceBucket } from '@portcullis/platform/messaging';
import { ROOT_LOGGER } from '@portcullis/platform/service';
import { PRESENCE_TTL_MS } from '@portcullis/platform/tunnel';
import type { Logger } from 'pino';

/** Which proxy replicas hold which agent tunnels now, as the replicas announce it (read-only here). */
@Injectable()
export class TunnelPresenceView implements OnModuleDestroy {
  private readonly bucket: PresenceBucket<typeof tunnelPresenceV1>;

  constructor(messaging: MessagingConnection, @Inject(ROOT_LOGGER) logger: Logger) {
    this.bucket = PresenceBucket.open(
      messaging,
      { bucket: Buckets.tunnelPresence, schema: tunnelPresenceV1, ttlMs: PRESENCE_TTL_MS, refreshedAt: (entry) => Date.parse(entry.heartbeatAt) },
      logger.child({ component: 'tunnel-presence' }),
    );
  }

  /** Live claims for the cluster (by id: a re-created cluster of the same name is another cluster). */
  of(clusterName: string, clusterId: string): TunnelPresenceV1[] {
    return this.bucket.find(`${clusterName}.`).filter((entry) => entry.clusterId === clusterId);
  }

  async onModuleDestroy(): Promise<void> {
    await this.bucket.stop();
  }
}
