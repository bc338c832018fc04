import { BeforeApplicationShutdown, Inject, Injectable, OnApplicationBootstrap } from '@nestjs/common';
import { ClusterChangedV1, GrantChangedV1, RoleChangedV1, Streams, SUBJECT_PREFIX } from '@portcullis/contracts';
import { MessagingConnection } from '@portcullis/platform/messaging';
import { ROOT_LOGGER } from '@portcullis/platform/service';
import type { Logger } from 'pino';
import { OrderedEventStream } from '../events/ordered-event-stream';
import { UpstreamPool } from '../upstream/upstream-pool';
import { ClusterDirectory } from './cluster-directory';
import { EffectiveAccessCache } from './effective-access.cache';
import { StreamAccessReview } from './stream-access.review';

/**
 * Grant, role and cluster changes from the moment this replica starts (its caches start empty,
 * so older changes are already in what policy answers). Each one drops the cached access views,
 * and the open streams are re-checked at once, so a removed grant takes effect within a second.
 */
@Injectable()
export class PolicyEventsConsumer implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly events: OrderedEventStream;

  constructor(
    messaging: MessagingConnection,
    private readonly access: EffectiveAccessCache,
    private readonly clusters: ClusterDirectory,
    private readonly pool: UpstreamPool,
    private readonly review: StreamAccessReview,
    @Inject(ROOT_LOGGER) rootLogger: Logger,
  ) {
    this.events = new OrderedEventStream(
      messaging,
      {
        name: 'policy-changes',
        stream: Streams.state,
        // One wildcard: nats-server 2.9 filters on a single subject; other policy events are skipped.
        filterSubject: `${SUBJECT_PREFIX}.policy.>`,
        from: 'new',
        contracts: [GrantChangedV1, RoleChangedV1, ClusterChangedV1],
      },
      (subject, event) => this.onChange(subject, event),
      rootLogger.child({ component: 'policy-changes' }),
    );
  }

  /** True once the consumer is in place (changes from now on reach this replica). */
  get isCaughtUp(): boolean {
    return this.events.isCaughtUp;
  }

  onApplicationBootstrap(): void {
    this.events.start();
  }

  async beforeApplicationShutdown(): Promise<void> {
    await this.events.stop();
  }

  private onChange(subject: string, event: unknown): void {
    if (subject === ClusterChangedV1.subject) {
      const change = event as ClusterChangedV1;
      for (const name of this.clusters.forget(change.clusterId, change.cluster?.name ?? null)) this.pool.retire(name);
    }
    this.access.invalidate();
    this.review.request();
  }
}
