import { EffectiveAccessEntry } from '@portcullis/contracts';
import { randomUUID } from 'node:crypto';
import { planRbac } from './rbac-plan';

const subject = { namespace: 'portcullis-system', name: 'pc-0123456789abcdef', userHash: '0123456789abcdef' };
const labels = { 'app.kubernetes.io/managed-by': 'portcullis', 'portcullis.dev/user-hash': '0123456789abcdef' };
const saSubject = { namespace: 'portcullis-system', name: 'pc-0123456789abcdef' };
const podReader = [{ apiGroups: [''], resources: ['pods'], resourceNames: [], nonResourceURLs: [], verbs: ['get', 'list'] }];

function entry(role: string, namespaces: string[] = [], rules: EffectiveAccessEntry['role']['rules'] = []): EffectiveAccessEntry {
  return {
    grantId: randomUUID(),
    cluster: { id: randomUUID(), name: 'prod', displayName: 'Prod' },
    role: { name: role, builtIn: rules.length === 0, rules },
    namespaces,
  };
}

describe(planRbac.name, () => {
  it('binds a cluster-wide built-in role to the cluster’s own ClusterRole', () => {
    const sut = planRbac([entry('view')], subject);

    expect(sut).toEqual({
      clusterRoles: [],
      bindings: [{ namespace: null, name: 'pc-0123456789abcdef-view', clusterRole: 'view', labels, subject: saSubject }],
    });
  });

  it('binds a namespace-limited grant with one RoleBinding per namespace', () => {
    const sut = planRbac([entry('edit', ['team-a', 'team-b'])], subject);

    expect(sut.bindings.map((b) => [b.namespace, b.name, b.clusterRole])).toEqual([
      ['team-a', 'pc-0123456789abcdef-edit', 'edit'],
      ['team-b', 'pc-0123456789abcdef-edit', 'edit'],
    ]);
  });

  it('gives a custom role a managed ClusterRole with its rules', () => {
    const sut = planRbac([entry('pod-reader', ['team-a'], podReader)], subject);

    expect(sut.clusterRoles).toEqual([{ name: 'portcullis-role-pod-reader', rules: podReader }]);
    expect(sut.bindings).toEqual([
      { namespace: 'team-a', name: 'pc-0123456789abcdef-pod-reader', clusterRole: 'portcullis-role-pod-reader', labels, subject: saSubject },
    ]);
  });

  it('collapses duplicate grants and drops RoleBindings a ClusterRoleBinding of the same role covers', () => {
    const sut = planRbac([entry('view', ['team-a']), entry('view'), entry('view'), entry('edit', ['team-a']), entry('edit', ['team-a'])], subject);

    expect(sut.bindings.map((b) => [b.namespace, b.clusterRole])).toEqual([
      [null, 'view'],
      ['team-a', 'edit'],
    ]);
  });

  it('plans nothing without grants', () => {
    expect(planRbac([], subject)).toEqual({ clusterRoles: [], bindings: [] });
  });
});
