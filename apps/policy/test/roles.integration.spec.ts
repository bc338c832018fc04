import { Subjects } from '@portcullis/contracts';
import { PolicyUnderTest } from './support/policy-under-test';

const ROLE_FIELDS = 'id name builtIn description rules { apiGroups resources resourceNames nonResourceURLs verbs }';
const CREATE = `mutation Create($input: CreateRoleInput!) { createRole(input: $input) { ${ROLE_FIELDS} } }`;
const UPDATE = `mutation Update($id: ID!, $input: UpdateRoleInput!) { updateRole(id: $id, input: $input) { ${ROLE_FIELDS} } }`;
const DELETE = 'mutation Delete($id: ID!) { deleteRole(id: $id) { id name } }';
const GRANT = 'mutation Grant($input: GrantInput!) { grant(input: $input) { id } }';

const podReader = [{ apiGroups: [''], resources: ['pods', 'pods/log'], verbs: ['get', 'list', 'watch'] }];

interface Role {
  id: string;
  name: string;
  builtIn: boolean;
  description: string | null;
  rules: Array<Record<string, string[]>>;
}

describe('roles', () => {
  let policy: PolicyUnderTest;

  beforeAll(async () => {
    policy = await PolicyUnderTest.start();
  });

  afterAll(async () => {
    await policy?.stop();
  });

  async function create(name: string, rules: unknown = podReader): Promise<Role> {
    return (await policy.ok<{ createRole: Role }>(CREATE, { input: { name, description: `${name} role`, rules } })).createRole;
  }

  it('lists the four built-in roles, seeded with fixed ids and no rules of their own', async () => {
    const { roles } = await policy.ok<{ roles: Role[] }>(`{ roles { ${ROLE_FIELDS} } }`);

    expect(roles.filter((role) => role.builtIn).map(({ id, name, rules }) => ({ id, name, rules }))).toEqual([
      { id: '00000000-0000-4000-8000-000000000002', name: 'admin', rules: [] },
      { id: '00000000-0000-4000-8000-000000000001', name: 'cluster-admin', rules: [] },
      { id: '00000000-0000-4000-8000-000000000003', name: 'edit', rules: [] },
      { id: '00000000-0000-4000-8000-000000000004', name: 'view', rules: [] },
    ]);
  });

  it('refuses to change or delete a built-in role (BAD_USER_INPUT)', async () => {
    const update = await policy.fails(UPDATE, { id: '00000000-0000-4000-8000-000000000004', input: { rules: podReader } });
    const remove = await policy.fails(DELETE, { id: '00000000-0000-4000-8000-000000000001' });

    expect(update).toMatchObject({ message: '"view" is a built-in role and cannot be changed', extensions: { code: 'BAD_USER_INPUT' } });
    expect(remove).toMatchObject({ message: '"cluster-admin" is a built-in role and cannot be deleted', extensions: { code: 'BAD_USER_INPUT' } });
  });

  it('creates a custom role from PolicyRules, filling in omitted lists, and publishes it', async () => {
    const role = await create('pod-reader', [...podReader, { nonResourceURLs: ['/healthz', '/metrics/*'], verbs: ['get'] }]);

    expect(role).toEqual({
      id: expect.any(String),
      name: 'pod-reader',
      builtIn: false,
      description: 'pod-reader role',
      rules: [
        { apiGroups: [''], resources: ['pods', 'pods/log'], resourceNames: [], nonResourceURLs: [], verbs: ['get', 'list', 'watch'] },
        { apiGroups: [], resources: [], resourceNames: [], nonResourceURLs: ['/healthz', '/metrics/*'], verbs: ['get'] },
      ],
    });
    const event = await policy.eventMatching(Subjects.policyRoleChanged, (e) => e.roleId === role.id);
    expect(event).toMatchObject({ change: 'created', changedBy: 'admin-1', role: { name: 'pod-reader', builtIn: false, rules: role.rules } });
    await policy.eventMatching(Subjects.policyAdminAction, (e) => e.action === 'createRole' && e.target.id === role.id && e.outcome === 'succeeded');
  });

  it('refuses rules Kubernetes would refuse, or that grant nothing, as BAD_USER_INPUT', async () => {
    const cases: Array<[unknown, RegExp | string]> = [
      [[{ apiGroups: [''], resources: ['pods'], verbs: ['read'] }], 'rules.0.verbs: unknown verb "read" (known: get, list, watch, create, update, patch, delete, deletecollection, impersonate, bind, escalate, use, approve, sign, *)'],
      [[{ apiGroups: [''], verbs: ['get'] }], 'rules.0: give resources (or nonResourceURLs)'],
      [[{ resources: ['pods'], verbs: ['get'] }], 'rules.0.apiGroups: resource rules need at least one API group ("" is the core group)'],
      [[{ apiGroups: [''], resources: ['pods'], nonResourceURLs: ['/healthz'], verbs: ['get'] }], 'rules.0: nonResourceURLs cannot be combined with resources, apiGroups or resourceNames'],
      [[{ nonResourceURLs: ['healthz'], verbs: ['get'] }], /^rules\.0\.nonResourceURLs: "healthz" must be a path/],
      [[{ apiGroups: [''], resources: ['pods'], verbs: [] }], /^0\.verbs: /],
      [[], 'a custom role needs at least one rule'],
    ];
    for (const [rules, message] of cases) {
      const error = await policy.fails(CREATE, { input: { name: 'broken', rules } });

      expect({ rules, code: error.extensions?.code }).toEqual({ rules, code: 'BAD_USER_INPUT' });
      if (typeof message === 'string') expect(error.message).toContain(message);
      else expect(error.message).toMatch(message);
    }
    const badName = await policy.fails(CREATE, { input: { name: 'Pod Reader', rules: podReader } });
    expect(badName).toMatchObject({ extensions: { code: 'BAD_USER_INPUT' }, message: expect.stringMatching(/^name: "Pod Reader" must be a DNS label/) });
  });

  it('refuses a role name that is taken, built-in names included, as CONFLICT', async () => {
    await create('log-reader');

    for (const name of ['log-reader', 'view']) {
      const error = await policy.fails(CREATE, { input: { name, rules: podReader } });

      expect(error).toMatchObject({ message: `a role named "${name}" already exists`, extensions: { code: 'CONFLICT' } });
    }
  });

  it('updates a custom role and publishes the new rules', async () => {
    const role = await create('deployer');
    const rules = [{ apiGroups: ['apps'], resources: ['deployments'], verbs: ['get', 'update', 'patch'] }];

    const { updateRole } = await policy.ok<{ updateRole: Role }>(UPDATE, { id: role.id, input: { description: null, rules } });

    expect(updateRole).toMatchObject({ name: 'deployer', description: null, rules: [{ apiGroups: ['apps'], resources: ['deployments'], verbs: ['get', 'update', 'patch'] }] });
    const event = await policy.eventMatching(Subjects.policyRoleChanged, (e) => e.roleId === role.id && e.change === 'updated');
    expect(event.role?.rules[0].resources).toEqual(['deployments']);
    const action = await policy.eventMatching(Subjects.policyAdminAction, (e) => e.action === 'updateRole' && e.target.id === role.id);
    expect(action).toMatchObject({ before: { description: 'deployer role' }, after: { description: null } });
  });

  it('refuses to delete a role while a grant uses it (CONFLICT), and deletes it once revoked', async () => {
    const role = await create('auditor');
    const { grant } = await policy.ok<{ grant: { id: string } }>(GRANT, { input: { subject: { kind: 'GROUP', name: 'auditors' }, roleId: role.id, clusterSelector: { env: 'prod' } } });

    const refused = await policy.fails(DELETE, { id: role.id });
    await policy.ok('mutation($id: ID!) { revokeGrant(id: $id) { id } }', { id: grant.id });
    const { deleteRole } = await policy.ok<{ deleteRole: Role }>(DELETE, { id: role.id });

    expect(refused).toMatchObject({ message: 'role "auditor" is used by 1 grant(s); revoke them first', extensions: { code: 'CONFLICT' } });
    expect(deleteRole.name).toBe('auditor');
    expect(await policy.eventMatching(Subjects.policyRoleChanged, (e) => e.roleId === role.id && e.change === 'deleted')).toMatchObject({ role: null });
    await policy.eventMatching(Subjects.policyAdminAction, (e) => e.action === 'deleteRole' && e.target.id === role.id && e.outcome === 'failed' && /used by 1 grant/.test(e.error ?? ''));
    await policy.eventMatching(Subjects.policyAdminAction, (e) => e.action === 'deleteRole' && e.target.id === role.id && e.outcome === 'succeeded');
  });

  it('answers NOT_FOUND for unknown role ids', async () => {
    for (const id of ['7f1e0c3a-2b4d-4e6f-8a9b-0c1d2e3f4a5b', 'nope']) {
      const update = await policy.fails(UPDATE, { id, input: { description: 'x' } });
      const remove = await policy.fails(DELETE, { id });
      const grant = await policy.fails(GRANT, { input: { subject: { kind: 'USER', name: 'u-1' }, roleId: id, clusterSelector: {} } });

      for (const error of [update, remove, grant]) expect(error).toMatchObject({ message: `no role with id ${id}`, extensions: { code: 'NOT_FOUND' } });
    }
  });
});
