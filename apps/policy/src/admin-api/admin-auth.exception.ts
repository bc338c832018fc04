import { DomainException } from '@portcullis/platform/errors';

export enum AdminAuthErrorCode {
  /** No platform token, or one that is malformed, forged, for someone else or expired. */
  Unauthenticated = 'ADMIN_UNAUTHENTICATED',
  /** A valid token of someone who is not a Portcullis admin. */
  Forbidden = 'ADMIN_FORBIDDEN',
}

export class AdminAuthException extends DomainException<AdminAuthErrorCode> {}
