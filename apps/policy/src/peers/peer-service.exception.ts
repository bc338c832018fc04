import { DomainException } from '@portcullis/platform/errors';

export enum PeerServiceErrorCode {
  /** Nothing answered the request in time: the service is down or not deployed yet. */
  Unavailable = 'PEER_UNAVAILABLE',
  /** The service answered that the object does not exist. */
  NotFound = 'PEER_NOT_FOUND',
  /** The service refused the request as malformed. */
  Rejected = 'PEER_REJECTED',
}

export class PeerServiceException extends DomainException<PeerServiceErrorCode> {}
