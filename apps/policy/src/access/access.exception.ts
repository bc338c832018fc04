import { DomainException } from '@portcullis/platform/errors';

export enum AccessErrorCode {
  UserNotFound = 'USER_NOT_FOUND',
}

export class AccessException extends DomainException<AccessErrorCode> {}
