import { DomainException } from '@portcullis/platform/errors';
import { ReplyError } from '@portcullis/platform/messaging';
/** The codes callers of the provisioner act on; they travel as NATS reply codes unchanged. */
export enum ProvisionerErrorCode {
  /** The person has no grant on the cluster. */
  NoAccess = 'NO_ACCESS',
  /** Policy knows no cluster of that name. */
  ClusterNotFound = 'CLUSTER_NOT_FOUND',
  /** The cluster's API server did not answer (refused, timed out, TLS failed). */
  ClusterUnreachable = 'CLUSTER_UNREACHABLE',
  /** The cluster answered, but refused what the provisioner asked (the management credential, say). */
  ClusterFailed = 'CLUSTER_FAILED',
  /** Policy did not answer the access or credential question. */
  PolicyUnavailable = 'POLICY_UNAVAILABLE',
}

export class ProvisionerException extends DomainException<ProvisionerErrorCode> {}

/**
 * The NATS mapper: only domain codes reach the caller. Anything else (a database error also
 * carries a string `code`) becomes a plain error, which the responder logs with an id and
 * answers as INTERNAL; only a ReplyError crosses the wire with its code.
 */
export function toReplyError(error: unknown): Error {
  if (!(error instanceof ProvisionerException)) return new Error('sa-provisioner request failed', { cause: error });
  switch (error.code) {
    case ProvisionerErrorCode.NoAccess:
    case ProvisionerErrorCode.ClusterNotFound:
    case ProvisionerErrorCode.ClusterUnreachable:
    case ProvisionerErrorCode.ClusterFailed:
    case ProvisionerErrorCode.PolicyUnavailable:
      return new ReplyError(error.code, error.message);
  }
}
