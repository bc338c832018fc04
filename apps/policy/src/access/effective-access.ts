import { EffectiveAccessEntry } from '@portcullis/contracts';
import { ClusterEntity } from '../clusters/cluster.entity';
import { GrantEntity, GrantSubjectKind } from '../grants/grant.entity';
import { clustersOfGrant } from '../grants/grants.service';

/** An entry of effective access, with the subject whose grant it comes from (for admins' eyes). */
export interface ResolvedAccessEntry extends EffectiveAccessEntry {
  subject: { kind: GrantSubjectKind; name: string };
}

/**
 * The union of a person's grants (theirs and their groups'), one entry per grant and cluster
 * it applies to, against the clusters as they are now. Ordered by cluster, then role, so
 * consumers and people see a stable list.
 */
export function resolveEffectiveAccess(grants: GrantEntity[], clusters: ClusterEntity[]): ResolvedAccessEntry[] {
  const entries = grants.flatMap((grant) => {
    const role = grant.role;
    if (!role) throw new Error(`grant ${grant.id} was loaded without its role`);
    return clustersOfGrant(grant, clusters).map(
      (cluster): ResolvedAccessEntry => ({
        grantId: grant.id,
        cluster: { id: cluster.id, name: cluster.name, displayName: cluster.displayName },
        role: { name: role.name, builtIn: role.builtIn, rules: role.builtIn ? [] : role.rules },
        namespaces: grant.namespaces,
        subject: { kind: grant.subjectKind, name: grant.subjectName },
      }),
    );
  });
  return entries.sort(
    (a, b) => a.cluster.name.localeCompare(b.cluster.name) || a.role.name.localeCompare(b.role.name) || a.grantId.localeCompare(b.grantId),
  );
}
