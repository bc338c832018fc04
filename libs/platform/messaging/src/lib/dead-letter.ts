import { deadLetterSubject } from '@portcullis/contracts';
import { JsMsg } from '@nats-io/jetstream';
import { MessagingConnection } from './messaging-connection';
import { buildHeaders, HeaderNames, traceCarrierFrom } from './message-headers';
import { MessagingLogger } from './messaging-logger';

/** Redelivery delay grows with each failure, capped so a recovered dependency is noticed soon. */
export function redeliveryDelayMs(deliveryCount: number): number {
  return Math.min(30_000, 250 * 2 ** (deliveryCount - 1));
}

/**
 * Moves a message a consumer cannot process to `portcullis.v1.deadletter.<durable>` with the
 * reason, then terminates it. If the dead-letter publish fails the message is naked instead:
 * it must never vanish.
 */
export async function deadLetter(connection: MessagingConnection, durable: string, logger: MessagingLogger, message: JsMsg, reason: string): Promise<void> {
  logger.error({ consumer: durable, subject: message.subject, seq: message.seq, reason }, 'event dead-lettered');
  const headers = buildHeaders(
    {
      [HeaderNames.deadLetterReason]: reason.slice(0, 1_000),
      [HeaderNames.originalSubject]: message.subject,
      [HeaderNames.originalSequence]: String(message.seq),
    },
    traceCarrierFrom(message.headers),
  );
  try {
    await connection.jetstream.publish(deadLetterSubject(durable), message.data, { headers, msgID: `${durable}:${message.seq}` });
    message.term(reason.slice(0, 200));
  } catch (error) {
    logger.error({ consumer: durable, err: error }, 'dead-letter publish failed; will retry');
    message.nak(redeliveryDelayMs(message.info.deliveryCount));
  }
}
