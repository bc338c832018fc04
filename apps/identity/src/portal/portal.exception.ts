export enum PortalErrorCode {
  Unauthenticated = 'UNAUTHENTICATED',
  Forbidden = 'FORBIDDEN',
  NotFound = 'NOT_FOUND',
  NoAccess = 'NO_ACCESS',
  ServiceUnavailable = 'SERVICE_UNAVAILABLE',
}

export class PortalException extends Error {
  constructor(
    readonly code: PortalErrorCode,
    message: string,
  ) {
    super(message);
    this.name = 'PortalException';
  }
}
