import { IdentityUsersListV1, PolicyEffectiveAccessV1, Subjects, UserSummary } from '@portcullis/contracts';
import { KubeEmulator } from '@portcullis/kube-emulator';
import { Requester } from '@portcullis/platform/messaging';
import { PolicyUnderTest } from './support/policy-under-test';

const ROLE = { admin: '00000000-0000-4000-8000-000000000002', clusterAdmin: '00000000-0000-4000-8000-000000000001', edit: '00000000-0000-4000-8000-000000000003', view: '00000000-0000-4000-8000-000000000004' };
const GRANT_FIELDS = 'id subject { kind name } role { name } cluster { name } clusterSelector namespaces clusters { name } createdBy';
const GRANT = `mutation Grant($input: GrantInput!) { grant(input: $input) { ${GRANT_FIELDS} } }`;
const EFFECTIVE_ACCESS = `query Access($userId: ID!) {
  effectiveAccess(userId: $userId) {
    user { id email groups }
    entries { grantId cluster { name displayName } role { name builtIn rules { resources verbs } } namespaces subject { kind name } }
    kubeconfigValiditySeconds
  }
}`;

const ada: UserSummary = { userId: 'u-ada', email: 'ada@example.com', displayName: 'Ada', groups: ['developers', 'sre'], admin: false, disabled: false, lastLoginAt: '2026-11-01T08:00:00.000Z' };

interface Grant {
  id: string;
  subject: { kind: string; name: string };
  clusters: Array<{ name: string }>;
}

