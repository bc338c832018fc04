import { AdminActionV1, KubeconfigIssuedV1, KubeconfigRevokedV1, ProxyRequestV1, SaExpiredV1, SaProvisionedV1, TunnelEventV1 } from '@portcullis/contracts';
import { randomUUID } from 'node:crypto';

export function proxyRequest(overrides: Partial<ProxyRequestV1> = {}): ProxyRequestV1 {
  return {
    id: randomUUID(),
    occurredAt: new Date().toISOString(),
    userId: 'alice',
    groups: ['developers'],
    kubeconfigId: randomUUID(),
    cluster: 'dev',
    decision: 'allowed',
    verb: 'get',
    apiGroup: '',
    apiVersion: 'v1',
    resource: 'pods',
    subresource: '',
    namespace: 'default',
    name: 'web-1',
    path: '/api/v1/namespaces/default/pods/web-1',
    responseStatus: 200,
    latencyMs: 4.5,
    bytesIn: 0,
    bytesOut: 1_024,
    userAgent: 'kubectl/v1.32.4 (linux/amd64) kubernetes/d4f0c9c',
    sourceAddress: '10.0.0.7:50412',
    traceId: null,
    ...overrides,
  };
}

const now = () => ({ id: randomUUID(), occurredAt: new Date().toISOString() });

export const controlPlaneEvents = {
  adminAction: (): AdminActionV1 => ({
    ...now(),
    actor: { userId: 'root-admin', email: 'root@example.com' },
    action: 'grant.create',
    target: { kind: 'grant', id: 'g-42' },
    before: null,
    after: { role: 'view', subject: 'group:developers' },
    outcome: 'failed',
    error: 'role view does not exist',
  }),
  kubeconfigIssued: (): KubeconfigIssuedV1 => ({
    ...now(),
    kubeconfigId: randomUUID(),
    userId: 'carol',
    groups: ['sre'],
    clusters: ['dev', 'prod'],
    expiresAt: new Date(Date.now() + 86_400_000).toISOString(),
  }),
  kubeconfigRevoked: (): KubeconfigRevokedV1 => ({
    ...now(),
    kubeconfigId: randomUUID(),
    userId: 'carol',
    revokedBy: 'root-admin',
    reason: 'lost laptop',
    expiresAt: new Date(Date.now() + 86_400_000).toISOString(),
  }),
  saProvisioned: (): SaProvisionedV1 => ({ ...now(), userId: 'carol', cluster: 'prod', namespace: 'portcullis-jit', serviceAccount: 'jit-carol' }),
  saExpired: (): SaExpiredV1 => ({ ...now(), userId: 'carol', cluster: 'prod', namespace: 'portcullis-jit', serviceAccount: 'jit-carol', reason: 'idle' }),
  tunnelRefused: (): TunnelEventV1 => ({
    ...now(),
    kind: 'refused',
    cluster: 'private-eu',
    clusterId: null,
    replica: 'proxy-7c9f-a',
    agentVersion: null,
    peerAddress: '203.0.113.7',
    reason: 'this agent identity was revoked or replaced; re-register the cluster',
  }),
};
