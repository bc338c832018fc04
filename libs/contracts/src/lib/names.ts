/*
 * NEVER RENAME anything in this file: these names are persistent state.
 * JetStream streams, durable consumers and subjects outlive every deployment; renaming one
 * orphans stored messages and consumer positions. A breaking change gets a new name.
 */

export const SUBJECT_PREFIX = 'portcullis.v1';

export const Subjects = {
  identityUserUpserted: 'portcullis.v1.identity.user.upserted',
  policyGrantChanged: 'portcullis.v1.policy.grant.changed',
  kubeconfigIssued: 'portcullis.v1.kubeconfig.issued',
  kubeconfigRevoked: 'portcullis.v1.kubeconfig.revoked',
  proxyRequest: 'portcullis.v1.proxy.request',
  saProvisioned: 'portcullis.v1.sa.provisioned',
  saExpired: 'portcullis.v1.sa.expired',
  saTokenEnsure: 'portcullis.v1.sa.token.ensure',
  deadLetterPrefix: 'portcullis.v1.deadletter',
} as const;

export const Streams = {
  /** Control-plane state changes: small, must be kept long enough to rebuild views. */
  state: 'PORTCULLIS_STATE',
  /** The data plane's request events: high volume, consumed by audit and the provisioner. */
  requests: 'PORTCULLIS_REQUESTS',
  /** Messages a consumer could not accept, kept for inspection. */
  deadLetter: 'PORTCULLIS_DEADLETTER',
} as const;

export const DurableConsumers = {
  auditRequests: 'audit-requests',
  auditState: 'audit-state',
  provisionerRequests: 'sa-provisioner-requests',
  provisionerState: 'sa-provisioner-state',
  proxyState: 'proxy-state',
} as const;
