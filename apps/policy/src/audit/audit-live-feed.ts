import { Inject, Injectable } from '@nestjs/common';
import { AuditEventFilter, AuditEventStoredV1, validate } from '@portcullis/contracts';
import { MessagingConnection } from '@portcullis/platform/messaging';
import { ROOT_LOGGER } from '@portcullis/platform/service';
import type { Logger } from 'pino';
import { auditFilterMatches } from './audit-filter';

type LiveSubscription = ReturnType<MessagingConnection['nats']['subscribe']>;
type LiveMessage = LiveSubscription extends AsyncIterable<infer M> ? M : never;

const decoder = new TextDecoder();

/**
 * The records a filter matches, as the audit service stores them, for one open subscription.
 * `return()` unsubscribes at once, even while waiting for the next record (an async
 * generator would only notice at its next record).
 */
class AuditEventStream implements AsyncIterableIterator<AuditEventStoredV1> {
  private readonly messages: AsyncIterator<LiveMessage>;

  constructor(
    private readonly subscription: LiveSubscription,
    private readonly filter: AuditEventFilter,
    private readonly logger: Logger,
  ) {
    this.messages = subscription[Symbol.asyncIterator]();
  }

  async next(): Promise<IteratorResult<AuditEventStoredV1>> {
    for (;;) {
      const message = await this.messages.next();
      if (message.done) return { value: undefined, done: true };
      const event = this.parse(message.value.data);
      if (event && auditFilterMatches(this.filter, event)) return { value: event, done: false };
    }
  }

  async return(): Promise<IteratorResult<AuditEventStoredV1>> {
    this.subscription.unsubscribe();
    return { value: undefined, done: true };
  }

  [Symbol.asyncIterator](): AsyncIterableIterator<AuditEventStoredV1> {
    return this;
  }

  private parse(data: Uint8Array): AuditEventStoredV1 | null {
    let payload: unknown;
    try {
      payload = JSON.parse(decoder.decode(data));
    } catch {
      payload = undefined;
    }
    const event = validate(AuditEventStoredV1.schema, payload);
    if (event.ok) return event.value;
    this.logger.warn({ subject: AuditEventStoredV1.subject, reason: event.ok ? undefined : event.reason }, 'dropped a malformed live audit record');
    return null;
  }
}

/** Subscribes to the records the audit service announces as it stores them (core NATS, live only). */
@Injectable()
export class AuditLiveFeed {
  constructor(
    private readonly messaging: MessagingConnection,
    @Inject(ROOT_LOGGER) private readonly logger: Logger,
  ) {}

  open(filter: AuditEventFilter): AsyncIterableIterator<AuditEventStoredV1> {
    return new AuditEventStream(this.messaging.nats.subscribe(AuditEventStoredV1.subject), filter, this.logger);
  }
}
