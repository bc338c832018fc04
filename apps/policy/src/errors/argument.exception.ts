import { DomainException } from '@portcullis/platform/errors';

export enum ArgumentErrorCode {
  /** An argument the schema accepts but the operation cannot (a page size out of range, say). */
  Invalid = 'ARGUMENT_INVALID',
}

export class ArgumentException extends DomainException<ArgumentErrorCode> {
  static invalid(message: string): ArgumentException {
    return new ArgumentException(ArgumentErrorCode.Invalid, message);
  }
}
