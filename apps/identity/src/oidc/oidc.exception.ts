import { DomainException } from '@portcullis/platform/errors';

export enum OidcErrorCode {
  /** The IdP could not be reached or answered nonsense: not the person's fault. */
  IdpUnavailable = 'IDP_UNAVAILABLE',
  /** state or nonce did not match, or the callback was malformed: possibly a forged callback. */
  InvalidCallback = 'INVALID_CALLBACK',
  /** The IdP, or Portcullis, refused this person. */
  AccessDenied = 'ACCESS_DENIED',
}

export class OidcException extends DomainException<OidcErrorCode> {}
