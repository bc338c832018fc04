import { ConsumerDefinition, EventContract, validate } from '@portcullis/contracts';
import { extractTraceContext, SpanKind, withSpan } from '@portcullis/platform/telemetry';
import { ConsumerMessages, JsMsg } from '@nats-io/jetstream';
import { MsgHdrs } from '@nats-io/nats-core';
import { z } from 'zod';
import { deadLetter, redeliveryDelayMs } from './dead-letter';
import { MessagingConnection } from './messaging-connection';
import { traceCarrierFrom } from './message-headers';
import { MessagingLogger } from './messaging-logger';
import { ensureConsumer } from './stream-setup';

export interface DeliveryContext {
  subject: string;
  /** 1 on first delivery; handlers must be idempotent because this can exceed 1. */
  deliveryCount: number;
  streamSequence: number;
  headers: MsgHdrs | undefined;
}

export type EventHandler<T> = (event: T, delivery: DeliveryContext) => Promise<void>;

const decoder = new TextDecoder();

/**
 * One durable pull consumer for one event type. Every payload is validated before the handler
 * sees it; what cannot be processed goes to the dead-letter subject instead of blocking the
 * stream, and nothing is acknowledged before the handler has finished.
 */
export class DurableConsumer<C extends EventContract> {
  private messages?: ConsumerMessages;
  private loop?: Promise<void>;

  constructor(
    private readonly connection: MessagingConnection,
    private readonly definition: ConsumerDefinition,
    private readonly contract: C,
    private readonly handler: EventHandler<z.infer<C['schema']>>,
    private readonly logger: MessagingLogger,
  ) {}

  async start(): Promise<void> {
    await ensureConsumer(this.connection.jetstreamManager, this.definition);
    const consumer = await this.connection.jetstream.consumers.get(this.definition.stream, this.definition.durable);
    this.messages = await consumer.consume({ max_messages: 256 });
    const messages = this.messages;
    this.loop = (async () => {
      for await (const message of messages) {
        await this.process(message);
      }
    })().catch((error: Error) => {
      this.logger.error({ err: error, consumer: this.definition.durable }, 'consumer loop ended');
    });
  }

  async stop(): Promise<void> {
    await this.messages?.close();
    await this.loop;
  }

  private async process(message: JsMsg): Promise<void> {
    const parent = extractTraceContext(traceCarrierFrom(message.headers));
    const attributes = { 'messaging.system': 'nats', 'messaging.destination.name': message.subject, 'messaging.consumer.group.name': this.definition.durable };
    await withSpan(`process ${message.subject}`, { kind: SpanKind.CONSUMER, parent, attributes }, async () => {
      let payload: unknown;
      try {
        payload = JSON.parse(decoder.decode(message.data));
      } catch {
        return this.deadLetter(message, 'payload is not JSON');
      }
      const checked = validate(this.contract.schema, payload);
      if (!checked.ok) return this.deadLetter(message, `payload does not match ${this.contract.schemaName}: ${checked.reason}`);

      const delivery: DeliveryContext = {
        subject: message.subject,
        deliveryCount: message.info.deliveryCount,
        streamSequence: message.seq,
        headers: message.headers,
      };
      try {
        await this.handler(checked.value as z.infer<C['schema']>, delivery);
        message.ack();
      } catch (error) {
        const reason = (error as Error).message;
        if (delivery.deliveryCount >= this.definition.maxDeliver) {
          return this.deadLetter(message, `handler failed ${delivery.deliveryCount} times, last: ${reason}`);
        }
        this.logger.warn(
          { consumer: this.definition.durable, subject: message.subject, seq: message.seq, deliveryCount: delivery.deliveryCount, err: error },
          'event handler failed; will be redelivered',
        );
        message.nak(redeliveryDelayMs(delivery.deliveryCount));
      }
    });
  }

  private deadLetter(message: JsMsg, reason: string): Promise<void> {
    return deadLetter(this.connection, this.definition.durable, this.logger, message, reason);
  }
}
