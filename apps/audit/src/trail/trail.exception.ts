import { DomainException } from '@portcullis/platform/errors';
import { ReplyError } from '@portcullis/platform/messaging';

/** The codes callers of the audit requests act on; they travel as NATS reply codes unchanged. */
export enum TrailErrorCode {
  InvalidCursor = 'INVALID_CURSOR',
  InvalidRange = 'INVALID_RANGE',
}

export class TrailException extends DomainException<TrailErrorCode> {}

/**
 * The NATS mapper: only domain codes reach the caller, as a ReplyError. Anything else (a
 * database error also carries a string `code`) is rethrown as is, and the responder answers it
 * as INTERNAL with an id it logs.
 */
export function toReplyError(error: unknown): unknown {
  if (!(error instanceof TrailException)) return error;
  switch (error.code) {
    case TrailErrorCode.InvalidCursor:
    case TrailErrorCode.InvalidRange:
      return new ReplyError(error.code, error.message);
  }
}
