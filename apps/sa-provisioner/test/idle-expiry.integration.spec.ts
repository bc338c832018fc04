import { ProxyRequestBatchV1, ProxyRequestV1, SaListV1 } from '@portcullis/contracts';
import { waitFor } from '@portcullis/platform/testing';
import { randomUUID } from 'node:crypto';
import { kube, managedObjects } from './support/kube-access';
import { ProvisionerTestBed, TestCluster, TestUser } from './support/provisioner-test-bed';

const IDLE_TIMEOUT_SECONDS = 2;

describe('idle expiry: JIT ServiceAccounts nobody uses go away by themselves', () => {
  let bed: ProvisionerTestBed;
  let cluster: TestCluster;

  beforeAll(async () => {
    bed = await ProvisionerTestBed.start({ SA_SWEEP_INTERVAL_MS: '500' });
    cluster = await bed.addCluster('sandbox', IDLE_TIMEOUT_SECONDS);
  });

  afterAll(async () => {
    await bed?.stop();
  });

  async function provision(): Promise<{ user: TestUser; token: string; sa: string }> {
    const user = bed.newUser();
    bed.policy.grant(`user:${user.userId}`, 'sandbox', { role: 'edit', namespaces: ['team-a', 'team-b'] });
    const { token } = await bed.ensure(user, 'sandbox');
    const { serviceAccounts } = await bed.requester.request(SaListV1, { cluster: 'sandbox', userId: user.userId });
    return { user, token, sa: serviceAccounts[0].serviceAccount };
  }

  function requestEvent(user: TestUser): Omit<ProxyRequestV1, 'id' | 'occurredAt'> {
    return {
      userId: user.userId,
      groups: user.groups,
      kubeconfigId: randomUUID(),
      cluster: 'sandbox',
      decision: 'allowed',
      verb: 'list',
      apiGroup: '',
      apiVersion: 'v1',
      resource: 'pods',
      subresource: '',
      namespace: 'team-a',
      name: '',
      path: '/api/v1/namespaces/team-a/pods',
      responseStatus: 200,
      latencyMs: 3,
      bytesIn: 0,
      bytesOut: 512,
      userAgent: 'kubectl/v1.32.4',
      sourceAddress: '127.0.0.1',
      traceId: null,
    };
  }

  async function gone(sa: string): Promise<boolean> {
    const objects = await managedObjects(cluster.emu);
    return !objects.serviceAccounts.includes(sa) && !objects.roleBindings.some((name) => name.includes(sa));
  }

  it('deletes the ServiceAccount and its bindings after the cluster’s idle timeout and says so', async () => {
    const { user, token, sa } = await provision();
    const started = Date.now();
    expect(await gone(sa)).toBe(false);
    // Requests the proxy denied never reached the cluster: they are no use of the ServiceAccount.
    const denied = setInterval(() => void bed.publish(ProxyRequestV1.subject, { ...requestEvent(user), decision: 'denied', responseStatus: 403 }), 200);

    try {
      await waitFor(() => gone(sa), 'the idle ServiceAccount to be deleted', 6_000, 100);
    } finally {
      clearInterval(denied);
    }

    expect(Date.now() - started).toBeGreaterThanOrEqual(IDLE_TIMEOUT_SECONDS * 1000 - 200);
    expect((await kube(cluster.emu, token, 'GET', '/api/v1/namespaces/team-a/pods')).status).toBe(401);
    expect((await bed.requester.request(SaListV1, { cluster: 'sandbox', userId: user.userId })).serviceAccounts).toEqual([]);
    const expired = await bed.expiredEvents((event) => event.userId === user.userId);
    expect(expired).toEqual([expect.objectContaining({ cluster: 'sandbox', serviceAccount: sa, namespace: 'portcullis-system', reason: 'idle' })]);
  });

  it('keeps a ServiceAccount alive while the proxy reports requests with it, and expires it once they stop', async () => {
    const { user, token, sa } = await provision();
    const someoneElse = bed.newUser();
    const activeUntil = Date.now() + 2 * IDLE_TIMEOUT_SECONDS * 1000;

    // The proxy reports requests in batches; proxies of earlier versions one message per request.
    for (let round = 0; Date.now() < activeUntil; round++) {
      if (round % 2 === 0) await bed.publish(ProxyRequestV1.subject, requestEvent(user));
      else {
        const requests = [requestEvent(someoneElse), requestEvent(user)].map((event) => ({ id: randomUUID(), occurredAt: new Date().toISOString(), ...event }));
        await bed.publish(ProxyRequestBatchV1.subject, { requests });
      }
      await new Promise((resolve) => setTimeout(resolve, 400));
    }

    expect(await gone(sa)).toBe(false);
    expect((await kube(cluster.emu, token, 'GET', '/api/v1/namespaces/team-a/pods')).status).toBe(200);
    const [record] = (await bed.requester.request(SaListV1, { cluster: 'sandbox', userId: user.userId })).serviceAccounts;
    expect(Date.now() - Date.parse(record.lastActivityAt ?? '1970-01-01T00:00:00Z')).toBeLessThan(1_500);
    expect(Date.parse(record.idleExpiresAt) - Date.parse(record.lastActivityAt ?? '')).toBe(IDLE_TIMEOUT_SECONDS * 1000);

    await waitFor(() => gone(sa), 'the ServiceAccount to expire once requests stop', 6_000, 100);
    expect(await bed.expiredEvents((event) => event.userId === user.userId)).toEqual([expect.objectContaining({ reason: 'idle' })]);
  });

  it('hands out a fresh ServiceAccount to a person whose previous one expired', async () => {
    const { user, sa } = await provision();
    await waitFor(() => gone(sa), 'the idle ServiceAccount to be deleted', 6_000, 100);

    const { token } = await bed.ensure(user, 'sandbox');

    expect((await kube(cluster.emu, token, 'GET', '/api/v1/namespaces/team-b/pods')).status).toBe(200);
    expect(await gone(sa)).toBe(false);
  });
});
