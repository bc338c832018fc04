import {
  AdminActionV1,
  ConsumerDefinition,
  consumerDefinitions,
  EventContract,
  KubeconfigIssuedV1,
  KubeconfigRevokedV1,
  PROXY_REQUEST_BATCH_MAX,
  ProxyRequestBatchV1,
  ProxyRequestV1,
  SaExpiredV1,
  SaProvisionedV1,
  TunnelEventV1,
} from '@portcullis/contracts';
import { DeliveryContext } from '@portcullis/platform/messaging';
import { z } from 'zod';
import { AuditRecord } from '../trail/audit-record';

/** One event type audit stores: where it comes from and how it becomes records. */
export interface AuditSource<C extends EventContract = EventContract> {
  contract: C;
  consumer: ConsumerDefinition;
  /** Records one message yields under load, so that a consumer batch of messages stays near the INSERT size. */
  recordsPerMessage: number;
  toRecords: (event: z.infer<C['schema']>, delivery: DeliveryContext) => AuditRecord[];
}

/** A source whose messages each carry one event. */
function source<C extends EventContract>(definition: {
  contract: C;
  consumer: ConsumerDefinition;
  toRecord: (event: z.infer<C['schema']>, delivery: DeliveryContext) => AuditRecord;
}): AuditSource {
  const { toRecord } = definition;
  const typed: AuditSource<C> = {
    contract: definition.contract,
    consumer: definition.consumer,
    recordsPerMessage: 1,
    toRecords: (event, delivery) => [toRecord(event, delivery)],
  };
  return typed as unknown as AuditSource;
}

/** The trace of the message that carried a control-plane event (W3C traceparent: version-traceid-spanid-flags). */
function traceIdOf(delivery: DeliveryContext): string | null {
  const traceparent = delivery.headers?.get('traceparent') ?? '';
  const traceId = traceparent.split('-')[1];
  return traceId && /^[0-9a-f]{32}$/.test(traceId) ? traceId : null;
}

/** The request fields a control-plane record has no value for. */
const noRequest = {
  groups: [] as string[],
  kubeconfigId: null,
  cluster: null,
  decision: 'allowed' as const,
  apiGroup: '',
  apiVersion: '',
  subresource: '',
  namespace: '',
  path: '',
  responseStatus: 200,
  latencyMs: 0,
  bytesIn: null,
  bytesOut: null,
  userAgent: '',
  sourceAddress: '',
};

// Field by field: this runs for every request through the proxy, and spreads allocate.
function requestRecord(event: ProxyRequestV1): AuditRecord {
  return {
    id: event.id,
    occurredAt: event.occurredAt,
    kind: 'proxy.request',
    userId: event.userId,
    groups: event.groups,
    kubeconfigId: event.kubeconfigId,
    cluster: event.cluster,
    decision: event.decision,
    verb: event.verb,
    apiGroup: event.apiGroup,
    apiVersion: event.apiVersion,
    resource: event.resource,
    subresource: event.subresource,
    namespace: event.namespace,
    name: event.name,
    path: event.path,
    responseStatus: event.responseStatus,
    latencyMs: event.latencyMs,
    bytesIn: event.bytesIn,
    bytesOut: event.bytesOut,
    userAgent: event.userAgent,
    sourceAddress: event.sourceAddress,
    traceId: event.traceId,
    details: null,
  };
}

