import { DomainException } from '@portcullis/platform/errors';

export enum IdentityErrorCode {
  /** The tunnel endpoint refused the bootstrap token (invalid, expired, already used, other cluster). */
  BootstrapTokenRefused = 'BOOTSTRAP_TOKEN_REFUSED',
  /** The tunnel endpoint refused to renew the current certificate (the agent was revoked or re-registered). */
  IdentityRefused = 'IDENTITY_REFUSED',
  /** The tunnel endpoint did not answer, or answered 5xx/429: worth retrying. */
  EndpointUnavailable = 'ENDPOINT_UNAVAILABLE',
  /** The issued certificate is not for the agent's key or cluster. */
  CertificateMismatch = 'CERTIFICATE_MISMATCH',
  /** The identity Secret could not be read or written. */
  SecretUnavailable = 'SECRET_UNAVAILABLE',
}

/** Why the agent has no (new) identity. Messages never carry the token, the key or a certificate. */
export class IdentityException extends DomainException<IdentityErrorCode> {
  constructor(
    code: IdentityErrorCode,
    message: string,
    /** The HTTP status of the tunnel endpoint's answer, when there was one. */
    readonly status?: number,
  ) {
    super(code, message);
  }

  /** Whether trying the same thing again later can succeed (a refusal cannot). */
  get retryable(): boolean {
    switch (this.code) {
      case IdentityErrorCode.EndpointUnavailable:
      case IdentityErrorCode.SecretUnavailable:
        return true;
      case IdentityErrorCode.BootstrapTokenRefused:
      case IdentityErrorCode.IdentityRefused:
      case IdentityErrorCode.CertificateMismatch:
        return false;
    }
  }
}
