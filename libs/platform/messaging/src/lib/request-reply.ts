import { RequestContract, RequestOf, ResponseOf, validate } from '@portcullis/contracts';
import { extractTraceContext, injectTraceContext, SpanKind, withSpan } from '@portcullis/platform/telemetry';
import { Msg, NoRespondersError as NatsNoResponders, RequestError, Subscription, TimeoutError } from '@nats-io/nats-core';
import { randomUUID } from 'node:crypto';
import { MessagingConnection } from './messaging-connection';
import { buildHeaders, traceCarrierFrom } from './message-headers';
import { MessagingLogger } from './messaging-logger';
import {
  InvalidEventError,
  InvalidReplyError,
  NoRespondersError,
  RemoteRequestError,
  ReplyError,
  RequestTimeoutError,
} from './messaging.errors';

type ReplyEnvelope = { ok: true; data: unknown } | { ok: false; error: { code: string; message: string } };

const encoder = new TextEncoder();
const decoder = new TextDecoder();

/** Codes a responder sends without a domain code of its own. */
export const ReplyErrorCode = {
  badRequest: 'BAD_REQUEST',
  internal: 'INTERNAL',
} as const;

export class Requester {
  constructor(
    private readonly connection: MessagingConnection,
    private readonly defaultTimeoutMs: number,
  ) {}

  async request<C extends RequestContract>(
    contract: C,
    payload: RequestOf<C>,
    options: { timeoutMs?: number } = {},
  ): Promise<ResponseOf<C>> {
    const checked = validate(contract.request, payload);
    if (!checked.ok) throw new InvalidEventError(contract.subject, checked.reason);
    const timeoutMs = options.timeoutMs ?? this.defaultTimeoutMs;

    return withSpan(`request ${contract.subject}`, { kind: SpanKind.CLIENT }, async () => {
      let reply: Msg;
      try {
        reply = await this.connection.nats.request(contract.subject, encoder.encode(JSON.stringify(checked.value)), {
          timeout: timeoutMs,
          headers: buildHeaders({}, injectTraceContext()),
        });
      } catch (error) {
        throw translateRequestError(error, contract.subject, timeoutMs);
      }
      const envelope = parseEnvelope(reply, contract.subject);
      if (!envelope.ok) throw new RemoteRequestError(contract.subject, envelope.error.code, envelope.error.message);
      const response = validate(contract.response, envelope.data);
      if (!response.ok) throw new InvalidReplyError(contract.subject, response.reason);
      return response.value as ResponseOf<C>;
    });
  }
}

function translateRequestError(error: unknown, subject: string, timeoutMs: number): Error {
  const cause = error instanceof RequestError ? (error.cause ?? error) : error;
  if (cause instanceof TimeoutError || error instanceof TimeoutError) return new RequestTimeoutError(subject, timeoutMs);
  if (cause instanceof NatsNoResponders || (error instanceof RequestError && error.isNoResponders())) {
    return new NoRespondersError(subject);
  }
  return error as Error;
}

function parseEnvelope(reply: Msg, subject: string): ReplyEnvelope {
  try {
    const value = JSON.parse(decoder.decode(reply.data)) as ReplyEnvelope;
    if (typeof value === 'object' && value !== null && typeof value.ok === 'boolean') return value;
  } catch {
    // fall through to the error below
  }
  throw new InvalidReplyError(subject, 'reply is not a Portcullis reply envelope');
}

/**
 * Answers one request subject. Replicas share the work through a queue group; a bad request
 * gets a BAD_REQUEST reply rather than silence, so callers do not wait for a timeout.
 */
export class Responder {
  private readonly subscriptions: Subscription[] = [];

  constructor(
    private readonly connection: MessagingConnection,
    private readonly queueGroup: string,
    private readonly logger: MessagingLogger,
  ) {}

  serve<C extends RequestContract>(contract: C, handler: (request: RequestOf<C>) => Promise<ResponseOf<C>>): void {
    const subscription = this.connection.nats.subscribe(contract.subject, {
      queue: this.queueGroup,
      callback: (error: Error | null, message: Msg) => {
        if (error) {
          this.logger.error({ err: error, subject: contract.subject }, 'request subscription failed');
          return;
        }
        void this.answer(contract, handler, message);
      },
    });
    this.subscriptions.push(subscription);
  }

  private async answer<C extends RequestContract>(
    contract: C,
    handler: (request: RequestOf<C>) => Promise<ResponseOf<C>>,
    message: Msg,
  ): Promise<void> {
    const parent = extractTraceContext(traceCarrierFrom(message.headers));
    const envelope = await withSpan(`answer ${contract.subject}`, { kind: SpanKind.SERVER, parent }, async () =>
      this.handle(contract, handler, message.data),
    ).catch((): ReplyEnvelope => ({ ok: false, error: { code: ReplyErrorCode.internal, message: 'internal error' } }));
    message.respond(encoder.encode(JSON.stringify(envelope)));
  }

  private async handle<C extends RequestContract>(
    contract: C,
    handler: (request: RequestOf<C>) => Promise<ResponseOf<C>>,
    data: Uint8Array,
  ): Promise<ReplyEnvelope> {
    let payload: unknown;
    try {
      payload = JSON.parse(decoder.decode(data));
    } catch {
      return { ok: false, error: { code: ReplyErrorCode.badRequest, message: 'request is not JSON' } };
    }
    const request = validate(contract.request, payload);
    if (!request.ok) return { ok: false, error: { code: ReplyErrorCode.badRequest, message: request.reason } };
    try {
      const response = await handler(request.value as RequestOf<C>);
      const checked = validate(contract.response, response);
      if (!checked.ok) throw new InvalidReplyError(contract.subject, checked.reason);
      return { ok: true, data: checked.value };
    } catch (error) {
      if (error instanceof ReplyError) return { ok: false, error: { code: error.code, message: error.message } };
      const errorId = randomUUID();
      this.logger.error({ err: error, errorId, subject: contract.subject }, 'request handler failed');
      return { ok: false, error: { code: ReplyErrorCode.internal, message: `internal error (id ${errorId})` } };
    }
  }

  async close(): Promise<void> {
    await Promise.all(this.subscriptions.map((subscription) => subscription.drain()));
    this.subscriptions.length = 0;
  }
}