export const auditSources: AuditSource[] = [
  {
    contract: ProxyRequestBatchV1,
    consumer: consumerDefinitions.auditRequestBatches,
    // Half the most a batch holds: what the proxy's linger collects at thousands of requests/s.
    recordsPerMessage: PROXY_REQUEST_BATCH_MAX / 2,
    toRecords: (batch) => batch.requests.map(requestRecord),
  } satisfies AuditSource<typeof ProxyRequestBatchV1> as unknown as AuditSource,
  // Proxies of earlier versions publish one message per request.
  source({ contract: ProxyRequestV1, consumer: consumerDefinitions.auditRequests, toRecord: requestRecord }),
  source({
    contract: AdminActionV1,
    consumer: consumerDefinitions.auditAdminActions,
    toRecord: (event, delivery) => ({
      ...noRequest,
      id: event.id,
      occurredAt: event.occurredAt,
      kind: 'policy.admin.action',
      userId: event.actor.userId,
      decision: event.outcome === 'succeeded' ? 'allowed' : 'denied',
      responseStatus: event.outcome === 'succeeded' ? 200 : 400,
      verb: event.action,
      resource: event.target.kind,
      name: event.target.id ?? '',
      traceId: traceIdOf(delivery),
      details: { actorEmail: event.actor.email, before: event.before, after: event.after, outcome: event.outcome, error: event.error },
    }),
  }),
  source({
    contract: KubeconfigIssuedV1,
    consumer: consumerDefinitions.auditKubeconfigIssued,
    toRecord: (event, delivery) => ({
      ...noRequest,
      id: event.id,
      occurredAt: event.occurredAt,
      kind: 'kubeconfig.issued',
      userId: event.userId,
      groups: event.groups,
      kubeconfigId: event.kubeconfigId,
      verb: 'issue',
      resource: 'kubeconfigs',
      name: event.kubeconfigId,
      traceId: traceIdOf(delivery),
      details: { clusters: event.clusters, expiresAt: event.expiresAt },
    }),
  }),
  source({
    contract: KubeconfigRevokedV1,
    consumer: consumerDefinitions.auditKubeconfigRevoked,
    toRecord: (event, delivery) => ({
      ...noRequest,
      id: event.id,
      occurredAt: event.occurredAt,
      kind: 'kubeconfig.revoked',
      userId: event.revokedBy,
      kubeconfigId: event.kubeconfigId,
      verb: 'revoke',
      resource: 'kubeconfigs',
      name: event.kubeconfigId,
      traceId: traceIdOf(delivery),
      details: { ownerUserId: event.userId, reason: event.reason, expiresAt: event.expiresAt },
    }),
  }),
  source({
    contract: SaProvisionedV1,
    consumer: consumerDefinitions.auditSaProvisioned,
    toRecord: (event, delivery) => ({
      ...noRequest,
      id: event.id,
      occurredAt: event.occurredAt,
      kind: 'sa.provisioned',
      userId: event.userId,
      cluster: event.cluster,
      namespace: event.namespace,
      verb: 'provision',
      resource: 'serviceaccounts',
      name: event.serviceAccount,
      traceId: traceIdOf(delivery),
      details: null,
    }),
  }),
  source({
    contract: SaExpiredV1,
    consumer: consumerDefinitions.auditSaExpired,
    toRecord: (event, delivery) => ({
      ...noRequest,
      id: event.id,
      occurredAt: event.occurredAt,
      kind: 'sa.expired',
      userId: event.userId,
      cluster: event.cluster,
      namespace: event.namespace,
      verb: 'expire',
      resource: 'serviceaccounts',
      name: event.serviceAccount,
      traceId: traceIdOf(delivery),
      details: { reason: event.reason },
    }),
  }),
  source({
    contract: TunnelEventV1,
    consumer: consumerDefinitions.auditTunnelEvents,
    toRecord: (event, delivery) => ({
      ...noRequest,
      id: event.id,
      occurredAt: event.occurredAt,
      kind: 'proxy.tunnel',
      // The agent acts for the cluster; there is no person behind a tunnel.
      userId: event.cluster ? `agent:${event.cluster}` : 'agent:unknown',
      cluster: event.cluster,
      verb: event.kind === 'connected' ? 'connect' : event.kind === 'disconnected' ? 'disconnect' : 'refuse',
      resource: 'tunnels',
      name: event.replica,
      decision: event.kind === 'refused' ? 'denied' : 'allowed',
      traceId: traceIdOf(delivery),
      details: { replica: event.replica, agentVersion: event.agentVersion, peerAddress: event.peerAddress, reason: event.reason, clusterId: event.clusterId },
    }),
  }),
];
