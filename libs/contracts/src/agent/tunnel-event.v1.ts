import { z } from 'zod';
import { defineEvent, EventOf } from '../lib/contract';
import { Subjects } from '../lib/names';

/**
 * An agent's tunnel connected to a proxy replica, went away, or was refused (bad certificate,
 * revoked identity, unknown cluster, protocol violation): for the audit trail and the metrics.
 */
export const TunnelEventV1 = defineEvent({
  subject: Subjects.proxyTunnel,
  schemaName: 'proxy.tunnel.v1',
  shape: {
    kind: z.enum(['connected', 'disconnected', 'refused']),
    /** The cluster the certificate names; null when the peer presented none that could be read. */
    cluster: z.string().max(253).nullable(),
    clusterId: z.uuid().nullable(),
    /** The proxy replica that held or refused the tunnel. */
    replica: z.string().min(1),
    agentVersion: z.string().max(64).nullable(),
    peerAddress: z.string().max(64),
    /** Why it was refused or ended; null for a connect. */
    reason: z.string().max(500).nullable(),
  },
});
export type TunnelEventV1 = EventOf<typeof TunnelEventV1>;

/**
 * What a proxy replica announces in the tunnel presence bucket while it holds a cluster's tunnel
 * (key `<cluster>.<replica>`): other replicas relay to it, and policy reports connection state.
 * Entries expire unless refreshed, so a replica that died leaves no stale claim behind.
 */
export const tunnelPresenceV1 = z
  .object({
    cluster: z.string().min(1),
    clusterId: z.uuid(),
    replica: z.string().min(1),
    /** The replica's internal relay endpoint (mutual TLS), `https://host:port`. */
    relayUrl: z.url(),
    agentVersion: z.string().max(64),
    connectedAt: z.iso.datetime({ offset: true }),
    /** The last heartbeat the agent answered. */
    heartbeatAt: z.iso.datetime({ offset: true }),
  })
  .strict();
export type TunnelPresenceV1 = z.infer<typeof tunnelPresenceV1>;
