import { ClusterChangedV1, ClusterEndpoint, GrantChangedV1, KubeconfigRevokedV1, RoleChangedV1, SaExpiredV1, SaListV1 } from '@portcullis/contracts';
import { freePort, waitFor } from '@portcullis/platform/testing';
import { randomUUID } from 'node:crypto';
import { canI, kube, managedObjects } from './support/kube-access';
import { ProvisionerTestBed, TestCluster, TestUser } from './support/provisioner-test-bed';

const NS = 'portcullis-system';

describe('reconciliation: grants, revocations and orphans reach the clusters', () => {
  let bed: ProvisionerTestBed;
  let east: TestCluster;
  let west: TestCluster;

  beforeAll(async () => {
    // A sweep interval far beyond every wait below: changes must take effect because events wake the reconciler.
    bed = await ProvisionerTestBed.start({ SA_SWEEP_INTERVAL_MS: '60000' });
    east = await bed.addCluster('east');
    west = await bed.addCluster('west');
  });

  afterAll(async () => {
    await bed?.stop();
  });

  async function serviceAccountOf(user: TestUser, cluster: string): Promise<string | undefined> {
    const { serviceAccounts } = await bed.requester.request(SaListV1, { cluster, userId: user.userId });
    return serviceAccounts[0]?.serviceAccount;
  }

  function expiredEventsOf(user: TestUser, count = 1): Promise<SaExpiredV1[]> {
    return bed.expiredEvents((event) => event.userId === user.userId, count);
  }

  function grantDeleted(grantId: string) {
    return bed.publish(GrantChangedV1.subject, { grantId, change: 'deleted', changedBy: 'admin', grant: null });
  }

  it('removes the binding of a removed grant at once, so the cluster denies; removes the ServiceAccount with the last grant', async () => {
    const user = bed.newUser();
    const viewGrant = bed.policy.grant(`user:${user.userId}`, 'east', { role: 'view' });
    const editGrant = bed.policy.grant(`user:${user.userId}`, 'east', { role: 'edit', namespaces: ['team-a'] });
    const { token } = await bed.ensure(user, 'east');
    const sa = await serviceAccountOf(user, 'east');
    expect(await canI(east.emu, token, 'create', 'configmaps', 'team-a')).toBe(true);

    bed.policy.ungrant(editGrant);
    const removedAt = Date.now();
    await grantDeleted(editGrant);

    await waitFor(async () => !(await canI(east.emu, token, 'create', 'configmaps', 'team-a')), 'the cluster to deny what the removed grant allowed', 5_000, 50);
    expect(Date.now() - removedAt).toBeLessThan(2_000);
    expect(east.emu.get('rbac.authorization.k8s.io/v1', 'RoleBinding', `${sa}-edit`, 'team-a')).toBeUndefined();
    expect(await canI(east.emu, token, 'list', 'pods', 'team-a')).toBe(true);
    expect((await kube(east.emu, token, 'GET', '/api/v1/namespaces/team-a/pods')).status).toBe(200);

    bed.policy.ungrant(viewGrant);
    await grantDeleted(viewGrant);

    await waitFor(async () => (await kube(east.emu, token, 'GET', '/api/v1/namespaces/team-a/pods')).status === 401, 'the token to die with its ServiceAccount', 5_000, 50);
    const left = await managedObjects(east.emu);
    expect(left.serviceAccounts).not.toContain(sa);
    expect([...left.clusterRoleBindings, ...left.roleBindings].filter((name) => name.includes(sa ?? '?'))).toEqual([]);
    expect(await serviceAccountOf(user, 'east')).toBeUndefined();
    expect(await expiredEventsOf(user)).toEqual([expect.objectContaining({ cluster: 'east', namespace: NS, serviceAccount: sa, reason: 'access-removed' })]);
  });

  it('binds a new grant of one of the person’s groups without waiting for the next token', async () => {
    const user = bed.newUser(['sre']);
    bed.policy.grant(`user:${user.userId}`, 'east', { role: 'view', namespaces: ['team-a'] });
    const { token } = await bed.ensure(user, 'east');
    expect(await canI(east.emu, token, 'create', 'pods', 'team-b')).toBe(false);

    const grantId = bed.policy.grant('group:sre', 'east', { role: 'admin', namespaces: ['team-b'] });
    await bed.publish(GrantChangedV1.subject, {
      grantId,
      change: 'created',
      changedBy: 'admin',
      grant: { subject: { kind: 'group', name: 'sre' }, role: 'admin', clusterId: east.endpoint.id, clusterSelector: null, namespaces: ['team-b'] },
    });

    await waitFor(() => canI(east.emu, token, 'create', 'pods', 'team-b'), 'the new grant to be bound', 5_000, 50);
  });

  it('deletes a revoked person’s ServiceAccounts on every cluster; another live kubeconfig gets a fresh one', async () => {
    const user = bed.newUser();
    for (const cluster of ['east', 'west']) bed.policy.grant(`user:${user.userId}`, cluster, { role: 'edit' });
    const tokens = { east: (await bed.ensure(user, 'east')).token, west: (await bed.ensure(user, 'west')).token };
    const bystander = bed.newUser();
    bed.policy.grant(`user:${bystander.userId}`, 'east');
    const bystanderToken = (await bed.ensure(bystander, 'east')).token;

    await bed.publish(KubeconfigRevokedV1.subject, {
      kubeconfigId: randomUUID(),
      userId: user.userId,
      revokedBy: 'admin',
      reason: 'lost laptop',
      expiresAt: new Date(Date.now() + 86_400_000).toISOString(),
    });

    for (const cluster of [east, west]) {
      const token = tokens[cluster.endpoint.name as 'east' | 'west'];
      await waitFor(async () => (await kube(cluster.emu, token, 'GET', '/api/v1/namespaces/default/pods')).status === 401, `the token on ${cluster.endpoint.name} to stop working`, 5_000, 50);
    }
    expect((await expiredEventsOf(user, 2)).map((event) => [event.cluster, event.reason]).sort()).toEqual([
      ['east', 'revoked'],
      ['west', 'revoked'],
    ]);
    expect((await kube(east.emu, bystanderToken, 'GET', '/api/v1/namespaces/default/pods')).status).toBe(200);

    const fresh = await bed.ensure(user, 'east');
    expect((await kube(east.emu, fresh.token, 'GET', '/api/v1/namespaces/default/pods')).status).toBe(200);
  });

  it('gives a managed ClusterRole the new rules of a changed custom role', async () => {
    const user = bed.newUser();
    const rule = (verbs: string[]) => [{ apiGroups: [''], resources: ['configmaps'], resourceNames: [], nonResourceURLs: [], verbs }];
    bed.policy.grant(`user:${user.userId}`, 'east', { role: 'config-reader', rules: rule(['get', 'list']), namespaces: ['team-b'] });
    const { token } = await bed.ensure(user, 'east');
    expect(await canI(east.emu, token, 'delete', 'configmaps', 'team-b')).toBe(false);

    bed.policy.changeRules('config-reader', rule(['get', 'list', 'delete']));
    await bed.publish(RoleChangedV1.subject, {
      roleId: randomUUID(),
      change: 'updated',
      changedBy: 'admin',
      role: { name: 'config-reader', builtIn: false, rules: rule(['get', 'list', 'delete']) },
    });

    await waitFor(() => canI(east.emu, token, 'delete', 'configmaps', 'team-b'), 'the ClusterRole to carry the new rules', 5_000, 50);
  });

  it('carries out a revocation that found the cluster unreachable once the cluster answers again, without stopping', async () => {
    const flaky = await bed.addCluster('flaky');
    const user = bed.newUser();
    bed.policy.grant(`user:${user.userId}`, 'flaky');
    const { token } = await bed.ensure(user, 'flaky');
    const clusterChanged = (cluster: ClusterEndpoint) =>
      bed.publish(ClusterChangedV1.subject, {
        clusterId: cluster.id,
        change: 'updated',
        changedBy: 'admin',
        cluster: { name: cluster.name, displayName: cluster.displayName, server: cluster.server, caBundle: cluster.caBundle, labels: {}, idleTimeoutSeconds: cluster.idleTimeoutSeconds },
      });
    await clusterChanged(bed.policy.moveCluster('flaky', `https://127.0.0.1:${await freePort()}`));

    await bed.publish(KubeconfigRevokedV1.subject, {
      kubeconfigId: randomUUID(),
      userId: user.userId,
      revokedBy: 'admin',
      reason: null,
      expiresAt: new Date(Date.now() + 86_400_000).toISOString(),
    });
    await new Promise((resolve) => setTimeout(resolve, 1_500));
    expect((await kube(flaky.emu, token, 'GET', '/api/v1/namespaces/default/pods')).status).toBe(200);
    expect(await serviceAccountOf(user, 'flaky')).toBeDefined();

    await clusterChanged(bed.policy.moveCluster('flaky', flaky.emu.url));

    await waitFor(async () => (await kube(flaky.emu, token, 'GET', '/api/v1/namespaces/default/pods')).status === 401, 'the revocation to reach the cluster', 5_000, 50);
    expect(await expiredEventsOf(user)).toEqual([expect.objectContaining({ cluster: 'flaky', reason: 'revoked' })]);
    const bystander = bed.newUser();
    bed.policy.grant(`user:${bystander.userId}`, 'flaky');
    expect((await bed.ensure(bystander, 'flaky')).token).toEqual(expect.any(String));
  });

  it('forgets the ServiceAccounts of a cluster that was deleted from policy', async () => {
    const doomed = await bed.addCluster('doomed');
    const user = bed.newUser();
    bed.policy.grant(`user:${user.userId}`, 'doomed');
    await bed.ensure(user, 'doomed');

    bed.policy.removeCluster('doomed');
    await bed.publish(ClusterChangedV1.subject, { clusterId: doomed.endpoint.id, change: 'deleted', changedBy: 'admin', cluster: null });

    await waitFor(async () => (await serviceAccountOf(user, 'doomed')) === undefined, 'the record to go', 5_000, 50);
    expect(await expiredEventsOf(user)).toEqual([expect.objectContaining({ cluster: 'doomed', reason: 'access-removed' })]);
  });

  it('removes, at start, managed ServiceAccounts and bindings on a known cluster that it has no record of', async () => {
    const keeper = bed.newUser();
    bed.policy.grant(`user:${keeper.userId}`, 'west', { role: 'view', namespaces: ['team-a'] });
    const { token } = await bed.ensure(keeper, 'west');
    const kept = await serviceAccountOf(keeper, 'west');
    await bed.stopApp();

    const managed = (hash: string) => ({ 'app.kubernetes.io/managed-by': 'portcullis', 'portcullis.dev/user-hash': hash });
    const roleRef = { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'view' };
    west.emu.apply([
      {
        apiVersion: 'v1',
        kind: 'ServiceAccount',
        metadata: { name: 'pc-00000000000000aa', namespace: NS, labels: managed('00000000000000aa'), annotations: { 'portcullis.dev/user-id': 'ghost' } },
      },
      {
        apiVersion: 'rbac.authorization.k8s.io/v1',
        kind: 'ClusterRoleBinding',
        metadata: { name: 'pc-00000000000000aa-view', labels: managed('00000000000000aa') },
        roleRef,
        subjects: [{ kind: 'ServiceAccount', name: 'pc-00000000000000aa', namespace: NS }],
      },
      {
        apiVersion: 'rbac.authorization.k8s.io/v1',
        kind: 'RoleBinding',
        metadata: { name: 'pc-00000000000000bb-view', namespace: 'team-b', labels: managed('00000000000000bb') },
        roleRef,
        subjects: [{ kind: 'ServiceAccount', name: 'pc-00000000000000bb', namespace: NS }],
      },
      { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: 'not-ours', namespace: NS } },
    ]);

    await bed.startApp();

    await waitFor(async () => !(await managedObjects(west.emu)).serviceAccounts.includes('pc-00000000000000aa'), 'the orphaned ServiceAccount to go', 10_000, 100);
    await waitFor(async () => (await managedObjects(west.emu)).roleBindings.every((name) => !name.includes('00000000000000bb')), 'the orphaned RoleBinding to go', 5_000, 100);
    const left = await managedObjects(west.emu);
    expect(left.clusterRoleBindings.filter((name) => name.startsWith('pc-00000000000000aa'))).toEqual([]);
    expect(left.serviceAccounts).toContain(kept);
    expect(left.roleBindings).toContain(`team-a/${kept}-view`);
    expect(west.emu.get('v1', 'ServiceAccount', 'not-ours', NS)).toBeDefined();
    expect(await canI(west.emu, token, 'list', 'pods', 'team-a')).toBe(true);
    const orphaned = await bed.expiredEvents((event) => event.reason === 'orphaned');
    expect(orphaned).toEqual([expect.objectContaining({ userId: 'ghost', cluster: 'west', serviceAccount: 'pc-00000000000000aa' })]);
  });
});