describe('grants and effective access', () => {
  let policy: PolicyUnderTest;
  let emulator: KubeEmulator;
  const clusterIds: Record<string, string> = {};
  const grants: Record<string, Grant> = {};
  let podReaderId: string;

  async function registerCluster(name: string, labels: Record<string, string>): Promise<string> {
    const { registerCluster } = await policy.ok<{ registerCluster: { id: string } }>(
      'mutation($input: RegisterClusterInput!) { registerCluster(input: $input) { id } }',
      { input: { name, displayName: name.toUpperCase(), server: emulator.url, caBundle: emulator.caPem, labels, credential: { token: emulator.adminToken } } },
    );
    return (clusterIds[name] = registerCluster.id);
  }

  async function grant(input: Record<string, unknown>): Promise<Grant> {
    return (await policy.ok<{ grant: Grant }>(GRANT, { input })).grant;
  }

  beforeAll(async () => {
    [policy, emulator] = await Promise.all([PolicyUnderTest.start(), KubeEmulator.start({})]);
    await registerCluster('alpha', { env: 'prod', region: 'eu' });
    await registerCluster('bravo', { env: 'prod', region: 'us' });
    await registerCluster('charlie', { env: 'dev' });
    const { createRole } = await policy.ok<{ createRole: { id: string } }>(
      'mutation { createRole(input: { name: "pod-reader", rules: [{ apiGroups: [""], resources: ["pods"], verbs: ["get", "list"] }] }) { id } }',
    );
    podReaderId = createRole.id;
    grants['adaEdit'] = await grant({ subject: { kind: 'USER', name: 'u-ada' }, roleId: ROLE.edit, clusterId: clusterIds['alpha'], namespaces: ['web', 'payments'] });
    grants['developersView'] = await grant({ subject: { kind: 'GROUP', name: 'developers' }, roleId: ROLE.view, clusterId: clusterIds['charlie'] });
    grants['srePods'] = await grant({ subject: { kind: 'GROUP', name: 'sre' }, roleId: podReaderId, clusterSelector: { env: 'prod' } });
    grants['othersAdmin'] = await grant({ subject: { kind: 'GROUP', name: 'finance' }, roleId: ROLE.admin, clusterId: clusterIds['bravo'] });
    grants['bobAdmin'] = await grant({ subject: { kind: 'USER', name: 'u-bob' }, roleId: ROLE.clusterAdmin, clusterId: clusterIds['alpha'] });
  });

  afterAll(async () => {
    await policy?.stop();
    await emulator?.stop();
  });

  it('creates grants on a cluster or on a label selector, and publishes each', async () => {
    expect(grants['adaEdit']).toMatchObject({ subject: { kind: 'USER', name: 'u-ada' }, role: { name: 'edit' }, cluster: { name: 'alpha' }, clusterSelector: null, namespaces: ['payments', 'web'], clusters: [{ name: 'alpha' }], createdBy: 'admin-1' });
    expect(grants['srePods']).toMatchObject({ cluster: null, clusterSelector: { env: 'prod' }, namespaces: [], clusters: [{ name: 'alpha' }, { name: 'bravo' }] });
    const event = await policy.eventMatching(Subjects.policyGrantChanged, (e) => e.grantId === grants['adaEdit'].id);
    expect(event).toMatchObject({
      change: 'created',
      changedBy: 'admin-1',
      grant: { subject: { kind: 'user', name: 'u-ada' }, role: 'edit', clusterId: clusterIds['alpha'], clusterSelector: null, namespaces: ['payments', 'web'] },
    });
    expect((await policy.eventMatching(Subjects.policyGrantChanged, (e) => e.grantId === grants['srePods'].id)).grant).toMatchObject({ clusterId: null, clusterSelector: { env: 'prod' }, role: 'pod-reader' });
    await policy.eventMatching(Subjects.policyAdminAction, (e) => e.action === 'grant' && e.target.id === grants['adaEdit'].id && e.outcome === 'succeeded');
  });

  it('lists grants, narrowed by subject, role or cluster', async () => {
    const all = await policy.ok<{ grants: Grant[] }>('{ grants { id } }');
    const sre = await policy.ok<{ grants: Grant[] }>('{ grants(filter: { subject: { kind: GROUP, name: "sre" } }) { id } }');
    const onAlpha = await policy.ok<{ grants: Grant[] }>('query($id: ID!) { grants(filter: { clusterId: $id }) { id } }', { id: clusterIds['alpha'] });
    const viewers = await policy.ok<{ grants: Grant[] }>('query($id: ID!) { grants(filter: { roleId: $id }) { id } }', { id: ROLE.view });

    expect(all.grants).toHaveLength(5);
    expect(sre.grants.map((g) => g.id)).toEqual([grants['srePods'].id]);
    expect(onAlpha.grants.map((g) => g.id)).toEqual([grants['adaEdit'].id, grants['bobAdmin'].id]);
    expect(viewers.grants.map((g) => g.id)).toEqual([grants['developersView'].id]);
  });

  it('refuses malformed grants as BAD_USER_INPUT, unknown targets as NOT_FOUND and repeats as CONFLICT', async () => {
    const subject = { kind: 'GROUP', name: 'qa' };
    const cases: Array<[Record<string, unknown>, string, RegExp]> = [
      [{ subject, roleId: ROLE.view }, 'BAD_USER_INPUT', /^give either clusterId or clusterSelector, not both and not neither$/],
      [{ subject, roleId: ROLE.view, clusterId: clusterIds['alpha'], clusterSelector: { env: 'prod' } }, 'BAD_USER_INPUT', /^give either clusterId or clusterSelector/],
      [{ subject, roleId: ROLE.view, clusterId: clusterIds['alpha'], namespaces: ['Payments'] }, 'BAD_USER_INPUT', /^namespaces: "Payments" is not a DNS label$/],
      [{ subject, roleId: ROLE.view, clusterSelector: { 'env!': 'prod' } }, 'BAD_USER_INPUT', /^clusterSelector: label key "env!"/],
      [{ subject: { kind: 'GROUP', name: '   ' }, roleId: ROLE.view, clusterSelector: {} }, 'BAD_USER_INPUT', /^subject\.name: must be 1-256 characters/],
      [{ subject, roleId: ROLE.view, clusterId: '9d3b1f6e-1c2a-4e5b-8f7a-6b5c4d3e2f1a' }, 'NOT_FOUND', /^no cluster with id 9d3b1f6e/],
      [{ subject: { kind: 'USER', name: 'u-ada' }, roleId: ROLE.edit, clusterId: clusterIds['alpha'], namespaces: ['payments', 'web', 'web'] }, 'CONFLICT', /^the same grant already exists$/],
    ];
    for (const [input, code, message] of cases) {
      const error = await policy.fails(GRANT, { input });

      expect({ input, code: error.extensions?.code }).toEqual({ input, code });
      expect(error.message).toMatch(message);
    }
    expect((await policy.ok<{ grants: Grant[] }>('{ grants(filter: { subject: { kind: GROUP, name: "qa" } }) { id } }')).grants).toEqual([]);
  });

  it('answers SERVICE_UNAVAILABLE for effective access while identity does not answer, naming it', async () => {
    const error = await policy.fails(EFFECTIVE_ACCESS, { userId: 'u-ada' });

    expect(error).toMatchObject({ extensions: { code: 'SERVICE_UNAVAILABLE' }, message: 'the identity service does not answer (portcullis.v1.identity.users.list); try again once it runs' });
  });

  describe('with identity answering', () => {
    const asked: unknown[] = [];

    beforeAll(() => {
      policy.serve(IdentityUsersListV1, async (request) => {
        asked.push(request);
        return { users: request.userIds?.includes(ada.userId) ? [ada] : [] };
      });
    });

    it("is the union of the user's own grants and their groups' grants, selectors resolved against current clusters", async () => {
      const { effectiveAccess } = await policy.ok<{ effectiveAccess: { entries: unknown[]; user: unknown; kubeconfigValiditySeconds: number } }>(EFFECTIVE_ACCESS, { userId: 'u-ada' });

      expect(asked).toContainEqual({ userIds: ['u-ada'], limit: 1 });
      expect(effectiveAccess.user).toEqual({ id: 'u-ada', email: 'ada@example.com', groups: ['developers', 'sre'] });
      expect(effectiveAccess.kubeconfigValiditySeconds).toBe(604800);
      expect(effectiveAccess.entries).toEqual([
        {
          grantId: grants['adaEdit'].id,
          cluster: { name: 'alpha', displayName: 'ALPHA' },
          role: { name: 'edit', builtIn: true, rules: [] },
          namespaces: ['payments', 'web'],
          subject: { kind: 'USER', name: 'u-ada' },
        },
        {
          grantId: grants['srePods'].id,
          cluster: { name: 'alpha', displayName: 'ALPHA' },
          role: { name: 'pod-reader', builtIn: false, rules: [{ resources: ['pods'], verbs: ['get', 'list'] }] },
          namespaces: [],
          subject: { kind: 'GROUP', name: 'sre' },
        },
        {
          grantId: grants['srePods'].id,
          cluster: { name: 'bravo', displayName: 'BRAVO' },
          role: { name: 'pod-reader', builtIn: false, rules: [{ resources: ['pods'], verbs: ['get', 'list'] }] },
          namespaces: [],
          subject: { kind: 'GROUP', name: 'sre' },
        },
        {
          grantId: grants['developersView'].id,
          cluster: { name: 'charlie', displayName: 'CHARLIE' },
          role: { name: 'view', builtIn: true, rules: [] },
          namespaces: [],
          subject: { kind: 'GROUP', name: 'developers' },
        },
      ]);
    });

    it('answers NOT_FOUND for a user identity does not know', async () => {
      const error = await policy.fails(EFFECTIVE_ACCESS, { userId: 'u-nobody' });

      expect(error).toMatchObject({ message: 'no user with id u-nobody', extensions: { code: 'NOT_FOUND' } });
    });

    it('answers PolicyEffectiveAccessV1 over NATS with the same entries, for the groups the caller sends', async () => {
      const requester = new Requester(policy.messaging, 2_000);

      const access = await requester.request(PolicyEffectiveAccessV1, { userId: 'u-ada', groups: ['developers', 'sre'] });
      const withoutGroups = await requester.request(PolicyEffectiveAccessV1, { userId: 'u-ada', groups: [] });
      const stranger = await requester.request(PolicyEffectiveAccessV1, { userId: 'u-stranger', groups: ['nobody'] });

      expect(access.kubeconfigValiditySeconds).toBe(604800);
      expect(access.entries.map((entry) => [entry.cluster.name, entry.role.name, entry.namespaces])).toEqual([
        ['alpha', 'edit', ['payments', 'web']],
        ['alpha', 'pod-reader', []],
        ['bravo', 'pod-reader', []],
        ['charlie', 'view', []],
      ]);
      expect(access.entries[0]).toEqual({
        grantId: grants['adaEdit'].id,
        cluster: { id: clusterIds['alpha'], name: 'alpha', displayName: 'ALPHA' },
        role: { name: 'edit', builtIn: true, rules: [] },
        namespaces: ['payments', 'web'],
      });
      expect(withoutGroups.entries.map((entry) => entry.grantId)).toEqual([grants['adaEdit'].id]);
      expect(stranger.entries).toEqual([]);
    });

    it('covers a cluster registered after a selector grant, without a new grant', async () => {
      await registerCluster('delta', { env: 'prod', region: 'ap' });

      const { effectiveAccess } = await policy.ok<{ effectiveAccess: { entries: Array<{ cluster: { name: string }; role: { name: string } }> } }>(EFFECTIVE_ACCESS, { userId: 'u-ada' });

      expect(effectiveAccess.entries.map((entry) => `${entry.cluster.name}/${entry.role.name}`)).toContain('delta/pod-reader');
    });

    it('stops granting once a grant is revoked', async () => {
      const { revokeGrant } = await policy.ok<{ revokeGrant: Grant }>('mutation($id: ID!) { revokeGrant(id: $id) { id subject { name } } }', { id: grants['developersView'].id });

      const access = await new Requester(policy.messaging, 2_000).request(PolicyEffectiveAccessV1, { userId: 'u-ada', groups: ['developers'] });

      expect(revokeGrant.subject.name).toBe('developers');
      expect(access.entries.map((entry) => entry.grantId)).toEqual([grants['adaEdit'].id]);
      expect(await policy.eventMatching(Subjects.policyGrantChanged, (e) => e.grantId === grants['developersView'].id && e.change === 'deleted')).toMatchObject({ grant: null });
      const action = await policy.eventMatching(Subjects.policyAdminAction, (e) => e.action === 'revokeGrant' && e.target.id === grants['developersView'].id);
      expect(action).toMatchObject({ before: { subject: { kind: 'group', name: 'developers' }, role: 'view' }, after: null, outcome: 'succeeded' });
    });

    it('answers NOT_FOUND when revoking an unknown grant', async () => {
      const error = await policy.fails('mutation { revokeGrant(id: "c0ffee00-0000-4000-8000-000000000000") { id } }');

      expect(error).toMatchObject({ message: 'no grant with id c0ffee00-0000-4000-8000-000000000000', extensions: { code: 'NOT_FOUND' } });
    });
  });

  describe('the kubeconfig validity', () => {
    it('is 7 days until an admin changes it; the change is published and effective access carries it', async () => {
      const before = await policy.ok<{ settings: { kubeconfigValiditySeconds: number } }>('{ settings { kubeconfigValiditySeconds } }');

      const { setKubeconfigValidity } = await policy.ok<{ setKubeconfigValidity: { kubeconfigValiditySeconds: number } }>('mutation { setKubeconfigValidity(seconds: 86400) { kubeconfigValiditySeconds } }');
      const access = await new Requester(policy.messaging, 2_000).request(PolicyEffectiveAccessV1, { userId: 'u-ada', groups: [] });

      expect(before.settings.kubeconfigValiditySeconds).toBe(604800);
      expect(setKubeconfigValidity.kubeconfigValiditySeconds).toBe(86400);
      expect(access.kubeconfigValiditySeconds).toBe(86400);
      expect(await policy.eventMatching(Subjects.policySettingsChanged, (e) => e.kubeconfigValiditySeconds === 86400)).toMatchObject({ changedBy: 'admin-1' });
      const action = await policy.eventMatching(Subjects.policyAdminAction, (e) => e.action === 'setKubeconfigValidity' && e.outcome === 'succeeded');
      expect(action).toMatchObject({ before: { kubeconfigValiditySeconds: 604800 }, after: { kubeconfigValiditySeconds: 86400 } });
    });

    it('refuses a validity outside 15 minutes to the revocation replay window as BAD_USER_INPUT', async () => {
      for (const seconds of [60, 40 * 86400]) {
        const error = await policy.fails('mutation($s: Int!) { setKubeconfigValidity(seconds: $s) { kubeconfigValiditySeconds } }', { s: seconds });

        expect(error).toMatchObject({ extensions: { code: 'BAD_USER_INPUT' }, message: 'seconds: the kubeconfig validity must be a whole number of seconds from 900 to 2505600' });
      }
    });
  });
});
