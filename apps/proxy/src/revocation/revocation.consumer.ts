import { BeforeApplicationShutdown, Inject, Injectable, OnApplicationBootstrap } from '@nestjs/common';
import { KubeconfigRevokedV1, Streams, Subjects } from '@portcullis/contracts';
import { MessagingConnection, OrderedEventStream } from '@portcullis/platform/messaging';
import { ROOT_LOGGER } from '@portcullis/platform/service';
import type { Logger } from 'pino';
import { OpenStreamRegistry } from '../data-plane/open-stream.registry';
import { RevocationSet } from './revocation-set';

const PRUNE_INTERVAL_MS = 60_000;

/**
 * Feeds the revocation set: at start every `KubeconfigRevokedV1` still in the stream (the
 * proxy is not ready before it has them all), then each new one as it is published. A
 * revocation ends the credential's open connections and streams at once.
 */
@Injectable()
export class RevocationConsumer implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly events: OrderedEventStream;
  private readonly logger: Logger;
  private pruneTimer?: NodeJS.Timeout;

  constructor(
    messaging: MessagingConnection,
    private readonly revocations: RevocationSet,
    private readonly streams: OpenStreamRegistry,
    @Inject(ROOT_LOGGER) rootLogger: Logger,
  ) {
    this.logger = rootLogger.child({ component: 'revocations' });
    this.events = new OrderedEventStream(
      messaging,
      { name: 'revocations', stream: Streams.state, filterSubject: Subjects.kubeconfigRevoked, from: 'all', contracts: [KubeconfigRevokedV1] },
      (_subject, event) => this.onRevoked(event as KubeconfigRevokedV1),
      this.logger,
    );
  }

  /** True once the replay of stored revocations has caught up. */
  get isCaughtUp(): boolean {
    return this.events.isCaughtUp;
  }

  whenCaughtUp(): Promise<void> {
    return this.events.whenCaughtUp();
  }

  onApplicationBootstrap(): void {
    this.events.start();
    this.pruneTimer = setInterval(() => this.revocations.prune(), PRUNE_INTERVAL_MS);
    this.pruneTimer.unref();
  }

  async beforeApplicationShutdown(): Promise<void> {
    clearInterval(this.pruneTimer);
    await this.events.stop();
  }

  private onRevoked(event: KubeconfigRevokedV1): void {
    if (!this.revocations.add(event.kubeconfigId, Date.parse(event.expiresAt))) return;
    const kubeconfigId = event.kubeconfigId.toLowerCase();
    const closed = this.streams.closeCredential(kubeconfigId);
    // Replayed revocations find nothing open; only live ones are worth a line.
    if (this.events.isCaughtUp) this.logger.info({ kubeconfigId, userId: event.userId, closedStreams: closed }, 'kubeconfig revoked');
  }
}
