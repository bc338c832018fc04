import { ReplyError } from '@portcullis/platform/messaging';
import {
  AuditEventStoredV1,
  AuditQueryRequestV1,
  AuditQueryV1,
  IdentityGroupsListV1,
  IdentityUsersListV1,
  KubeconfigListV1,
  KubeconfigRevokeRequestV1,
  KubeconfigRevokeUserV1,
  KubeconfigRevokeV1,
  KubeconfigSummary,
  SaListV1,
  Subjects,
} from '@portcullis/contracts';
import { KubeEmulator } from '@portcullis/kube-emulator';
import { waitFor } from '@portcullis/platform/testing';
import { randomUUID } from 'node:crypto';
import { PolicyUnderTest } from './support/policy-under-test';

const kubeconfig = (overrides: Partial<KubeconfigSummary> = {}): KubeconfigSummary => ({
  kubeconfigId: randomUUID(),
  userId: 'u-ada',
  clusters: ['alpha', 'bravo'],
  issuedAt: '2026-11-20T10:00:00.000Z',
  expiresAt: '2026-11-27T10:00:00.000Z',
  revokedAt: null,
  ...overrides,
});

function auditRecord(overrides: Partial<AuditEventStoredV1> = {}): AuditEventStoredV1 {
  return {
    id: randomUUID(),
    occurredAt: new Date().toISOString(),
    userId: 'u-ada',
    groups: ['developers'],
    kubeconfigId: randomUUID(),
    cluster: 'alpha',
    decision: 'allowed',
    verb: 'get',
    apiGroup: '',
    apiVersion: 'v1',
    resource: 'pods',
    subresource: '',
    namespace: 'payments',
    name: 'web-7d9f',
    path: '/api/v1/namespaces/payments/pods/web-7d9f',
    responseStatus: 200,
    latencyMs: 12.5,
    userAgent: 'kubectl/v1.32.4',
    sourceAddress: '10.0.0.7',
    traceId: null,
    kind: 'proxy.request',
    ...overrides,
  };
}

/**
 * Queries and mutations that other services answer over NATS. Each is tried while nothing
 * answers (SERVICE_UNAVAILABLE, never made-up data), then with a stand-in for that service.
 */
