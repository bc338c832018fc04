import { DataSource, In, IsNull, LessThan, Not } from 'typeorm';
import { OutboxMessage } from './outbox-message.entity';

/** What the relay needs from the messaging side; the messaging library's EventPublisher fits. */
export interface OutboxPublisher {
  publishSerialized(
    subject: string,
    schemaName: string,
    eventId: string,
    json: string,
    options: { traceCarrier?: Record<string, string> },
  ): Promise<unknown>;
}

export interface OutboxRelayLogger {
  warn(details: object, message: string): void;
}

export interface OutboxRelayOptions {
  batchSize?: number;
  /** Fallback poll, for rows committed by another replica or before a restart. */
  pollIntervalMs?: number;
  /** Published rows are kept this long for inspection, then deleted. */
  retainPublishedMs?: number;
}

/**
 * Publishes outbox rows in commit order. Rows are locked with SKIP LOCKED so replicas share
 * the work without publishing the same row twice at once; a row is marked only after
 * JetStream acknowledged it, and a re-send after a crash carries the same Nats-Msg-Id.
 */
export class OutboxRelay {
  private running = false;
  private wake?: () => void;
  private loop?: Promise<void>;
  private lastPurge = 0;
  private readonly batchSize: number;
  private readonly pollIntervalMs: number;
  private readonly retainPublishedMs: number;

  constructor(
    private readonly dataSource: DataSource,
    private readonly publisher: OutboxPublisher,
    private readonly logger: OutboxRelayLogger,
    options: OutboxRelayOptions = {},
  ) {
    this.batchSize = options.batchSize ?? 100;
    this.pollIntervalMs = options.pollIntervalMs ?? 500;
    this.retainPublishedMs = options.retainPublishedMs ?? 24 * 60 * 60 * 1000;
  }

  start(): void {
    if (this.running) return;
    this.running = true;
    this.loop = this.run();
  }

  async stop(): Promise<void> {
    this.running = false;
    this.wake?.();
    await this.loop;
  }

  nudge(): void {
    this.wake?.();
  }

  private async run(): Promise<void> {
    let failures = 0;
    while (this.running) {
      let relayed = 0;
      try {
        relayed = await this.relayBatch();
        failures = 0;
        await this.purgeOldRows();
      } catch (error) {
        failures += 1;
        this.logger.warn({ err: error, failures }, 'outbox relay failed; retrying');
      }
      if (relayed === this.batchSize) continue;
      const delay = failures ? Math.min(10_000, this.pollIntervalMs * 2 ** failures) : this.pollIntervalMs;
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, delay);
        this.wake = () => {
          clearTimeout(timer);
          resolve();
        };
      });
      this.wake = undefined;
    }
  }

  /** Returns how many rows were published. Exposed for tests that drive the relay by hand. */
  async relayBatch(): Promise<number> {
    return this.dataSource.transaction(async (manager) => {
      const pending = await manager
        .getRepository(OutboxMessage)
        .createQueryBuilder('message')
        .where('message.published_at IS NULL')
        .orderBy('message.sequence', 'ASC')
        .limit(this.batchSize)
        .setLock('pessimistic_write')
        .setOnLocked('skip_locked')
        .getMany();
      const published: string[] = [];
      let failure: unknown;
      for (const message of pending) {
        try {
          await this.publisher.publishSerialized(message.subject, message.schemaName, message.id, JSON.stringify(message.payload), {
            traceCarrier: message.traceCarrier,
          });
          published.push(message.id);
        } catch (error) {
          // Keep order: stop at the first failure and record what already went out.
          failure = error;
          break;
        }
      }
      if (published.length) {
        await manager.update(OutboxMessage, { id: In(published) }, { publishedAt: new Date() });
      }
      if (failure) throw failure;
      return published.length;
    });
  }

  private async purgeOldRows(): Promise<void> {
    const now = Date.now();
    if (now - this.lastPurge < 60_000) return;
    this.lastPurge = now;
    await this.dataSource.getRepository(OutboxMessage).delete({
      publishedAt: Not(IsNull()),
      createdAt: LessThan(new Date(now - this.retainPublishedMs)),
    });
  }
}
