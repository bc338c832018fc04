import { KubeconfigListV1 } from '@portcullis/contracts';
import { waitFor } from '@portcullis/platform/testing';
import { ADMIN, PolicyUnderTest } from './support/policy-under-test';

const CLUSTERS = '{ clusters { id name } }';

describe('admin API: authentication, errors and limits', () => {
  let policy: PolicyUnderTest;

  beforeAll(async () => {
    policy = await PolicyUnderTest.start({ GRAPHQL_MAX_DEPTH: '4', GRAPHQL_MAX_COMPLEXITY: '300' });
  });

  afterAll(async () => {
    await policy?.stop();
  });

  it('answers an admin', async () => {
    const result = await policy.graphql(CLUSTERS);

    expect(result).toEqual({ status: 200, data: { clusters: [] } });
  });

  it('refuses a request without a token as UNAUTHENTICATED (HTTP 401), introspection included', async () => {
    for (const query of [CLUSTERS, '{ __schema { queryType { name } } }']) {
      const result = await policy.graphql(query, {}, null);

      expect(result.status).toBe(401);
      expect(result.errors).toEqual([{ message: 'a Bearer platform token is required', extensions: { code: 'UNAUTHENTICATED' } }]);
      expect(result.data).toBeUndefined();
    }
  });

  it('refuses forged, expired, foreign-issuer and wrong-audience tokens as UNAUTHENTICATED', async () => {
    const tokens = [
      await policy.tokens.forge(ADMIN),
      await policy.token({ ...ADMIN, expiresIn: -120 }),
      await policy.token({ ...ADMIN, issuer: 'http://someone-else.test' }),
      await policy.token({ ...ADMIN, audience: 'another-app' }),
      'not-a-jwt',
    ];
    for (const token of tokens) {
      const result = await policy.graphql(CLUSTERS, {}, token);

      expect(result.status).toBe(401);
      expect(result.errors?.map((error) => error.extensions?.code)).toEqual(['UNAUTHENTICATED']);
    }
    const expired = await policy.graphql(CLUSTERS, {}, tokens[1]);
    expect(expired.errors?.[0].message).toBe('the platform token has expired');
  });

  it('refuses a signed-in person who is not an admin as FORBIDDEN (HTTP 403), and changes nothing', async () => {
    const developer = await policy.token({ sub: 'dev-1', admin: false, groups: ['developers'] });

    const query = await policy.graphql(CLUSTERS, {}, developer);
    const mutation = await policy.graphql(
      'mutation { createRole(input: { name: "sneaky", rules: [{ apiGroups: [""], resources: ["pods"], verbs: ["get"] }] }) { id } }',
      {},
      developer,
    );

    for (const result of [query, mutation]) {
      expect(result.status).toBe(403);
      expect(result.errors).toEqual([{ message: 'the admin API is for Portcullis admins only', extensions: { code: 'FORBIDDEN' } }]);
    }
    const { roles } = await policy.ok<{ roles: Array<{ name: string }> }>('{ roles { name } }');
    expect(roles.map((role) => role.name)).not.toContain('sneaky');
  });

  it('holds WebSocket operations to the same rules: no token is UNAUTHENTICATED, a non-admin FORBIDDEN', async () => {
    const developer = await policy.token({ sub: 'dev-1', admin: false });
    const outcomes: unknown[] = [];
    for (const authorization of [null, 'Bearer nonsense', `Bearer ${developer}`]) {
      const client = policy.webSocket(authorization);
      outcomes.push(
        await new Promise((resolve) => {
          client.subscribe({ query: 'subscription { auditEvents { id } }' }, { next: resolve, error: resolve, complete: () => resolve('completed') });
        }),
      );
    }

    expect(outcomes).toEqual([
      [{ message: 'a Bearer platform token is required', extensions: { code: 'UNAUTHENTICATED' } }],
      [{ message: 'the platform token is not valid', extensions: { code: 'UNAUTHENTICATED' } }],
      [{ message: 'the admin API is for Portcullis admins only', extensions: { code: 'FORBIDDEN' } }],
    ]);
  });

  it('runs queries over WebSocket for an admin', async () => {
    const client = policy.webSocket();

    const result = await new Promise((resolve, reject) => {
      client.subscribe({ query: '{ roles { name } }' }, { next: resolve, error: reject, complete: () => undefined });
    });

    expect(result).toEqual({ data: { roles: [{ name: 'admin' }, { name: 'cluster-admin' }, { name: 'edit' }, { name: 'view' }] } });
  });

  it('refuses an operation nested deeper than GRAPHQL_MAX_DEPTH before running it, over HTTP and WebSocket', async () => {
    const fiveDeep = '{ effectiveAccess(userId: "u-1") { entries { role { rules { verbs } } } } }';
    const refusal = { message: 'the operation is nested 5 levels deep; the limit is 4', extensions: { code: 'GRAPHQL_VALIDATION_FAILED' } };

    const overHttp = await policy.graphql(fiveDeep);
    const overWebSocket = await new Promise((resolve) => {
      policy.webSocket().subscribe({ query: fiveDeep }, { next: resolve, error: resolve, complete: () => undefined });
    });

    expect(overHttp).toEqual({ status: 400, errors: [refusal] });
    expect(overWebSocket).toEqual([refusal]);
    expect((await policy.graphql('{ grants { role { rules { verbs } } } }')).errors).toBeUndefined();
  });

  it('refuses an operation costing more than GRAPHQL_MAX_COMPLEXITY before running it (page sizes multiply)', async () => {
    const refused = await policy.graphql('{ users(limit: 200) { id email } }');
    const allowed = await policy.graphql('{ users(limit: 100) { id email } }');

    expect(refused).toEqual({ status: 400, errors: [{ message: 'the operation costs 400; the limit is 300', extensions: { code: 'GRAPHQL_VALIDATION_FAILED' } }] });
    // Within the limit it runs, and finds identity missing on this bus.
    expect(allowed.errors?.map((error) => error.extensions?.code)).toEqual(['SERVICE_UNAVAILABLE']);
  });

  it('answers introspection for admins while GRAPHQL_INTROSPECTION is on (the default)', async () => {
    const { __schema } = await policy.ok<{ __schema: { queryType: { name: string } } }>('{ __schema { queryType { name } } }');

    expect(__schema.queryType.name).toBe('Query');
  });

  it('turns an unexpected failure into INTERNAL_SERVER_ERROR with an id that is also logged, never a stack trace', async () => {
    policy.serve(KubeconfigListV1, async () => {
      throw new Error('disk on fire');
    });

    const result = await policy.graphql('{ kubeconfigs(userId: "u-1") { id } }');

    const error = result.errors?.[0];
    expect(error).toEqual({
      message: `internal error (id ${error?.extensions?.errorId})`,
      path: ['kubeconfigs'],
      locations: [{ line: 1, column: 3 }],
      extensions: { code: 'INTERNAL_SERVER_ERROR', errorId: expect.stringMatching(/^[0-9a-f-]{36}$/) },
    });
    expect(JSON.stringify(result)).not.toMatch(/stack|at .*\.ts:\d+/);
    const logged = await waitFor(
      () => policy.logLines.map((line) => JSON.parse(line) as { level?: string; errorId?: string; msg?: string }).find((line) => line.errorId === error?.extensions?.errorId),
      'the error to be logged with its id',
    );
    expect(logged).toMatchObject({ level: 'error', msg: 'admin API operation failed', err: { message: expect.stringContaining('internal error') } });
  });
});

describe('admin API with GRAPHQL_INTROSPECTION=false', () => {
  let policy: PolicyUnderTest;

  beforeAll(async () => {
    policy = await PolicyUnderTest.start({ GRAPHQL_INTROSPECTION: 'false' });
  });

  afterAll(async () => {
    await policy?.stop();
  });

  it('refuses introspection, over HTTP and WebSocket, and still answers queries', async () => {
    const overHttp = await policy.graphql('{ __schema { types { name } } }');
    const overWebSocket = await new Promise((resolve) => {
      policy.webSocket().subscribe({ query: '{ __type(name: "Cluster") { name } }' }, { next: resolve, error: resolve, complete: () => undefined });
    });

    expect(overHttp.errors?.map((error) => error.extensions?.code)).toEqual(['GRAPHQL_VALIDATION_FAILED']);
    expect(overHttp.errors?.[0].message).toMatch(/introspection/i);
    expect(overWebSocket).toEqual([expect.objectContaining({ extensions: { code: 'GRAPHQL_VALIDATION_FAILED' } })]);
    expect(await policy.ok('{ clusters { id } }')).toEqual({ clusters: [] });
  });
});
