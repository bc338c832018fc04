import { ClusterEntity } from '../clusters/cluster.entity';
import { GrantEntity } from '../grants/grant.entity';
import { RoleEntity } from '../roles/role.entity';
import { resolveEffectiveAccess } from './effective-access';

function cluster(name: string, labels: Record<string, string>): ClusterEntity {
  return Object.assign(new ClusterEntity(), { id: `id-${name}`, name, displayName: name.toUpperCase(), labels });
}

function role(name: string, builtIn: boolean): RoleEntity {
  return Object.assign(new RoleEntity(), { id: `role-${name}`, name, builtIn, rules: builtIn ? [] : [{ apiGroups: [''], resources: ['pods'], resourceNames: [], nonResourceURLs: [], verbs: ['get'] }] });
}

function grant(id: string, subject: [GrantEntity['subjectKind'], string], grantedRole: RoleEntity, target: { clusterId?: string; selector?: Record<string, string> }, namespaces: string[] = []): GrantEntity {
  return Object.assign(new GrantEntity(), {
    id,
    subjectKind: subject[0],
    subjectName: subject[1],
    role: grantedRole,
    roleId: grantedRole.id,
    clusterId: target.clusterId ?? null,
    clusterSelector: target.selector ?? null,
    namespaces,
  });
}

describe(resolveEffectiveAccess.name, () => {
  const clusters = [cluster('bravo', { env: 'prod' }), cluster('alpha', { env: 'prod', region: 'eu' }), cluster('charlie', { env: 'dev' })];
  const edit = role('edit', true);
  const reader = role('pod-reader', false);

  it('unions user and group grants into one entry per grant and cluster, ordered by cluster then role', () => {
    const sut = resolveEffectiveAccess(
      [
        grant('g-user', ['user', 'u-1'], edit, { clusterId: 'id-alpha' }, ['payments']),
        grant('g-group', ['group', 'sre'], reader, { selector: { env: 'prod' } }),
        grant('g-dev', ['group', 'developers'], edit, { clusterId: 'id-charlie' }),
      ],
      clusters,
    );

    expect(sut.map((entry) => [entry.grantId, entry.cluster.name, entry.role.name, entry.namespaces, entry.subject.name])).toEqual([
      ['g-user', 'alpha', 'edit', ['payments'], 'u-1'],
      ['g-group', 'alpha', 'pod-reader', [], 'sre'],
      ['g-group', 'bravo', 'pod-reader', [], 'sre'],
      ['g-dev', 'charlie', 'edit', [], 'developers'],
    ]);
  });

  it('carries rules for custom roles only: built-in roles are the cluster’s own ClusterRoles', () => {
    const [builtIn, custom] = resolveEffectiveAccess([grant('a', ['user', 'u'], edit, { clusterId: 'id-alpha' }), grant('b', ['user', 'u'], reader, { clusterId: 'id-bravo' })], clusters);

    expect(builtIn.role).toEqual({ name: 'edit', builtIn: true, rules: [] });
    expect(custom.role.rules).toHaveLength(1);
  });

  it('gives nothing for a selector no cluster matches, or a cluster that is gone', () => {
    expect(resolveEffectiveAccess([grant('a', ['group', 'g'], edit, { selector: { env: 'qa' } }), grant('b', ['group', 'g'], edit, { clusterId: 'id-gone' })], clusters)).toEqual([]);
  });
});
