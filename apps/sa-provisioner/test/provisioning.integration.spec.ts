import { SaListV1, SaProvisionedV1 } from '@portcullis/contracts';
import { freePort } from '@portcullis/platform/testing';
import net from 'node:net';
import { canI, kube, managedObjects } from './support/kube-access';
import { ProvisionerTestBed, TestCluster } from './support/provisioner-test-bed';

const NS = 'portcullis-system';
const podReader = [{ apiGroups: [''], resources: ['pods'], resourceNames: [], nonResourceURLs: [], verbs: ['get', 'list', 'watch'] }];

describe('ensure(): just-in-time ServiceAccounts and their tokens', () => {
  let bed: ProvisionerTestBed;
  let prod: TestCluster;

  beforeAll(async () => {
    bed = await ProvisionerTestBed.start();
    prod = await bed.addCluster('prod');
  });

  afterAll(async () => {
    await bed?.stop();
  });

  function whoAmI(token: string) {
    return kube(prod.emu, token, 'POST', '/apis/authentication.k8s.io/v1/selfsubjectreviews', {
      apiVersion: 'authentication.k8s.io/v1',
      kind: 'SelfSubjectReview',
    });
  }

  it('creates the ServiceAccount and the bindings of every grant, and returns a short-lived token the cluster accepts', async () => {
    const user = bed.newUser(['developers']);
    bed.policy.grant('group:developers', 'prod', { role: 'view' });
    bed.policy.grant(`user:${user.userId}`, 'prod', { role: 'edit', namespaces: ['team-a'] });
    bed.policy.grant(`user:${user.userId}`, 'prod', { role: 'pod-reader', rules: podReader, namespaces: ['team-b'] });
    const before = Date.now();

    const sut = await bed.ensure(user, 'prod');

    const lifetime = Date.parse(sut.expiresAt) - before;
    expect(lifetime).toBeGreaterThan(3_590_000);
    expect(lifetime).toBeLessThanOrEqual(3_601_000);
    const [record] = (await bed.requester.request(SaListV1, { cluster: 'prod', userId: user.userId })).serviceAccounts;
    const sa = record.serviceAccount;
    expect(record).toEqual({
      userId: user.userId,
      cluster: 'prod',
      namespace: NS,
      serviceAccount: expect.stringMatching(/^pc-[0-9a-f]{16}$/),
      createdAt: expect.any(String),
      lastActivityAt: null,
      idleExpiresAt: expect.any(String),
    });
    expect(Date.parse(record.idleExpiresAt) - Date.parse(record.createdAt)).toBe(3_600_000);

    const account = prod.emu.get('v1', 'ServiceAccount', sa, NS);
    expect(account?.metadata.labels).toEqual({ 'app.kubernetes.io/managed-by': 'portcullis', 'portcullis.dev/user-hash': sa.slice(3) });
    expect(account?.metadata.annotations).toEqual({ 'portcullis.dev/user-id': user.userId, 'portcullis.dev/email': user.email });
    expect(prod.emu.get('rbac.authorization.k8s.io/v1', 'ClusterRoleBinding', `${sa}-view`)).toMatchObject({
      roleRef: { kind: 'ClusterRole', name: 'view' },
      subjects: [{ kind: 'ServiceAccount', name: sa, namespace: NS }],
    });
    expect(prod.emu.get('rbac.authorization.k8s.io/v1', 'RoleBinding', `${sa}-edit`, 'team-a')).toMatchObject({ roleRef: { kind: 'ClusterRole', name: 'edit' } });
    expect(prod.emu.get('rbac.authorization.k8s.io/v1', 'RoleBinding', `${sa}-pod-reader`, 'team-b')).toMatchObject({
      roleRef: { kind: 'ClusterRole', name: 'portcullis-role-pod-reader' },
    });
    expect(prod.emu.get('rbac.authorization.k8s.io/v1', 'ClusterRole', 'portcullis-role-pod-reader')).toMatchObject({ rules: podReader });

    expect((await whoAmI(sut.token)).body.status.userInfo.username).toBe(`system:serviceaccount:${NS}:${sa}`);
    expect(await canI(prod.emu, sut.token, 'list', 'pods', 'kube-system')).toBe(true);
    expect(await canI(prod.emu, sut.token, 'create', 'configmaps', 'team-a')).toBe(true);
    expect(await canI(prod.emu, sut.token, 'create', 'configmaps', 'team-b')).toBe(false);
    expect(await canI(prod.emu, sut.token, 'delete', 'pods', 'kube-system')).toBe(false);
    expect((await kube(prod.emu, sut.token, 'POST', '/api/v1/namespaces/team-a/configmaps', { metadata: { name: 'made-by-jit' } })).status).toBe(201);
    const denied = await kube(prod.emu, sut.token, 'POST', '/api/v1/namespaces/team-b/configmaps', { metadata: { name: 'made-by-jit' } });
    expect(denied.status).toBe(403);
    expect(denied.body.message).toContain(`system:serviceaccount:${NS}:${sa}`);

    const provisioned = (await bed.storedEvents(SaProvisionedV1.subject)).filter((event) => event.userId === user.userId);
    expect(provisioned).toEqual([expect.objectContaining({ userId: user.userId, cluster: 'prod', namespace: NS, serviceAccount: sa })]);
  });

  it('provisions once when asked twice at once and again later: one ServiceAccount, the same bindings, no conflict', async () => {
    const user = bed.newUser();
    bed.policy.grant(`user:${user.userId}`, 'prod', { role: 'edit', namespaces: ['team-a', 'team-b'] });

    const [first, second] = await Promise.all([bed.ensure(user, 'prod'), bed.ensure(user, 'prod')]);
    const before = await managedObjects(prod.emu);
    const third = await bed.ensure(user, 'prod');

    expect(first.token).toBe(second.token);
    expect(third.token).not.toBe(first.token);
    expect(await managedObjects(prod.emu)).toEqual(before);
    const { serviceAccounts } = await bed.requester.request(SaListV1, { cluster: 'prod', userId: user.userId });
    expect(serviceAccounts).toHaveLength(1);
    const sa = serviceAccounts[0].serviceAccount;
    expect(before.roleBindings.filter((name) => name.endsWith(`/${sa}-edit`))).toEqual([`team-a/${sa}-edit`, `team-b/${sa}-edit`]);
    expect(before.serviceAccounts.filter((name) => name === sa)).toHaveLength(1);
    const provisioned = (await bed.storedEvents(SaProvisionedV1.subject)).filter((event) => event.userId === user.userId);
    expect(provisioned).toHaveLength(1);
    for (const { token } of [first, third]) expect(await canI(prod.emu, token, 'create', 'pods', 'team-b')).toBe(true);
  });

  it('answers NO_ACCESS to a person without a grant on the cluster, and creates nothing', async () => {
    const user = bed.newUser(['someone-elses-group']);
    const before = await managedObjects(prod.emu);

    const sut = await bed.ensureError(user, 'prod');

    expect(sut.code).toBe('NO_ACCESS');
    expect(sut.message).toContain('prod');
    expect(await managedObjects(prod.emu)).toEqual(before);
  });

  it('removes the ServiceAccount of a person who asks again after losing their last grant on the cluster', async () => {
    const user = bed.newUser();
    const grantId = bed.policy.grant(`user:${user.userId}`, 'prod', { role: 'view' });
    const { token } = await bed.ensure(user, 'prod');
    bed.policy.ungrant(grantId);

    expect((await bed.ensureError(user, 'prod')).code).toBe('NO_ACCESS');

    expect((await kube(prod.emu, token, 'GET', '/api/v1/namespaces/default/pods')).status).toBe(401);
    expect((await bed.requester.request(SaListV1, { cluster: 'prod', userId: user.userId })).serviceAccounts).toEqual([]);
    const expired = await bed.expiredEvents((event) => event.userId === user.userId);
    expect(expired).toEqual([expect.objectContaining({ cluster: 'prod', reason: 'access-removed' })]);
  });

  it('answers NO_ACCESS for a cluster policy does not know, so a caller cannot probe which clusters exist', async () => {
    const user = bed.newUser();

    const sut = await bed.ensureError(user, 'nowhere');

    expect(sut.code).toBe('NO_ACCESS');
    expect(bed.policy.credentialRequests).not.toContain('nowhere');
  });

  it('answers CLUSTER_UNREACHABLE, naming the cluster, within its timeout when the API server does not answer, and keeps serving', async () => {
    // One address refuses connections; the other accepts them and never says a word.
    const accepted = new Set<net.Socket>();
    const silent = net.createServer((socket) => accepted.add(socket));
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    const silentPort = (silent.address() as net.AddressInfo).port;
    bed.policy.addCluster('refusing', { server: `https://127.0.0.1:${await freePort()}`, caPem: prod.emu.caPem, token: 'management-token' });
    bed.policy.addCluster('silent', { server: `https://127.0.0.1:${silentPort}`, caPem: prod.emu.caPem, token: 'management-token' });
    const user = bed.newUser();
    for (const cluster of ['refusing', 'silent', 'prod']) bed.policy.grant(`user:${user.userId}`, cluster);

    try {
      for (const cluster of ['refusing', 'silent']) {
        const started = Date.now();
        const sut = await bed.ensureError(user, cluster);
        expect(sut.code).toBe('CLUSTER_UNREACHABLE');
        expect(sut.message).toContain(`cluster ${cluster}`);
        expect(sut.message).not.toContain('management-token');
        expect(Date.now() - started).toBeLessThan(2_500);
      }
    } finally {
      for (const socket of accepted) socket.destroy();
      silent.close();
    }
    const { token } = await bed.ensure(user, 'prod');
    expect(await canI(prod.emu, token, 'list', 'pods', 'default')).toBe(true);
  });
});
