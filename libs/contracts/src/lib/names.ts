/*
 * NEVER RENAME anything in this file: these names are persistent state.
 * JetStream streams, durable consumers and subjects outlive every deployment; renaming one
 * orphans stored messages and consumer positions. A breaking change gets a new name.
 */

export const SUBJECT_PREFIX = 'portcullis.v1';

export const Subjects = {
  identityUserUpserted: 'portcullis.v1.identity.user.upserted',
  identityUsersList: 'portcullis.v1.identity.users.list',
  identityGroupsList: 'portcullis.v1.identity.groups.list',
  policyGrantChanged: 'portcullis.v1.policy.grant.changed',
  policyClusterChanged: 'portcullis.v1.policy.cluster.changed',
  policyRoleChanged: 'portcullis.v1.policy.role.changed',
  policySettingsChanged: 'portcullis.v1.policy.settings.changed',
  policyAdminAction: 'portcullis.v1.policy.admin.action',
  policyEffectiveAccess: 'portcullis.v1.policy.access.effective',
  policyClusterLookup: 'portcullis.v1.policy.cluster.lookup',
  policyClusterCredential: 'portcullis.v1.policy.cluster.credential',
  policyClusterLookupV2: 'portcullis.v1.policy.cluster.lookup-v2',
  policyClusterStatus: 'portcullis.v1.policy.cluster.status',
  agentEnroll: 'portcullis.v1.agent.enroll',
  agentRenew: 'portcullis.v1.agent.renew',
  kubeconfigIssued: 'portcullis.v1.kubeconfig.issued',
  kubeconfigRevoked: 'portcullis.v1.kubeconfig.revoked',
  kubeconfigIssue: 'portcullis.v1.kubeconfig.issue',
  kubeconfigList: 'portcullis.v1.kubeconfig.list',
  kubeconfigRevoke: 'portcullis.v1.kubeconfig.revoke',
  kubeconfigRevokeUser: 'portcullis.v1.kubeconfig.revoke-user',
  proxyRequest: 'portcullis.v1.proxy.request',
  proxyRequestBatch: 'portcullis.v1.proxy.request-batch',
  proxyTunnel: 'portcullis.v1.proxy.tunnel',
  saProvisioned: 'portcullis.v1.sa.provisioned',
  saExpired: 'portcullis.v1.sa.expired',
  saTokenEnsure: 'portcullis.v1.sa.token.ensure',
  saList: 'portcullis.v1.sa.list',
  auditQuery: 'portcullis.v1.audit.query',
  auditVerify: 'portcullis.v1.audit.verify',
  auditEventStored: 'portcullis.v1.audit.event.stored',
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

/** JetStream key-value buckets. */
export const Buckets = {
  /** Which proxy replica holds which cluster's agent tunnel (TunnelPresenceV1, key `<cluster>.<replica>`). */
  tunnelPresence: 'PORTCULLIS_TUNNELS',
} as const;

export const DurableConsumers = {
  auditRequests: 'audit-requests',
  auditRequestBatches: 'audit-request-batches',
  auditAdminActions: 'audit-admin-actions',
  auditKubeconfigIssued: 'audit-kubeconfig-issued',
  auditKubeconfigRevoked: 'audit-kubeconfig-revoked',
  auditSaProvisioned: 'audit-sa-provisioned',
  auditSaExpired: 'audit-sa-expired',
  auditTunnelEvents: 'audit-tunnel-events',
  provisionerRequests: 'sa-provisioner-requests',
  provisionerRequestBatches: 'sa-provisioner-request-batches',
  provisionerGrantChanged: 'sa-provisioner-grant-changed',
  provisionerRoleChanged: 'sa-provisioner-role-changed',
  provisionerClusterChanged: 'sa-provisioner-cluster-changed',
  provisionerKubeconfigRevoked: 'sa-provisioner-kubeconfig-revoked',
} as const;
