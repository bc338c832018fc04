export enum ExportErrorCode {
  Unauthenticated = 'UNAUTHENTICATED',
  Forbidden = 'FORBIDDEN',
  InvalidRange = 'INVALID_RANGE',
  NotConfigured = 'NOT_CONFIGURED',
}

export class ExportException extends Error {
  constructor(
    readonly code: ExportErrorCode,
    message: string,
  ) {
    super(message);
    this.name = 'ExportException';
  }
}
