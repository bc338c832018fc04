/** Thrown before anything is sent: the event does not match its schema. */
export class InvalidEventError extends Error {
  constructor(
    readonly subject: string,
    readonly reason: string,
  ) {
    super(`invalid event for ${subject}: ${reason}`);
    this.name = 'InvalidEventError';
  }
}

export class RequestTimeoutError extends Error {
  constructor(
    readonly subject: string,
    readonly timeoutMs: number,
  ) {
    super(`no reply to ${subject} within ${timeoutMs} ms`);
    this.name = 'RequestTimeoutError';
  }
}

export class NoRespondersError extends Error {
  constructor(readonly subject: string) {
    super(`no service answers ${subject}`);
    this.name = 'NoRespondersError';
  }
}

/** The responder answered with a coded error; the code survives the hop so callers can map it. */
export class RemoteRequestError extends Error {
  constructor(
    readonly subject: string,
    readonly code: string,
    message: string,
  ) {
    super(message);
    this.name = 'RemoteRequestError';
  }
}

export class InvalidReplyError extends Error {
  constructor(
    readonly subject: string,
    readonly reason: string,
  ) {
    super(`invalid reply from ${subject}: ${reason}`);
    this.name = 'InvalidReplyError';
  }
}

/**
 * The only error whose code and message a Responder sends back. Each service's NATS mapper
 * turns its domain exceptions into one; anything else (a database error also carries a string
 * `code`, and SQL in its message) is answered as INTERNAL with a logged id.
 */
export class ReplyError extends Error {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
    this.name = 'ReplyError';
  }
}
