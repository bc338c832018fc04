import { BeforeApplicationShutdown, Inject, Injectable, OnApplicationBootstrap } from '@nestjs/common';
import { SaExpiredV1, Streams, Subjects } from '@portcullis/contracts';
import { MessagingConnection, OrderedEventStream } from '@portcullis/platform/messaging';
import { ROOT_LOGGER } from '@portcullis/platform/service';
import type { Logger } from 'pino';
import { ServiceAccountTokenCache } from './service-account-token.cache';

/**
 * A JIT ServiceAccount the provisioner deleted (idle, revoked, access removed) takes its tokens
 * with it: drop the cached one so the next request provisions again instead of meeting a 401.
 */
@Injectable()
export class ServiceAccountExpiryConsumer implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly events: OrderedEventStream;

  constructor(
    messaging: MessagingConnection,
    private readonly tokens: ServiceAccountTokenCache,
    @Inject(ROOT_LOGGER) rootLogger: Logger,
  ) {
    this.events = new OrderedEventStream(
      messaging,
      { name: 'sa-expiry', stream: Streams.state, filterSubject: Subjects.saExpired, from: 'new', contracts: [SaExpiredV1] },
      (_subject, event) => {
        const expired = event as SaExpiredV1;
        this.tokens.forget(expired.userId, expired.cluster);
      },
      rootLogger.child({ component: 'sa-expiry' }),
    );
  }

  onApplicationBootstrap(): void {
    this.events.start();
  }

  async beforeApplicationShutdown(): Promise<void> {
    await this.events.stop();
  }
}
