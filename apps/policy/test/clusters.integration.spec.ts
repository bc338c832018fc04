import { PolicyClusterCredentialV1, PolicyClusterLookupV1, Subjects } from '@portcullis/contracts';
import { RemoteRequestError, Requester } from '@portcullis/platform/messaging';
import { KubeEmulator } from '@portcullis/kube-emulator';
import { freePort, stackEnvironment } from '@portcullis/platform/testing';
import { execFileSync } from 'node:child_process';
import net from 'node:net';
import { Client } from 'pg';
import { PolicyUnderTest } from './support/policy-under-test';

const VIEW_ROLE_ID = '00000000-0000-4000-8000-000000000004';

const CLUSTER_FIELDS = 'id name displayName server caBundle labels idleTimeoutSeconds credentialKind credentialUpdatedAt';
const REGISTER = `mutation Register($input: RegisterClusterInput!) { registerCluster(input: $input) { ${CLUSTER_FIELDS} } }`;
const UPDATE = `mutation Update($id: ID!, $input: UpdateClusterInput!) { updateCluster(id: $id, input: $input) { ${CLUSTER_FIELDS} } }`;

interface Cluster {
  id: string;
  name: string;
  displayName: string;
  server: string;
  caBundle: string | null;
  labels: Record<string, string>;
  idleTimeoutSeconds: number;
  credentialKind: string;
}