describe('operations forwarded to other services', () => {
  let policy: PolicyUnderTest;
  let emulator: KubeEmulator;
  let clusterId: string;

  beforeAll(async () => {
    [policy, emulator] = await Promise.all([PolicyUnderTest.start(), KubeEmulator.start({})]);
    const { registerCluster } = await policy.ok<{ registerCluster: { id: string } }>(
      'mutation($input: RegisterClusterInput!) { registerCluster(input: $input) { id } }',
      { input: { name: 'alpha', server: emulator.url, caBundle: emulator.caPem, credential: { token: emulator.adminToken } } },
    );
    clusterId = registerCluster.id;
  });

  afterAll(async () => {
    await policy?.stop();
    await emulator?.stop();
  });

  it('answers SERVICE_UNAVAILABLE, naming the missing service, while nothing answers', async () => {
    const cases: Array<[string, Record<string, unknown>, string]> = [
      ['{ users { id } }', {}, 'identity'],
      ['{ groups { name } }', {}, 'identity'],
      ['{ kubeconfigs(userId: "u-ada") { id } }', {}, 'kubeconfig-issuer'],
      [`mutation { revokeKubeconfig(id: "${randomUUID()}") { id } }`, {}, 'kubeconfig-issuer'],
      ['mutation { revokeUser(userId: "u-ada") { id } }', {}, 'kubeconfig-issuer'],
      ['query($id: ID!) { jitServiceAccounts(clusterId: $id) { userId } }', { id: clusterId }, 'sa-provisioner'],
      ['{ auditEvents { events { id } nextCursor } }', {}, 'audit'],
    ];
    for (const [query, variables, service] of cases) {
      const result = await policy.graphql(query, variables);

      expect({ query, data: result.data, codes: result.errors?.map((e) => e.extensions?.code) }).toEqual({ query, data: null, codes: ['SERVICE_UNAVAILABLE'] });
      expect(result.errors?.[0].message).toMatch(new RegExp(`^the ${service} service does not answer \\(portcullis\\.v1\\.`));
    }
    const failed = await policy.eventMatching(Subjects.policyAdminAction, (e) => e.action === 'revokeUser' && e.outcome === 'failed');
    expect(failed).toMatchObject({ target: { kind: 'user', id: 'u-ada' }, error: expect.stringContaining('kubeconfig-issuer service does not answer') });
  });

  it('answers SERVICE_UNAVAILABLE on the live audit subscription while audit does not answer', async () => {
    const outcome = await new Promise((resolve) => {
      policy.webSocket().subscribe({ query: 'subscription { auditEvents { id } }' }, { next: resolve, error: resolve, complete: () => resolve('completed') });
    });

    expect(outcome).toEqual({
      errors: [
        {
          message: 'the audit service does not answer (portcullis.v1.audit.query); try again once it runs',
          locations: [{ line: 1, column: 16 }],
          path: ['auditEvents'],
          extensions: { code: 'SERVICE_UNAVAILABLE' },
        },
      ],
    });
  });

  it('lists users and groups from identity', async () => {
    policy.serve(IdentityUsersListV1, async (request) => ({
      users: [{ userId: 'u-ada', email: 'ada@example.com', displayName: `Ada (${request.search ?? '-'}, ${request.limit})`, groups: ['sre'], admin: false, disabled: false, lastLoginAt: '2026-11-01T08:00:00.000Z' }],
    }));
    policy.serve(IdentityGroupsListV1, async () => ({ groups: [{ name: 'sre', memberCount: 3 }] }));

    const data = await policy.ok('{ users(search: "ada", limit: 10) { id email displayName groups admin disabled lastLoginAt } groups { name memberCount } }');
    const badLimit = await policy.fails('{ users(limit: 0) { id } }');

    expect(data).toEqual({
      users: [{ id: 'u-ada', email: 'ada@example.com', displayName: 'Ada (ada, 10)', groups: ['sre'], admin: false, disabled: false, lastLoginAt: '2026-11-01T08:00:00.000Z' }],
      groups: [{ name: 'sre', memberCount: 3 }],
    });
    expect(badLimit).toMatchObject({ message: 'limit: from 1 to 1000', extensions: { code: 'BAD_USER_INPUT' } });
  });

  describe('kubeconfigs, with kubeconfig-issuer answering', () => {
    const issued = [kubeconfig(), kubeconfig({ revokedAt: '2026-11-21T10:00:00.000Z' })];
    const revokeRequests: KubeconfigRevokeRequestV1[] = [];

    beforeAll(() => {
      policy.serve(KubeconfigListV1, async ({ userId }) => ({ kubeconfigs: userId === 'u-ada' ? issued : [] }));
      policy.serve(KubeconfigRevokeV1, async (request) => {
        revokeRequests.push(request);
        const found = issued.find((k) => k.kubeconfigId === request.kubeconfigId);
        if (!found) throw new ReplyError('NOT_FOUND', `no kubeconfig ${request.kubeconfigId}`);
        return { ...found, revokedAt: '2026-11-22T10:00:00.000Z' };
      });
      policy.serve(KubeconfigRevokeUserV1, async ({ userId }) => ({ revoked: userId === 'u-ada' ? [{ ...issued[0], revokedAt: '2026-11-22T10:00:00.000Z' }] : [] }));
    });

    it("lists a user's kubeconfigs", async () => {
      const { kubeconfigs } = await policy.ok<{ kubeconfigs: unknown[] }>('{ kubeconfigs(userId: "u-ada") { id userId clusters issuedAt expiresAt revokedAt } }');

      expect(kubeconfigs).toEqual([
        { id: issued[0].kubeconfigId, userId: 'u-ada', clusters: ['alpha', 'bravo'], issuedAt: '2026-11-20T10:00:00.000Z', expiresAt: '2026-11-27T10:00:00.000Z', revokedAt: null },
        { id: issued[1].kubeconfigId, userId: 'u-ada', clusters: ['alpha', 'bravo'], issuedAt: '2026-11-20T10:00:00.000Z', expiresAt: '2026-11-27T10:00:00.000Z', revokedAt: '2026-11-21T10:00:00.000Z' },
      ]);
    });

    it('revokes one kubeconfig as an admin (no owner check) and records who did it', async () => {
      const { revokeKubeconfig } = await policy.ok<{ revokeKubeconfig: { revokedAt: string } }>('mutation($id: ID!) { revokeKubeconfig(id: $id, reason: "lost laptop") { id revokedAt } }', { id: issued[0].kubeconfigId });

      expect(revokeKubeconfig).toEqual({ id: issued[0].kubeconfigId, revokedAt: '2026-11-22T10:00:00.000Z' });
      expect(revokeRequests).toContainEqual({ kubeconfigId: issued[0].kubeconfigId, ownerUserId: null, revokedBy: 'admin-1', reason: 'lost laptop' });
      const action = await policy.eventMatching(Subjects.policyAdminAction, (e) => e.action === 'revokeKubeconfig' && e.outcome === 'succeeded');
      expect(action).toMatchObject({ actor: { userId: 'admin-1' }, target: { kind: 'kubeconfig', id: issued[0].kubeconfigId }, after: { reason: 'lost laptop', userId: 'u-ada' } });
    });

    it("passes on kubeconfig-issuer's NOT_FOUND, and records the failed attempt", async () => {
      const unknown = randomUUID();

      const error = await policy.fails('mutation($id: ID!) { revokeKubeconfig(id: $id) { id } }', { id: unknown });
      const malformed = await policy.fails('mutation { revokeKubeconfig(id: "abc") { id } }');

      expect(error).toMatchObject({ message: `no kubeconfig ${unknown}`, extensions: { code: 'NOT_FOUND' } });
      expect(malformed).toMatchObject({ message: 'no kubeconfig with id abc', extensions: { code: 'NOT_FOUND' } });
      await policy.eventMatching(Subjects.policyAdminAction, (e) => e.action === 'revokeKubeconfig' && e.outcome === 'failed' && e.target.id === unknown);
    });

    it('revokes every kubeconfig of a user', async () => {
      const { revokeUser } = await policy.ok<{ revokeUser: Array<{ id: string }> }>('mutation { revokeUser(userId: "u-ada", reason: "left the company") { id } }');

      expect(revokeUser).toEqual([{ id: issued[0].kubeconfigId }]);
      const action = await policy.eventMatching(Subjects.policyAdminAction, (e) => e.action === 'revokeUser' && e.outcome === 'succeeded');
      expect(action).toMatchObject({ target: { kind: 'user', id: 'u-ada' }, after: { revokedKubeconfigIds: [issued[0].kubeconfigId], reason: 'left the company' } });
    });
  });

  it("lists a cluster's JIT service accounts from sa-provisioner, asking by cluster name", async () => {
    const asked: unknown[] = [];
    policy.serve(SaListV1, async (request) => {
      asked.push(request);
      return {
        serviceAccounts: [
          { userId: 'u-ada', cluster: 'alpha', namespace: 'portcullis-jit', serviceAccount: 'jit-u-ada', createdAt: '2026-11-28T09:00:00.000Z', lastActivityAt: null, idleExpiresAt: '2026-11-28T10:00:00.000Z' },
        ],
      };
    });

    const { jitServiceAccounts } = await policy.ok('query($id: ID!) { jitServiceAccounts(clusterId: $id) { userId cluster namespace serviceAccount createdAt lastActivityAt idleExpiresAt } }', { id: clusterId });

    expect(asked).toEqual([{ cluster: 'alpha' }]);
    expect(jitServiceAccounts).toEqual([
      { userId: 'u-ada', cluster: 'alpha', namespace: 'portcullis-jit', serviceAccount: 'jit-u-ada', createdAt: '2026-11-28T09:00:00.000Z', lastActivityAt: null, idleExpiresAt: '2026-11-28T10:00:00.000Z' },
    ]);
  });

  describe('the audit trail, with audit answering', () => {
    const queries: AuditQueryRequestV1[] = [];
    const stored = [auditRecord({ name: 'web-1' }), auditRecord({ name: 'api-1', decision: 'denied', responseStatus: 403 })];

    beforeAll(() => {
      policy.serve(AuditQueryV1, async (request) => {
        queries.push(request);
        return { events: stored.slice(0, request.first), nextCursor: request.first < stored.length ? 'cursor-2' : null };
      });
    });

    it('pages through audit records with a filter', async () => {
      const { auditEvents } = await policy.ok<{ auditEvents: { events: Array<{ id: string; decision: string; occurredAt: string }>; nextCursor: string | null } }>(
        `{ auditEvents(first: 1, after: "cursor-1", filter: { userId: "u-ada", group: "developers", cluster: "alpha", namespace: "payments", verb: "get",
             resource: "pods", namePrefix: "web", statusClass: SUCCESS, decision: ALLOWED, kind: PROXY_REQUEST, from: "2026-11-01T00:00:00.000Z", to: "2026-12-01T00:00:00.000Z" }) {
             events { id kind decision occurredAt bytesIn details } nextCursor } }`,
      );

      expect(auditEvents).toEqual({ events: [{ id: stored[0].id, kind: 'PROXY_REQUEST', decision: 'ALLOWED', occurredAt: stored[0].occurredAt, bytesIn: null, details: null }], nextCursor: 'cursor-2' });
      expect(queries).toContainEqual({
        filter: {
          userId: 'u-ada',
          group: 'developers',
          cluster: 'alpha',
          namespace: 'payments',
          verb: 'get',
          resource: 'pods',
          namePrefix: 'web',
          statusClass: '2xx',
          decision: 'allowed',
          kind: 'proxy.request',
          from: '2026-11-01T00:00:00.000Z',
          to: '2026-12-01T00:00:00.000Z',
        },
        after: 'cursor-1',
        first: 1,
      });
    });

    it('refuses a malformed page or filter as BAD_USER_INPUT', async () => {
      const tooMany = await policy.fails('{ auditEvents(first: 501) { nextCursor } }');
      const backwards = await policy.fails('{ auditEvents(filter: { from: "2026-12-01T00:00:00Z", to: "2026-11-01T00:00:00Z" }) { nextCursor } }');

      expect(tooMany).toMatchObject({ message: 'first: from 1 to 500', extensions: { code: 'BAD_USER_INPUT' } });
      expect(backwards).toMatchObject({ message: 'filter: from must be before to', extensions: { code: 'BAD_USER_INPUT' } });
    });

    it('streams records as audit stores them, only those matching the filter', async () => {
      const received: Array<{ name: string; decision: string }> = [];
      const client = policy.webSocket();
      const unsubscribe = client.subscribe<{ auditEvents: { name: string; decision: string } }>(
        { query: 'subscription { auditEvents(filter: { decision: DENIED, namePrefix: "api-" }) { name decision } }' },
        { next: ({ data }) => data && received.push(data.auditEvents), error: () => undefined, complete: () => undefined },
      );
      const publish = (record: AuditEventStoredV1) => policy.messaging.nats.publish(AuditEventStoredV1.subject, JSON.stringify(record));
      await waitFor(() => queries.some((query) => query.first === 1 && query.filter.decision === 'denied'), 'the subscription to check that audit answers');

      await waitFor(
        async () => {
          publish(auditRecord({ name: 'web-2' }));
          publish(auditRecord({ name: 'api-2', decision: 'denied', responseStatus: 403 }));
          publish(auditRecord({ name: 'api-3', decision: 'allowed' }));
          await policy.messaging.nats.flush();
          return received.length > 0;
        },
        'a live record',
        10_000,
        200,
      );
      unsubscribe();

      expect(received.length).toBeGreaterThan(0);
      for (const record of received) expect(record).toEqual({ name: 'api-2', decision: 'DENIED' });
    });
  });
});
