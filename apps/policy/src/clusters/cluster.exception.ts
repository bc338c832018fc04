import { DomainException } from '@portcullis/platform/errors';

export enum ClusterErrorCode {
  NotFound = 'CLUSTER_NOT_FOUND',
  NameTaken = 'CLUSTER_NAME_TAKEN',
  /** A malformed name, URL, CA bundle, label, credential or timeout. */
  InvalidInput = 'CLUSTER_INVALID_INPUT',
  /** Registration checks the API server with the credential; these say why that failed. */
  Unreachable = 'CLUSTER_UNREACHABLE',
  TlsFailed = 'CLUSTER_TLS_FAILED',
  CredentialRejected = 'CLUSTER_CREDENTIAL_REJECTED',
  UnexpectedAnswer = 'CLUSTER_UNEXPECTED_ANSWER',
  /** The cluster is in agent mode: it has no server, CA bundle or management credential Portcullis uses. */
  AgentMode = 'CLUSTER_AGENT_MODE',
}

export class ClusterException extends DomainException<ClusterErrorCode> {}
