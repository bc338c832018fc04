import { DomainException } from '@portcullis/platform/errors';

export enum ExportErrorCode {
  Unauthenticated = 'UNAUTHENTICATED',
  Forbidden = 'FORBIDDEN',
  InvalidRange = 'INVALID_RANGE',
  NotConfigured = 'NOT_CONFIGURED',
}

export class ExportException extends DomainException<ExportErrorCode> {}
