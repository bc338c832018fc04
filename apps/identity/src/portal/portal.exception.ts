import { DomainException } from '@portcullis/platform/errors';

export enum PortalErrorCode {
  Unauthenticated = 'UNAUTHENTICATED',
  Forbidden = 'FORBIDDEN',
  NotFound = 'NOT_FOUND',
  NoAccess = 'NO_ACCESS',
  ServiceUnavailable = 'SERVICE_UNAVAILABLE',
}

export class PortalException extends DomainException<PortalErrorCode> {}