describe('clusters', () => {
  let policy: PolicyUnderTest;
  let emulator: KubeEmulator;
  let silentServer: net.Server;
  let silentPort: number;

  beforeAll(async () => {
    // A TCP port that accepts connections and then says nothing: a hung API server.
    silentServer = net.createServer(() => undefined);
    await new Promise<void>((resolve) => silentServer.listen(0, '127.0.0.1', resolve));
    silentPort = (silentServer.address() as net.AddressInfo).port;
    [policy, emulator] = await Promise.all([PolicyUnderTest.start({ CLUSTER_PROBE_TIMEOUT_MS: '1500' }), KubeEmulator.start({})]);
  });

  afterAll(async () => {
    await policy?.stop();
    await emulator?.stop();
    silentServer?.close();
  });

  function input(overrides: Record<string, unknown> = {}) {
    return { name: 'prod-eu', server: emulator.url, caBundle: emulator.caPem, labels: { env: 'prod' }, credential: { token: emulator.adminToken }, ...overrides };
  }

  async function register(overrides: Record<string, unknown> = {}): Promise<Cluster> {
    return (await policy.ok<{ registerCluster: Cluster }>(REGISTER, { input: input(overrides) })).registerCluster;
  }

  it('registers a cluster whose API server answers with the token, and publishes it without the credential', async () => {
    const cluster = await register({ name: 'alpha', displayName: 'Alpha (EU)', labels: { env: 'prod', region: 'eu' } });

    expect(cluster).toMatchObject({
      name: 'alpha',
      displayName: 'Alpha (EU)',
      server: emulator.url,
      caBundle: emulator.caPem.replace(/\r\n/g, '\n').replace(/\n*$/, '\n'),
      labels: { env: 'prod', region: 'eu' },
      idleTimeoutSeconds: 3600,
      credentialKind: 'TOKEN',
    });
    expect(emulator.accessLog.some((entry) => JSON.stringify(entry).includes('/api'))).toBe(true);
    const changed = await policy.eventMatching(Subjects.policyClusterChanged, (event) => event.clusterId === cluster.id);
    expect(changed).toMatchObject({
      change: 'created',
      changedBy: 'admin-1',
      cluster: { name: 'alpha', displayName: 'Alpha (EU)', server: emulator.url, labels: { env: 'prod', region: 'eu' }, idleTimeoutSeconds: 3600 },
    });
    const action = await policy.eventMatching(Subjects.policyAdminAction, (event) => event.action === 'registerCluster' && event.target.id === cluster.id);
    expect(action).toMatchObject({
      actor: { userId: 'admin-1', email: 'ada@example.com' },
      target: { kind: 'cluster', id: cluster.id },
      before: null,
      after: { name: 'alpha', credentialKind: 'token', caBundleSha256: expect.stringMatching(/^[0-9a-f]{64}$/) },
      outcome: 'succeeded',
      error: null,
    });
    for (const event of [changed, action]) expect(JSON.stringify(event)).not.toContain(emulator.adminToken);
  });

  it('registers a cluster with a client certificate and key', async () => {
    const manager = await emulator.issueClientCert('portcullis-manager', ['system:masters']);

    const cluster = await register({ name: 'bravo', credential: { clientCertificate: manager.certPem, clientKey: manager.keyPem } });

    expect(cluster.credentialKind).toBe('CLIENT_CERTIFICATE');
  });

  it('refuses malformed input as BAD_USER_INPUT, naming the field, and stores nothing', async () => {
    const someoneElse = await emulator.issueClientCert('someone');
    const manager = await emulator.issueClientCert('portcullis-manager', ['system:masters']);
    const cases: Array<[Record<string, unknown>, RegExp]> = [
      [{ name: 'Prod_EU' }, /^name: "Prod_EU" must be a DNS label/],
      [{ name: 'x'.repeat(64) }, /^name: /],
      [{ server: 'http://127.0.0.1:6443' }, /^server: must be an https:\/\/ URL/],
      [{ server: 'not a url' }, /^server: "not a url" is not a URL/],
      [{ caBundle: 'hello' }, /^caBundle: no PEM certificate found$/],
      [{ caBundle: '-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n' }, /^caBundle: certificate 1 does not parse$/],
      [{ caBundle: manager.keyPem }, /^caBundle: block 1 is a PRIVATE KEY, not a CERTIFICATE$/],
      [{ labels: { 'bad key!': 'x' } }, /^labels: label key "bad key!"/],
      [{ idleTimeoutSeconds: 5 }, /^idleTimeoutSeconds: must be a whole number of seconds from 60 to 2592000$/],
      [{ credential: {} }, /^credential: give a token, or a client certificate and its key$/],
      [{ credential: { token: 'a', clientCertificate: manager.certPem, clientKey: manager.keyPem } }, /^credential: give either a token or a client certificate and key, not both$/],
      [{ credential: { clientCertificate: manager.certPem, clientKey: someoneElse.keyPem } }, /^credential.clientKey: does not belong to the client certificate$/],
    ];
    for (const [overrides, message] of cases) {
      const error = await policy.fails(REGISTER, { input: input({ name: 'charlie', ...overrides }) });

      expect({ overrides, code: error.extensions?.code }).toEqual({ overrides, code: 'BAD_USER_INPUT' });
      expect(error.message).toMatch(message);
    }
    const { clusters } = await policy.ok<{ clusters: Array<{ name: string }> }>('{ clusters { name } }');
    expect(clusters.map((cluster) => cluster.name)).not.toContain('charlie');
  });

  it('refuses a cluster whose API server cannot be reached, fails TLS, hangs or rejects the credential, saying which', async () => {
    const closedPort = await freePort();
    const cases: Array<[Record<string, unknown>, RegExp]> = [
      [{ server: `https://127.0.0.1:${closedPort}` }, new RegExp(`^the API server at https://127.0.0.1:${closedPort} is unreachable: ECONNREFUSED$`)],
      [{ caBundle: null }, /^TLS with the API server at https:\/\/127\.0\.0\.1:\d+ failed: [A-Z_]+$/],
      [{ server: `https://127.0.0.1:${silentPort}` }, /did not answer within 1500 ms$/],
      [{ credential: { token: 'wrong-token' } }, /^the API server at https:\/\/127\.0\.0\.1:\d+ rejected the credential: HTTP 401 \(Unauthorized\)$/],
    ];
    for (const [overrides, message] of cases) {
      const error = await policy.fails(REGISTER, { input: input({ name: 'delta', ...overrides }) });

      expect({ overrides, code: error.extensions?.code }).toEqual({ overrides, code: 'BAD_USER_INPUT' });
      expect(error.message).toMatch(message);
    }
    const failed = await policy.eventMatching(Subjects.policyAdminAction, (event) => event.action === 'registerCluster' && event.outcome === 'failed' && /401/.test(event.error ?? ''));
    expect(failed).toMatchObject({ actor: { userId: 'admin-1' }, target: { kind: 'cluster', id: null }, before: null, after: null });
    expect(JSON.stringify(failed)).not.toContain('wrong-token');
  });

  it('refuses a second cluster with the same name as CONFLICT', async () => {
    await register({ name: 'echo' });

    const error = await policy.fails(REGISTER, { input: input({ name: 'echo' }) });

    expect(error).toMatchObject({ message: 'a cluster named "echo" already exists', extensions: { code: 'CONFLICT' } });
  });

  it('updates a cluster, checking a new credential against the API server first', async () => {
    const cluster = await register({ name: 'foxtrot' });

    const { updateCluster } = await policy.ok<{ updateCluster: Cluster }>(UPDATE, { id: cluster.id, input: { displayName: 'Foxtrot', labels: { env: 'staging' } } });
    const refused = await policy.fails(UPDATE, { id: cluster.id, input: { credential: { token: 'stolen-and-revoked' } } });
    const rotated = await policy.ok<{ updateCluster: Cluster & { credentialUpdatedAt: string } }>(UPDATE, { id: cluster.id, input: { credential: { token: emulator.adminToken } } });

    expect(updateCluster).toMatchObject({ name: 'foxtrot', displayName: 'Foxtrot', labels: { env: 'staging' } });
    expect(refused).toMatchObject({ extensions: { code: 'BAD_USER_INPUT' }, message: expect.stringContaining('rejected the credential: HTTP 401') });
    expect(rotated.updateCluster.displayName).toBe('Foxtrot');
    const updated = await policy.eventMatching(Subjects.policyClusterChanged, (event) => event.clusterId === cluster.id && event.change === 'updated');
    expect(updated.cluster).toMatchObject({ displayName: 'Foxtrot', labels: { env: 'staging' } });
    const action = await policy.eventMatching(Subjects.policyAdminAction, (event) => event.action === 'updateCluster' && event.target.id === cluster.id);
    expect(action).toMatchObject({ before: { displayName: 'foxtrot', labels: { env: 'prod' } }, after: { displayName: 'Foxtrot', labels: { env: 'staging' } } });
  });

  it('sets the idle timeout of a cluster', async () => {
    const cluster = await register({ name: 'golf' });

    const { setIdleTimeout } = await policy.ok<{ setIdleTimeout: Cluster }>('mutation($id: ID!) { setIdleTimeout(clusterId: $id, seconds: 900) { idleTimeoutSeconds } }', { id: cluster.id });
    const tooShort = await policy.fails('mutation($id: ID!) { setIdleTimeout(clusterId: $id, seconds: 10) { id } }', { id: cluster.id });

    expect(setIdleTimeout.idleTimeoutSeconds).toBe(900);
    expect(tooShort.extensions?.code).toBe('BAD_USER_INPUT');
    const event = await policy.eventMatching(Subjects.policyClusterChanged, (e) => e.clusterId === cluster.id && e.cluster?.idleTimeoutSeconds === 900);
    expect(event.change).toBe('updated');
    await policy.eventMatching(Subjects.policyAdminAction, (e) => e.action === 'setIdleTimeout' && e.target.id === cluster.id && (e.after as { idleTimeoutSeconds?: number } | null)?.idleTimeoutSeconds === 900);
  });

  it('removes a cluster together with the grants made for it, publishing each removal', async () => {
    const cluster = await register({ name: 'hotel' });
    const { grant } = await policy.ok<{ grant: { id: string } }>(
      'mutation($cluster: ID!, $role: ID!) { grant(input: { subject: { kind: GROUP, name: "sre" }, roleId: $role, clusterId: $cluster }) { id } }',
      { cluster: cluster.id, role: VIEW_ROLE_ID },
    );

    const { removeCluster } = await policy.ok<{ removeCluster: Cluster }>('mutation($id: ID!) { removeCluster(id: $id) { name } }', { id: cluster.id });

    expect(removeCluster.name).toBe('hotel');
    const { clusters, grants } = await policy.ok<{ clusters: Array<{ id: string }>; grants: Array<{ id: string }> }>('{ clusters { id } grants { id } }');
    expect(clusters.map((c) => c.id)).not.toContain(cluster.id);
    expect(grants.map((g) => g.id)).not.toContain(grant.id);
    expect(await policy.eventMatching(Subjects.policyGrantChanged, (e) => e.grantId === grant.id && e.change === 'deleted')).toMatchObject({ grant: null });
    expect(await policy.eventMatching(Subjects.policyClusterChanged, (e) => e.clusterId === cluster.id && e.change === 'deleted')).toMatchObject({ cluster: null });
    await policy.eventMatching(Subjects.policyAdminAction, (e) => e.action === 'removeCluster' && e.target.id === cluster.id && e.after === null);
  });

  it('answers NOT_FOUND for unknown cluster ids', async () => {
    const unknown = '4b0c3d52-8f4e-4a8e-9c38-1c2b3d4e5f60';
    const operations: Array<[string, Record<string, unknown>]> = [
      [UPDATE, { id: unknown, input: { displayName: 'x' } }],
      ['mutation($id: ID!) { removeCluster(id: $id) { id } }', { id: unknown }],
      ['mutation($id: ID!) { setIdleTimeout(clusterId: $id, seconds: 600) { id } }', { id: 'not-a-uuid' }],
      ['query($id: ID!) { jitServiceAccounts(clusterId: $id) { userId } }', { id: unknown }],
    ];
    for (const [operation, variables] of operations) {
      const error = await policy.fails(operation, variables);

      expect(error).toMatchObject({ extensions: { code: 'NOT_FOUND' }, message: expect.stringMatching(/^no cluster with id /) });
    }
  });

  it('tells the proxy and sa-provisioner where a cluster is, over NATS (NOT_FOUND for an unknown name)', async () => {
    const cluster = await register({ name: 'kilo', labels: {} });
    const requester = new Requester(policy.messaging, 2_000);

    const endpoint = await requester.request(PolicyClusterLookupV1, { name: 'kilo' });
    const unknown = await requester.request(PolicyClusterLookupV1, { name: 'nowhere' }).catch((error: unknown) => error);

    expect(endpoint).toEqual({ id: cluster.id, name: 'kilo', displayName: 'kilo', server: emulator.url, caBundle: cluster.caBundle, idleTimeoutSeconds: 3600 });
    expect(unknown).toBeInstanceOf(RemoteRequestError);
    expect(unknown).toMatchObject({ code: 'NOT_FOUND', message: 'no cluster named "nowhere"' });
  });

  it('hands sa-provisioner the decrypted management credential, as it was registered', async () => {
    const manager = await emulator.issueClientCert('portcullis-manager', ['system:masters']);
    await register({ name: 'lima' });
    await register({ name: 'mike', credential: { clientCertificate: manager.certPem, clientKey: manager.keyPem } });
    const requester = new Requester(policy.messaging, 2_000);

    const byToken = await requester.request(PolicyClusterCredentialV1, { name: 'lima' });
    const byCertificate = await requester.request(PolicyClusterCredentialV1, { name: 'mike' });

    expect(byToken).toEqual({ cluster: expect.objectContaining({ name: 'lima', server: emulator.url }), credential: { token: emulator.adminToken } });
    expect(byCertificate.credential).toEqual({ clientCertificate: manager.certPem, clientKey: manager.keyPem });
  });

  describe('the management credential', () => {
    let secretToken: string;
    let clientKeyBody: string;

    beforeAll(async () => {
      // A token the emulator accepts (a ServiceAccount's), distinct from anything else in the test.
      secretToken = emulator.adminToken;
      const manager = await emulator.issueClientCert('portcullis-manager', ['system:masters']);
      clientKeyBody = manager.keyPem.split('\n')[1];
      await register({ name: 'india' });
      await register({ name: 'juliet', credential: { clientCertificate: manager.certPem, clientKey: manager.keyPem } });
    });

    it('is not readable in a dump of the database schema', () => {
      const dump = execFileSync('pg_dump', ['--schema', policy.schema, stackEnvironment().databaseUrl], { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });

      expect(dump).toContain('india');
      expect(dump).toContain('juliet');
      expect(dump).not.toContain(secretToken);
      expect(dump).not.toContain(Buffer.from(secretToken).toString('hex'));
      expect(dump).not.toContain(Buffer.from(secretToken).toString('base64'));
      expect(dump).not.toContain(clientKeyBody);
      expect(dump).not.toContain('-----BEGIN PRIVATE KEY-----');
      expect(dump).not.toMatch(/"token":/);
    });

    it('is not readable in any column read as text', async () => {
      const client = new Client({ connectionString: stackEnvironment().databaseUrl });
      await client.connect();
      try {
        const { rows } = await client.query<{ row: string }>(`SELECT row_to_json(c)::text AS row FROM "${policy.schema}".clusters c`);
        const hexRows = await client.query<{ row: string }>(
          `SELECT concat_ws(',', encode(credential_ciphertext, 'escape'), encode(credential_ciphertext, 'hex'), encode(credential_iv, 'hex')) AS row FROM "${policy.schema}".clusters`,
        );

        expect(rows.length).toBeGreaterThanOrEqual(2);
        for (const { row } of [...rows, ...hexRows.rows]) {
          expect(row).not.toContain(secretToken);
          expect(row).not.toContain(clientKeyBody);
          expect(row).not.toMatch(/BEGIN PRIVATE KEY|"token":/);
        }
      } finally {
        await client.end();
      }
    });

    it('appears in no log line, no event and no GraphQL field', async () => {
      const events = JSON.stringify([...(await policy.events(Subjects.policyClusterChanged)), ...(await policy.events(Subjects.policyAdminAction))]);
      const { __type } = await policy.ok<{ __type: { fields: Array<{ name: string }> } }>('{ __type(name: "Cluster") { fields { name } } }');

      expect(policy.logLines.length).toBeGreaterThan(20);
      for (const line of policy.logLines) {
        expect(line).not.toContain(secretToken);
        expect(line).not.toContain(clientKeyBody);
      }
      expect(events).not.toContain(secretToken);
      expect(events).not.toContain(clientKeyBody);
      expect(__type.fields.map((field) => field.name).filter((name) => /credential|token|key|secret/i.test(name))).toEqual(['credentialKind', 'credentialUpdatedAt']);
    });
  });
});
