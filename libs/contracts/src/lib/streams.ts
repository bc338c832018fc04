import { DurableConsumers, Streams, Subjects } from './names';

export interface StreamDefinition {
  name: string;
  subjects: string[];
  /** Seconds to keep messages; 0 keeps them until limits below apply. */
  maxAgeSeconds: number;
  /** Window within which a repeated Nats-Msg-Id is dropped (the outbox relay may re-send after a crash). */
  duplicateWindowSeconds: number;
}

export interface ConsumerDefinition {
  stream: string;
  durable: string;
  filterSubjects: string[];
  /** After this many deliveries a failing message is dead-lettered instead of retried forever. */
  maxDeliver: number;
  ackWaitSeconds: number;
}

const DAY = 24 * 60 * 60;

export const streamDefinitions: readonly StreamDefinition[] = [
  {
    name: Streams.state,
    subjects: [
      `${Subjects.identityUserUpserted}`,
      `${Subjects.policyGrantChanged}`,
      `${Subjects.policyClusterChanged}`,
      `${Subjects.policyRoleChanged}`,
      `${Subjects.policySettingsChanged}`,
      `${Subjects.policyAdminAction}`,
      `${Subjects.kubeconfigIssued}`,
      `${Subjects.kubeconfigRevoked}`,
      `${Subjects.saProvisioned}`,
      `${Subjects.saExpired}`,
      `${Subjects.proxyTunnel}`,
    ],
    // Revocations must be replayable for as long as a kubeconfig can live (default 7 days) plus margin.
    maxAgeSeconds: 30 * DAY,
    duplicateWindowSeconds: 120,
  },
  {
    name: Streams.requests,
    subjects: [Subjects.proxyRequest, Subjects.proxyRequestBatch],
    maxAgeSeconds: 7 * DAY,
    duplicateWindowSeconds: 120,
  },
  {
    name: Streams.deadLetter,
    subjects: [`${Subjects.deadLetterPrefix}.>`],
    maxAgeSeconds: 30 * DAY,
    duplicateWindowSeconds: 120,
  },
];

/** One durable consumer of one state event type (STYLE: one consumer per event type). */
function stateConsumer(durable: string, subject: string): ConsumerDefinition {
  return { stream: Streams.state, durable, filterSubjects: [subject], maxDeliver: 10, ackWaitSeconds: 30 };
}

export const consumerDefinitions = {
  auditRequests: {
    stream: Streams.requests,
    durable: DurableConsumers.auditRequests,
    filterSubjects: [Subjects.proxyRequest],
    maxDeliver: 10,
    ackWaitSeconds: 30,
  },
  auditRequestBatches: {
    stream: Streams.requests,
    durable: DurableConsumers.auditRequestBatches,
    filterSubjects: [Subjects.proxyRequestBatch],
    maxDeliver: 10,
    ackWaitSeconds: 30,
  },
  auditAdminActions: stateConsumer(DurableConsumers.auditAdminActions, Subjects.policyAdminAction),
  auditKubeconfigIssued: stateConsumer(DurableConsumers.auditKubeconfigIssued, Subjects.kubeconfigIssued),
  auditKubeconfigRevoked: stateConsumer(DurableConsumers.auditKubeconfigRevoked, Subjects.kubeconfigRevoked),
  auditSaProvisioned: stateConsumer(DurableConsumers.auditSaProvisioned, Subjects.saProvisioned),
  auditSaExpired: stateConsumer(DurableConsumers.auditSaExpired, Subjects.saExpired),
  auditTunnelEvents: stateConsumer(DurableConsumers.auditTunnelEvents, Subjects.proxyTunnel),
  provisionerRequests: {
    stream: Streams.requests,
    durable: DurableConsumers.provisionerRequests,
    filterSubjects: [Subjects.proxyRequest],
    maxDeliver: 10,
    ackWaitSeconds: 30,
  },
  provisionerRequestBatches: {
    stream: Streams.requests,
    durable: DurableConsumers.provisionerRequestBatches,
    filterSubjects: [Subjects.proxyRequestBatch],
    maxDeliver: 10,
    ackWaitSeconds: 30,
  },
  provisionerGrantChanged: stateConsumer(DurableConsumers.provisionerGrantChanged, Subjects.policyGrantChanged),
  provisionerRoleChanged: stateConsumer(DurableConsumers.provisionerRoleChanged, Subjects.policyRoleChanged),
  provisionerClusterChanged: stateConsumer(DurableConsumers.provisionerClusterChanged, Subjects.policyClusterChanged),
  provisionerKubeconfigRevoked: stateConsumer(DurableConsumers.provisionerKubeconfigRevoked, Subjects.kubeconfigRevoked),
} as const satisfies Record<string, ConsumerDefinition>;

export function deadLetterSubject(durable: string): string {
  return `${Subjects.deadLetterPrefix}.${durable}`;
}
