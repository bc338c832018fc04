import { BeforeApplicationShutdown, Inject, Injectable, OnApplicationBootstrap } from '@nestjs/common';
import { ClusterChangedV1, GrantChangedV1, RoleChangedV1, Streams, SUBJECT_PREFIX } from '@portcullis/contracts';
import { MessagingConnection, OrderedEventStream } from '@portcullis/platform/messaging';
import { ROOT_LOGGER } from '@portcullis/platform/service';
import type { Logger } from 'pino';
import { AgentTunnels } from '../tunnel/agent-tunnels';
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
  private readonly logger: Logger;

  constructor(
    messaging: MessagingConnection,
    private readonly access: EffectiveAccessCache,
    private readonly clusters: ClusterDirectory,
    private readonly pool: UpstreamPool,
    private readonly review: StreamAccessReview,
    private readonly tunnels: AgentTunnels,
    @Inject(ROOT_LOGGER) rootLogger: Logger,
  ) {
    this.logger = rootLogger.child({ component: 'policy-changes' });
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

  /** A re-registered or removed agent cluster: the tunnel of an identity policy no longer accepts closes now. */
  private async recheckTunnel(cluster: string): Promise<void> {
    if (!this.tunnels.get(cluster)) return;
    try {
      const endpoint = await this.clusters.lookup(cluster);
      this.tunnels.recheck(cluster, endpoint?.mode === 'agent' ? new Set(endpoint.agent?.certificateFingerprints ?? []) : null);
    } catch (error) {
      // Policy is away: keep the tunnel; the next change or reconnect checks again.
      this.logger.warn({ err: error, cluster }, 'could not re-check an agent tunnel against policy');
    }
  }

  private onChange(subject: string, event: unknown): void {
    if (subject === ClusterChangedV1.subject) {
      const change = event as ClusterChangedV1;
      const names = new Set(this.clusters.forget(change.clusterId, change.cluster?.name ?? null));
      if (change.cluster) names.add(change.cluster.name);
      for (const name of names) {
        this.pool.retire(name);
        void this.recheckTunnel(name);
      }
    }
    this.access.invalidate();
    this.review.request();
  }
}
