import { ClusterChangedV1 } from '@portcullis/contracts';
import { createHash, randomUUID } from 'node:crypto';
import type { AdminActor } from '../admin-actions/admin-action.log';
import { ClusterEntity } from './cluster.entity';

/** The event other services build their cluster view from: everything but the credential. */
export function clusterChanged(change: ClusterChangedV1['change'], clusterId: string, cluster: ClusterEntity | null, actor: AdminActor): ClusterChangedV1 {
  return {
    id: randomUUID(),
    occurredAt: new Date().toISOString(),
    clusterId,
    change,
    changedBy: actor.userId,
    cluster: cluster && {
      name: cluster.name,
      displayName: cluster.displayName,
      server: cluster.server,
      caBundle: cluster.caBundle,
      labels: cluster.labels,
      idleTimeoutSeconds: cluster.idleTimeoutSeconds,
    },
  };
}

/** The audit picture of a cluster: the credential appears only as its kind and when it was set. */
export function clusterSnapshot(cluster: ClusterEntity): Record<string, unknown> {
  return {
    id: cluster.id,
    name: cluster.name,
    displayName: cluster.displayName,
    mode: cluster.mode,
    server: cluster.server,
    caBundleSha256: cluster.caBundle === null ? null : createHash('sha256').update(cluster.caBundle).digest('hex'),
    labels: cluster.labels,
    idleTimeoutSeconds: cluster.idleTimeoutSeconds,
    credentialKind: cluster.credentialKind,
    credentialUpdatedAt: cluster.credentialUpdatedAt?.toISOString() ?? null,
  };
}
