import { DomainException } from '@portcullis/platform/errors';
import { ReplyError } from '@portcullis/platform/messaging';
/** The codes callers of the kubeconfig requests act on; they travel as NATS reply codes unchanged. */
export enum KubeconfigErrorCode {
  NoAccess = 'NO_ACCESS',
  PolicyUnavailable = 'POLICY_UNAVAILABLE',
  NotFound = 'NOT_FOUND',
}

export class KubeconfigException extends DomainException<KubeconfigErrorCode> {}

/**
 * The NATS mapper: only domain codes reach the caller. Anything else (a database error also
 * carries a string `code`) becomes a plain error, which the responder logs with an id and
 * answers as INTERNAL; only a ReplyError crosses the wire with its code.
 */
export function toReplyError(error: unknown): Error {
  if (!(error instanceof KubeconfigException)) return new Error('kubeconfig request failed', { cause: error });
  switch (error.code) {
    case KubeconfigErrorCode.NoAccess:
    case KubeconfigErrorCode.PolicyUnavailable:
    case KubeconfigErrorCode.NotFound:
      return new ReplyError(error.code, error.message);
  }
}
