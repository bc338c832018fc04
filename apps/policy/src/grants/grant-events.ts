import { GrantChangedV1 } from '@portcullis/contracts';
import { randomUUID } from 'node:crypto';
import type { AdminActor } from '../admin-actions/admin-action.log';
import { GrantEntity } from './grant.entity';

/** A grant as events and audit snapshots describe it; the role by name, as Kubernetes knows it. */
export function grantState(grant: GrantEntity, roleName: string): NonNullable<GrantChangedV1['grant']> {
  return {
    subject: { kind: grant.subjectKind, name: grant.subjectName },
    role: roleName,
    clusterId: grant.clusterId,
    clusterSelector: grant.clusterSelector,
    namespaces: grant.namespaces,
  };
}

export function grantChanged(change: GrantChangedV1['change'], grant: GrantEntity, roleName: string, actor: AdminActor): GrantChangedV1 {
  return {
    id: randomUUID(),
    occurredAt: new Date().toISOString(),
    grantId: grant.id,
    change,
    changedBy: actor.userId,
    grant: change === 'deleted' ? null : grantState(grant, roleName),
  };
}

export function grantSnapshot(grant: GrantEntity, roleName: string): Record<string, unknown> {
  return { id: grant.id, ...grantState(grant, roleName) };
}
