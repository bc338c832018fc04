import { ConsumerDefinition, EventContract, validate } from '@portcullis/contracts';
import { SpanKind, withSpan } from '@portcullis/platform/telemetry';
import { ConsumerMessages, JsMsg } from '@nats-io/jetstream';
import { z } from 'zod';
import { DeliveryContext } from './durable-consumer';
import { deadLetter, redeliveryDelayMs } from './dead-letter';
import { MessagingConnection } from './messaging-connection';
import { MessagingLogger } from './messaging-logger';
import { ensureConsumer } from './stream-setup';

export interface BatchItem<T> {
  event: T;
  delivery: DeliveryContext;
}

/** Handles every item or throws; nothing in the batch is acknowledged unless it returns. */
export type BatchHandler<T> = (items: Array<BatchItem<T>>) => Promise<void>;

export interface BatchConsumerOptions {
  /** Most events handed to the handler at once. */
  maxBatch: number;
  /**
   * Batches handled at the same time (default 1). Two let the next batch be prepared while the
   * previous one waits on its database; batches then complete in any order.
   */
  concurrency?: number;
  /** Most messages delivered and not yet acknowledged; a few batches' worth keeps the next batch ready. */
  maxAckPending?: number;
  /**
   * True when a handler failure means "a dependency is down" rather than "this batch is bad":
   * the batch is then held and retried until it succeeds, and never dead-lettered, however long
   * the outage lasts. Other failures are narrowed down to the failing message, which is
   * redelivered and finally dead-lettered like DurableConsumer does.
   */
  isTransient?: (error: unknown) => boolean | Promise<boolean>;
}

export interface ConsumerBacklog {
  /** Stored messages not yet delivered to any client of this consumer. */
  pending: number;
  /** Delivered and not yet acknowledged. */
  ackPending: number;
}

const decoder = new TextDecoder();

/** Retries of a held batch: soon at first, then every few seconds but well within the ack wait. */
function holdDelayMs(attempt: number, ackWaitSeconds: number): number {
  return Math.min(5_000, (ackWaitSeconds * 1000) / 3, 100 * 2 ** attempt);
}

interface Decoded<T> {
  message: JsMsg;
  item: BatchItem<T>;
}

/**
 * One durable pull consumer for one event type that hands events to its handler in batches,
 * for consumers whose work is cheaper in bulk (one multi-row INSERT per batch). Same promises as
 * DurableConsumer: every payload is validated before the handler sees it, what cannot be
 * processed goes to the dead-letter subject instead of blocking the stream, and nothing is
 * acknowledged before the handler has finished with it.
 */
export class BatchConsumer<C extends EventContract> {
  private messages?: ConsumerMessages;
  private readonly queue: JsMsg[] = [];
  private wake?: () => void;
  private receiving = false;
  private stopping = false;
  private pump?: Promise<void>;
  private worker?: Promise<void>;

  constructor(
    private readonly connection: MessagingConnection,
    private readonly definition: ConsumerDefinition,
    private readonly contract: C,
    private readonly handler: BatchHandler<z.infer<C['schema']>>,
    private readonly logger: MessagingLogger,
    private readonly options: BatchConsumerOptions,
  ) {}

  get durable(): string {
    return this.definition.durable;
  }

  async start(): Promise<void> {
    const manager = this.connection.jetstreamManager;
    await ensureConsumer(manager, this.definition);
    const maxAckPending = this.options.maxAckPending ?? this.options.maxBatch * 4;
    await manager.consumers.update(this.definition.stream, this.definition.durable, { max_ack_pending: maxAckPending });
    const consumer = await this.connection.jetstream.consumers.get(this.definition.stream, this.definition.durable);
    // Pull two batches' worth at a time: the next batch is already here when one is handed over.
    this.messages = await consumer.consume({ max_messages: Math.min(this.options.maxBatch * 2, maxAckPending) });
    const messages = this.messages;
    this.receiving = true;
    // The pump drains the client's buffer into our queue, so every delivered message can be kept
    // alive (working) while a batch waits for a dependency to come back.
    this.pump = (async () => {
      for await (const message of messages) {
        this.queue.push(message);
        this.wake?.();
      }
    })()
      .catch((error: Error) => this.logger.error({ err: error, consumer: this.definition.durable }, 'consumer loop ended'))
      .finally(() => {
        this.receiving = false;
        this.wake?.();
      });
    this.worker = this.work();
  }

  /** Finishes the batch in hand; what is still queued is handed back for redelivery. */
  async stop(): Promise<void> {
    this.stopping = true;
    await this.messages?.close();
    this.wake?.();
    await this.pump;
    await this.worker;
    for (const message of this.queue.splice(0)) message.nak();
  }

  async backlog(): Promise<ConsumerBacklog> {
    const info = await this.connection.jetstreamManager.consumers.info(this.definition.stream, this.definition.durable);
    return { pending: info.num_pending, ackPending: info.num_ack_pending };
  }

  private async work(): Promise<void> {
    const concurrency = this.options.concurrency ?? 1;
    const running = new Set<Promise<void>>();
    while (!this.stopping) {
      if (this.queue.length > 0 && running.size < concurrency) {
        const task: Promise<void> = this.processSafely(this.queue.splice(0, this.options.maxBatch)).finally(() => running.delete(task));
        running.add(task);
        continue;
      }
      if (this.queue.length === 0 && !this.receiving && running.size === 0) return;
      const woken = new Promise<void>((resolve) => (this.wake = resolve));
      await Promise.race([woken, ...running]);
      this.wake = undefined;
    }
    await Promise.all(running);
  }

