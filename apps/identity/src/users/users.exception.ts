import { DomainException } from '@portcullis/platform/errors';

export enum UsersErrorCode {
  Disabled = 'USER_DISABLED',
}

export class UsersException extends DomainException<UsersErrorCode> {}
