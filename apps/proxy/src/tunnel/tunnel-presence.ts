import { BeforeApplicationShutdown, Inject, Injectable } from '@nestjs/common';
import { Buckets, tunnelPresenceV1, TunnelPresenceV1 } from '@portcullis/contracts';
import { MessagingConnection, PresenceBucket } from '@portcullis/platform/messaging';
import { ROOT_LOGGER, SERVICE_CONFIG } from '@portcullis/platform/service';
import { PRESENCE_TTL_MS } from '@portcullis/platform/tunnel';
import type { Logger } from 'pino';
import { ProxyConfig } from '../config/proxy.config';

// How long a looked-up holder is reused: well inside a heartbeat, so a moved tunnel is found again quickly.
const HOLDER_CACHE_MS = 1_000;

/** What this replica's tunnel presence says about one tunnel. */
export interface PresenceClaim {
  cluster: string;
  clusterId: string;
  agentVersion: string;
  connectedAt: Date;
  heartbeatAt: Date;
}

/**
 * Which replica holds which cluster's tunnel, in the JetStream KV bucket every replica (and
 * policy, for the admin API's connection state) follows. Only ownership travels over NATS; the
 * requests themselves go from replica to replica over the relay's mutual TLS.
 */
@Injectable()
export class TunnelPresence implements BeforeApplicationShutdown {
  private readonly bucket: PresenceBucket<typeof tunnelPresenceV1>;
  private readonly logger: Logger;
  private readonly holders = new Map<string, { holder: TunnelPresenceV1 | undefined; until: number }>();
  /** Set by the relay once it listens: without a relay, other replicas could not use our tunnels. */
  relayUrl?: string;

  constructor(
    messaging: MessagingConnection,
    @Inject(SERVICE_CONFIG) private readonly config: ProxyConfig,
    @Inject(ROOT_LOGGER) rootLogger: Logger,
  ) {
    this.logger = rootLogger.child({ component: 'tunnel-presence' });
    this.bucket = PresenceBucket.open(
      messaging,
      { bucket: Buckets.tunnelPresence, schema: tunnelPresenceV1, ttlMs: PRESENCE_TTL_MS, refreshedAt: (entry) => Date.parse(entry.heartbeatAt) },
      this.logger,
    );
  }

  get replica(): string {
    return this.config.PROXY_REPLICA_NAME;
  }

  /** Another live replica that holds the cluster's tunnel (the most recently confirmed one). */
  holderOf(cluster: string): TunnelPresenceV1 | undefined {
    // Asked on every request a replica forwards: the scan over all claims runs once a second per
    // cluster, not per request.
    const now = Date.now();
    const cached = this.holders.get(cluster);
    if (cached && cached.until > now) return cached.holder;
    const holder = this.bucket
      .find(`${cluster}.`)
      .filter((entry) => entry.replica !== this.replica && entry.cluster === cluster)
      .sort((a, b) => Date.parse(b.heartbeatAt) - Date.parse(a.heartbeatAt))[0];
    this.holders.set(cluster, { holder, until: now + HOLDER_CACHE_MS });
    return holder;
  }

  announce(claim: PresenceClaim): void {
    if (!this.relayUrl) return;
    const entry: TunnelPresenceV1 = {
      cluster: claim.cluster,
      clusterId: claim.clusterId,
      replica: this.replica,
      relayUrl: this.relayUrl,
      agentVersion: claim.agentVersion,
      connectedAt: claim.connectedAt.toISOString(),
      heartbeatAt: claim.heartbeatAt.toISOString(),
    };
    this.bucket.put(keyOf(claim.cluster, this.replica), entry).catch((error: unknown) => this.logger.warn({ err: error, cluster: claim.cluster }, 'could not announce a tunnel'));
  }

  withdraw(cluster: string): void {
    this.bucket.delete(keyOf(cluster, this.replica)).catch((error: unknown) => this.logger.warn({ err: error, cluster }, 'could not withdraw a tunnel'));
  }

  async beforeApplicationShutdown(): Promise<void> {
    await this.bucket.stop();
  }
}

function keyOf(cluster: string, replica: string): string {
  return `${cluster}.${replica}`;
}
