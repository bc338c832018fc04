import { DomainException } from '../errors/domain.exception';

export enum AccessErrorCode {
  UserNotFound = 'USER_NOT_FOUND',
}

export class AccessException extends DomainException<AccessErrorCode> {}
