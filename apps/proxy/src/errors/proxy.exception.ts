import { DomainException } from '@portcullis/platform/errors';

/** Why the proxy refused or could not complete a request; one mapper turns each into a Kubernetes `Status`. */
export enum ProxyErrorCode {
  MalformedRequest = 'MALFORMED_REQUEST',
  MethodNotAllowed = 'METHOD_NOT_ALLOWED',
  PathNotAllowed = 'PATH_NOT_ALLOWED',
  NotProxied = 'NOT_PROXIED',
  CredentialMissing = 'CREDENTIAL_MISSING',
  CredentialInvalid = 'CREDENTIAL_INVALID',
  CredentialExpired = 'CREDENTIAL_EXPIRED',
  CredentialRevoked = 'CREDENTIAL_REVOKED',
  UnknownCluster = 'UNKNOWN_CLUSTER',
  ClusterNotGranted = 'CLUSTER_NOT_GRANTED',
  PolicyUnavailable = 'POLICY_UNAVAILABLE',
  ProvisionerUnavailable = 'PROVISIONER_UNAVAILABLE',
  ClusterUnreachable = 'CLUSTER_UNREACHABLE',
  ClusterDisconnected = 'CLUSTER_DISCONNECTED',
  AuditUnavailable = 'AUDIT_UNAVAILABLE',
  ShuttingDown = 'SHUTTING_DOWN',
}

export class ProxyException extends DomainException<ProxyErrorCode> {}
