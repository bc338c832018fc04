import { DomainException } from '@portcullis/platform/errors';

export enum AgentErrorCode {
  /** AGENT_CA_CERT_FILE, AGENT_CA_KEY_FILE and AGENT_TUNNEL_URL are not set: agent mode is off. */
  NotConfigured = 'AGENT_MODE_NOT_CONFIGURED',
  /** The operation needs an agent-mode cluster and this one is in direct mode. */
  NotAgentCluster = 'AGENT_NOT_AN_AGENT_CLUSTER',
  /** Wrong, expired, used or revoked, or another cluster's: one code and one message for all. */
  BootstrapTokenInvalid = 'AGENT_BOOTSTRAP_TOKEN_INVALID',
  /** The certificate presented for renewal is not an accepted identity of that cluster. */
  Revoked = 'AGENT_REVOKED',
  CsrInvalid = 'AGENT_CSR_INVALID',
}

export class AgentException extends DomainException<AgentErrorCode> {}
