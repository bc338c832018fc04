import { EventContract, EventMap, EventSubject, eventContracts, validate } from '@portcullis/contracts';
import { extractTraceContext, injectTraceContext, SpanKind, TraceCarrier, withSpan } from '@portcullis/platform/telemetry';
import { PubAck } from '@nats-io/jetstream';
import { z } from 'zod';
import { MessagingConnection } from './messaging-connection';
import { buildHeaders, HeaderNames } from './message-headers';
import { InvalidEventError } from './messaging.errors';

const encoder = new TextEncoder();

export interface PublishOptions {
  /** Trace context captured when the event was created (the outbox relays it later). */
  traceCarrier?: TraceCarrier;
}

/** Publishes validated events to JetStream, de-duplicated by event id. */
export class EventPublisher {
  constructor(private readonly connection: MessagingConnection) {}

  publish<S extends EventSubject>(subject: S, event: EventMap[S], options?: PublishOptions): Promise<PubAck> {
    return this.publishContract(eventContracts[subject] as EventContract, event, options);
  }

  async publishContract<C extends EventContract>(
    contract: C,
    event: z.infer<C['schema']>,
    options: PublishOptions = {},
  ): Promise<PubAck> {
    const checked = validate(contract.schema, event);
    if (!checked.ok) throw new InvalidEventError(contract.subject, checked.reason);
    const payload = checked.value as { id: string };
    return this.publishSerialized(contract.subject, contract.schemaName, payload.id, JSON.stringify(payload), options);
  }

  /** For payloads validated earlier (the outbox validates on enqueue). */
  async publishSerialized(
    subject: string,
    schemaName: string,
    eventId: string,
    json: string,
    options: PublishOptions = {},
  ): Promise<PubAck> {
    const parent = options.traceCarrier ? extractTraceContext(options.traceCarrier) : undefined;
    const attributes = { 'messaging.system': 'nats', 'messaging.destination.name': subject, 'messaging.message.id': eventId };
    return withSpan(`publish ${subject}`, { kind: SpanKind.PRODUCER, parent, attributes }, async () => {
      const headers = buildHeaders({ [HeaderNames.schema]: schemaName }, injectTraceContext());
      return this.connection.jetstream.publish(subject, encoder.encode(json), { msgID: eventId, headers });
    });
  }
}
