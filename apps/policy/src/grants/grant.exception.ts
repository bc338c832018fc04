import { DomainException } from '@portcullis/platform/errors';

export enum GrantErrorCode {
  NotFound = 'GRANT_NOT_FOUND',
  /** The same subject already has the same role on the same target and namespaces. */
  Duplicate = 'GRANT_DUPLICATE',
  InvalidInput = 'GRANT_INVALID_INPUT',
}

export class GrantException extends DomainException<GrantErrorCode> {}
