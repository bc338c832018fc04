import { DomainException } from '@portcullis/platform/errors';

export enum RoleErrorCode {
  NotFound = 'ROLE_NOT_FOUND',
  NameTaken = 'ROLE_NAME_TAKEN',
  /** A malformed name, description or PolicyRule. */
  InvalidInput = 'ROLE_INVALID_INPUT',
  /** cluster-admin, admin, edit and view mirror Kubernetes' own ClusterRoles and cannot change. */
  BuiltIn = 'ROLE_BUILT_IN',
  InUse = 'ROLE_IN_USE',
}

export class RoleException extends DomainException<RoleErrorCode> {}