  private async processSafely(batch: JsMsg[]): Promise<void> {
    try {
      await this.process(batch);
    } catch (error) {
      // Only a bug gets here (the handler's failures are caught below); redeliver and go on.
      this.logger.error({ err: error, consumer: this.definition.durable }, 'batch processing failed');
      for (const message of batch) message.nak(redeliveryDelayMs(message.info.deliveryCount));
    }
  }

  private async process(batch: JsMsg[]): Promise<void> {
    const decoded: Array<Decoded<z.infer<C['schema']>>> = [];
    // A message the server redelivered while its first copy waited in our queue: process once, ack both.
    const copies = new Map<number, JsMsg[]>();
    for (const message of batch) {
      const seen = copies.get(message.seq);
      if (seen) {
        seen.push(message);
        continue;
      }
      copies.set(message.seq, [message]);
      const item = this.decode(message);
      if (typeof item === 'string') await this.deadLetter(message, item);
      else decoded.push({ message, item });
    }
    if (decoded.length === 0) return;
    const attributes = {
      'messaging.system': 'nats',
      'messaging.destination.name': this.contract.subject,
      'messaging.consumer.group.name': this.definition.durable,
      'messaging.batch.message_count': decoded.length,
    };
    await withSpan(`process batch ${this.contract.subject}`, { kind: SpanKind.CONSUMER, attributes }, () => this.deliver(decoded, copies));
  }

  private decode(message: JsMsg): BatchItem<z.infer<C['schema']>> | string {
    let payload: unknown;
    try {
      payload = JSON.parse(decoder.decode(message.data));
    } catch {
      return 'payload is not JSON';
    }
    const checked = validate(this.contract.schema, payload);
    if (!checked.ok) return `payload does not match ${this.contract.schemaName}: ${checked.reason}`;
    const delivery: DeliveryContext = {
      subject: message.subject,
      deliveryCount: message.info.deliveryCount,
      streamSequence: message.seq,
      headers: message.headers,
    };
    return { event: checked.value as z.infer<C['schema']>, delivery };
  }

  private async deliver(decoded: Array<Decoded<z.infer<C['schema']>>>, copies: Map<number, JsMsg[]>): Promise<void> {
    for (let attempt = 0; ; attempt++) {
      try {
        await this.handler(decoded.map((d) => d.item));
      } catch (error) {
        if (this.stopping) {
          for (const { message } of decoded) for (const copy of copies.get(message.seq) ?? [message]) copy.nak();
          return;
        }
        if (await this.isTransient(error)) {
          if (attempt === 0) this.logger.warn({ consumer: this.definition.durable, err: error }, 'a dependency is down; holding the batch until it returns');
          this.keepAlive(decoded, copies);
          await new Promise((resolve) => setTimeout(resolve, holdDelayMs(attempt, this.definition.ackWaitSeconds)));
          continue;
        }
        return this.narrowDown(decoded, copies, error);
      }
      if (attempt > 0) this.logger.info({ consumer: this.definition.durable, attempts: attempt + 1 }, 'held batch processed');
      for (const { message } of decoded) for (const copy of copies.get(message.seq) ?? [message]) copy.ack();
      return;
    }
  }

  private async isTransient(error: unknown): Promise<boolean> {
    try {
      return (await this.options.isTransient?.(error)) ?? false;
    } catch {
      return false;
    }
  }

  /** Splits a failing batch until the failing message is alone, so the others still get through. */
  private async narrowDown(decoded: Array<Decoded<z.infer<C['schema']>>>, copies: Map<number, JsMsg[]>, error: unknown): Promise<void> {
    if (decoded.length > 1) {
      const half = Math.ceil(decoded.length / 2);
      await this.deliver(decoded.slice(0, half), copies);
      await this.deliver(decoded.slice(half), copies);
      return;
    }
    const [{ message, item }] = decoded;
    const reason = (error as Error).message;
    if (item.delivery.deliveryCount >= this.definition.maxDeliver) {
      await this.deadLetter(message, `handler failed ${item.delivery.deliveryCount} times, last: ${reason}`);
      return;
    }
    this.logger.warn(
      { consumer: this.definition.durable, subject: message.subject, seq: message.seq, deliveryCount: item.delivery.deliveryCount, err: error },
      'event handler failed; will be redelivered',
    );
    for (const copy of copies.get(message.seq) ?? [message]) copy.nak(redeliveryDelayMs(item.delivery.deliveryCount));
  }

  /** Resets the ack timer of everything delivered to us, so a long outage costs no redeliveries. */
  private keepAlive(decoded: Array<Decoded<unknown>>, copies: Map<number, JsMsg[]>): void {
    for (const { message } of decoded) for (const copy of copies.get(message.seq) ?? [message]) copy.working();
    for (const message of this.queue) message.working();
  }

  private deadLetter(message: JsMsg, reason: string): Promise<void> {
    return deadLetter(this.connection, this.definition.durable, this.logger, message, reason);
  }
}
