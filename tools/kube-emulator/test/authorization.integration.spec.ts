import { KubeEmulator } from '@portcullis/kube-emulator';
import { raw, type Credentials } from './support/kube-test-kit';

// Forbidden wording, privilege-escalation prevention, impersonation and the review APIs.

const RBAC = 'rbac.authorization.k8s.io';

describe('KubeEmulator authorization', () => {
  let emu: KubeEmulator;
  let admin: Credentials;
  beforeEach(async () => {
    emu = await KubeEmulator.start({ tokenAuthCacheMs: 0 });
    admin = { token: emu.adminToken };
    emu.apply([
      { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'x' } },
      { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { namespace: 'x', name: 'y' } },
    ]);
  });
  afterEach(() => emu.stop());

  const saCreds = async () => ({ token: await emu.serviceAccountToken('x', 'y') });
  const bind = (namespace: string, roleKind: string, role: string, subject: object, name = `${role}-y`) =>
    emu.apply({ apiVersion: `${RBAC}/v1`, kind: namespace ? 'RoleBinding' : 'ClusterRoleBinding', metadata: { name, ...(namespace ? { namespace } : {}) }, roleRef: { apiGroup: RBAC, kind: roleKind, name: role }, subjects: [subject] });
  const SA = { kind: 'ServiceAccount', name: 'y', namespace: 'x' };

  it('words Forbidden answers like the apiserver', async () => {
    const list = await raw(emu, 'GET', '/api/v1/namespaces/default/pods', { creds: await saCreds() });
    expect(list.status).toBe(403);
    expect(list.json()).toEqual({
      kind: 'Status',
      apiVersion: 'v1',
      metadata: {},
      status: 'Failure',
      message: 'pods is forbidden: User "system:serviceaccount:x:y" cannot list resource "pods" in API group "" in the namespace "default"',
      reason: 'Forbidden',
      details: { kind: 'pods' },
      code: 403,
    });
    expect((await raw(emu, 'GET', '/api/v1/namespaces/default/pods/web', { creds: await saCreds() })).json().message).toBe(
      'pods "web" is forbidden: User "system:serviceaccount:x:y" cannot get resource "pods" in API group "" in the namespace "default"',
    );
    expect((await raw(emu, 'GET', '/apis/apps/v1/deployments', { creds: await saCreds() })).json().message).toBe(
      'deployments.apps is forbidden: User "system:serviceaccount:x:y" cannot list resource "deployments" in API group "apps" at the cluster scope',
    );
    expect((await raw(emu, 'GET', '/api/v1/namespaces/default/pods/web/log', { creds: await saCreds() })).json().message).toBe(
      'pods "web" is forbidden: User "system:serviceaccount:x:y" cannot get resource "pods/log" in API group "" in the namespace "default"',
    );
    expect((await raw(emu, 'GET', '/metrics', { creds: await saCreds() })).json().message).toBe('forbidden: User "system:serviceaccount:x:y" cannot get path "/metrics"');
    bind('x', 'Role', 'ghost', SA);
    expect((await raw(emu, 'GET', '/api/v1/namespaces/x/pods', { creds: await saCreds() })).json().message).toBe(
      'pods is forbidden: User "system:serviceaccount:x:y" cannot list resource "pods" in API group "" in the namespace "x": RBAC: role.rbac.authorization.k8s.io "ghost" not found',
    );
  });

  it('answers 401 Unauthorized without credentials or with a bad token, and logs it', async () => {
    for (const creds of [undefined, { token: 'not-a-token' }]) {
      const res = await raw(emu, 'GET', '/api/v1/pods', { creds });
      expect(res.status).toBe(401);
      expect(res.json()).toMatchObject({ kind: 'Status', reason: 'Unauthorized', message: 'Unauthorized', code: 401 });
    }
    expect(emu.accessLog.filter((e) => e.code === 401).map((e) => [e.user, e.decision])).toEqual([
      ['', 'deny'],
      ['', 'deny'],
    ]);
  });

  it('prevents escalation through RoleBindings unless the user holds the permissions or the bind verb', async () => {
    bind('x', 'ClusterRole', 'admin', SA);
    const binding = (role: string, name: string) => ({
      apiVersion: `${RBAC}/v1`,
      kind: 'RoleBinding',
      metadata: { name },
      roleRef: { apiGroup: RBAC, kind: 'ClusterRole', name: role },
      subjects: [{ kind: 'User', name: 'friend' }],
    });
    const path = `/apis/${RBAC}/v1/namespaces/x/rolebindings`;
    expect((await raw(emu, 'POST', path, { creds: await saCreds(), body: binding('edit', 'ok') })).status).toBe(201);
    const refused = await raw(emu, 'POST', path, { creds: await saCreds(), body: binding('cluster-admin', 'too-much') });
    expect(refused.status).toBe(403);
    expect(refused.json().message).toMatch(
      /^rolebindings\.rbac\.authorization\.k8s\.io "too-much" is forbidden: user "system:serviceaccount:x:y" \(groups=\["system:serviceaccounts" "system:serviceaccounts:x" "system:authenticated"\]\) is attempting to grant RBAC permissions not currently held:\n/,
    );
    expect(refused.json().message).toContain('{NonResourceURLs:["*"], Verbs:["*"]}');
    emu.apply({ apiVersion: `${RBAC}/v1`, kind: 'ClusterRole', metadata: { name: 'bind-cluster-admin' }, rules: [{ apiGroups: [RBAC], resources: ['clusterroles'], verbs: ['bind'], resourceNames: ['cluster-admin'] }] });
    bind('x', 'ClusterRole', 'bind-cluster-admin', SA);
    expect((await raw(emu, 'POST', path, { creds: await saCreds(), body: binding('cluster-admin', 'now-ok') })).status).toBe(201);
  });

  it('prevents escalation through Roles unless the user holds the rules or the escalate verb', async () => {
    bind('x', 'ClusterRole', 'admin', SA);
    const path = `/apis/${RBAC}/v1/namespaces/x/roles`;
    const roleWith = (name: string, resources: string[]) => ({ apiVersion: `${RBAC}/v1`, kind: 'Role', metadata: { name }, rules: [{ apiGroups: [''], resources, verbs: ['get'] }] });
    expect((await raw(emu, 'POST', path, { creds: await saCreds(), body: roleWith('held', ['pods']) })).status).toBe(201);
    const refused = await raw(emu, 'POST', path, { creds: await saCreds(), body: roleWith('not-held', ['nodes']) });
    expect(refused.status).toBe(403);
    expect(refused.json().message).toContain('is attempting to grant RBAC permissions not currently held:\n{APIGroups:[""], Resources:["nodes"], Verbs:["get"]}');
    emu.apply({ apiVersion: `${RBAC}/v1`, kind: 'ClusterRole', metadata: { name: 'escalator' }, rules: [{ apiGroups: [RBAC], resources: ['roles'], verbs: ['escalate'] }] });
    bind('x', 'ClusterRole', 'escalator', SA);
    expect((await raw(emu, 'POST', path, { creds: await saCreds(), body: roleWith('not-held', ['nodes']) })).status).toBe(201);
  });

  it('honours impersonation only with the impersonate verb', async () => {
    const headers = { 'Impersonate-User': 'admin' };
    const refused = await raw(emu, 'GET', '/api/v1/namespaces/default/pods', { creds: await saCreds(), headers });
    expect(refused.status).toBe(403);
    expect(refused.json().message).toBe('users "admin" is forbidden: User "system:serviceaccount:x:y" cannot impersonate resource "users" in API group "" at the cluster scope');

    emu.apply({
      apiVersion: `${RBAC}/v1`,
      kind: 'ClusterRole',
      metadata: { name: 'impersonator' },
      rules: [{ apiGroups: [''], resources: ['users', 'groups'], verbs: ['impersonate'] }],
    });
    bind('', 'ClusterRole', 'impersonator', SA, 'impersonator-y');
    bind('default', 'ClusterRole', 'view', { kind: 'User', name: 'bob' }, 'bob-view');
    const asBob = await raw(emu, 'POST', '/apis/authentication.k8s.io/v1/selfsubjectreviews', {
      creds: await saCreds(),
      headers: { 'Impersonate-User': 'bob', 'Impersonate-Group': ['dev', 'ops'] },
      body: { apiVersion: 'authentication.k8s.io/v1', kind: 'SelfSubjectReview' },
    });
    expect(asBob.json().status).toEqual({ userInfo: { username: 'bob', groups: ['dev', 'ops', 'system:authenticated'] } });
    const listed = await raw(emu, 'GET', '/api/v1/namespaces/default/pods', { creds: await saCreds(), headers: { 'Impersonate-User': 'bob' } });
    expect(listed.status).toBe(200);
    expect(emu.accessLog.at(-1)).toMatchObject({ user: 'bob', impersonator: 'system:serviceaccount:x:y', verb: 'list', decision: 'allow', code: 200 });

    const uid = await raw(emu, 'GET', '/api/v1/namespaces/default/pods', { creds: await saCreds(), headers: { 'Impersonate-User': 'bob', 'Impersonate-Uid': '1234' } });
    expect(uid.json().message).toBe('uids.authentication.k8s.io "1234" is forbidden: User "system:serviceaccount:x:y" cannot impersonate resource "uids" in API group "authentication.k8s.io" at the cluster scope');
    const asSa = await raw(emu, 'GET', '/api/v1/namespaces/default/pods', { creds: await saCreds(), headers: { 'Impersonate-User': 'system:serviceaccount:x:other' } });
    expect(asSa.json().message).toBe(
      'serviceaccounts "other" is forbidden: User "system:serviceaccount:x:y" cannot impersonate resource "serviceaccounts" in API group "" in the namespace "x"',
    );
  });

  it('gives an impersonated ServiceAccount its ServiceAccount groups', async () => {
    const res = await raw(emu, 'POST', '/apis/authentication.k8s.io/v1/selfsubjectreviews', {
      creds: admin,
      headers: { 'Impersonate-User': 'system:serviceaccount:x:y' },
      body: { apiVersion: 'authentication.k8s.io/v1', kind: 'SelfSubjectReview' },
    });
    expect(res.json().status).toEqual({ userInfo: { username: 'system:serviceaccount:x:y', groups: ['system:serviceaccounts', 'system:serviceaccounts:x', 'system:authenticated'] } });
  });

  it('answers SelfSubjectRulesReview and SubjectAccessReview from the same rules', async () => {
    bind('x', 'ClusterRole', 'view', SA);
    const rules = await raw(emu, 'POST', '/apis/authorization.k8s.io/v1/selfsubjectrulesreviews', {
      creds: await saCreds(),
      body: { apiVersion: 'authorization.k8s.io/v1', kind: 'SelfSubjectRulesReview', spec: { namespace: 'x' } },
    });
    const status = rules.json<{ status: { resourceRules: Array<{ resources: string[]; verbs: string[] }>; nonResourceRules: Array<{ nonResourceURLs: string[] }>; incomplete: boolean } }>().status;
    expect(status.incomplete).toBe(false);
    expect(status.resourceRules).toContainEqual(expect.objectContaining({ resources: expect.arrayContaining(['pods']), verbs: ['get', 'list', 'watch'] }));
    expect(status.resourceRules).toContainEqual(expect.objectContaining({ resources: ['selfsubjectaccessreviews', 'selfsubjectrulesreviews'], verbs: ['create'] }));
    expect(status.nonResourceRules).toContainEqual(expect.objectContaining({ nonResourceURLs: expect.arrayContaining(['/version']) }));

    const sar = (verb: string) =>
      raw(emu, 'POST', '/apis/authorization.k8s.io/v1/subjectaccessreviews', {
        creds: admin,
        body: { apiVersion: 'authorization.k8s.io/v1', kind: 'SubjectAccessReview', spec: { user: 'system:serviceaccount:x:y', groups: ['system:serviceaccounts'], resourceAttributes: { namespace: 'x', verb, resource: 'pods' } } },
      });
    expect((await sar('list')).json().status).toEqual({ allowed: true, reason: 'RBAC: allowed by RoleBinding "view-y/x" of ClusterRole "view" to ServiceAccount "y/x"' });
    expect((await sar('delete')).json().status).toEqual({ allowed: false });
    expect((await raw(emu, 'POST', '/apis/authorization.k8s.io/v1/subjectaccessreviews', { creds: await saCreds(), body: { spec: { user: 'a', resourceAttributes: {} } } })).status).toBe(403);
  });

  it('requires create for WebSocket upgrades of pods/exec (get alone is not enough)', async () => {
    emu.apply([
      { apiVersion: 'v1', kind: 'Pod', metadata: { namespace: 'x', name: 'p' }, spec: { containers: [{ name: 'c', image: 'busybox' }] } },
      { apiVersion: `${RBAC}/v1`, kind: 'Role', metadata: { namespace: 'x', name: 'exec-get' }, rules: [{ apiGroups: [''], resources: ['pods/exec'], verbs: ['get'] }] },
    ]);
    bind('x', 'Role', 'exec-get', SA);
    const upgrade = await raw(emu, 'GET', '/api/v1/namespaces/x/pods/p/exec?command=true&stdout=true', {
      creds: await saCreds(),
      headers: { connection: 'Upgrade', upgrade: 'websocket', 'sec-websocket-version': '13', 'sec-websocket-key': 'dGhlIHNhbXBsZSBub25jZQ==', 'sec-websocket-protocol': 'v5.channel.k8s.io' },
    });
    expect(upgrade.status).toBe(403);
    expect(upgrade.json().message).toBe('pods "p" is forbidden: User "system:serviceaccount:x:y" cannot create resource "pods/exec" in API group "" in the namespace "x"');
  });
});
