// @peculiar/x509 2 resolves its parsers through tsyringe, which needs the Reflect polyfill first.
import 'reflect-metadata';
import * as x509 from '@peculiar/x509';
import { DevPki, ensureDevPki } from '@portcullis/dev-pki';
import { AgentEnrollmentCodes, AgentEnrollV1, AgentRenewV1, PolicyClusterCredentialV1, PolicyClusterLookupV1, PolicyClusterLookupV2, Subjects } from '@portcullis/contracts';
import { RemoteRequestError, Requester } from '@portcullis/platform/messaging';
import { stackEnvironment } from '@portcullis/platform/testing';
import { createHash, webcrypto, X509Certificate } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Client } from 'pg';
import YAML from 'yaml';
import { PolicyUnderTest } from './support/policy-under-test';

x509.cryptoProvider.set(webcrypto);

const TUNNEL_URL = 'https://tunnel.portcullis.test:8444';
const DAY_MS = 86_400_000;

const CLUSTER_FIELDS = 'id name displayName mode server caBundle labels idleTimeoutSeconds credentialKind credentialUpdatedAt agentCertificateExpiresAt';
const REGISTER = `mutation($input: RegisterAgentClusterInput!) { registerAgentCluster(input: $input) { cluster { ${CLUSTER_FIELDS} } bootstrapToken bootstrapTokenExpiresAt manifest } }`;
const REREGISTER = `mutation($id: ID!) { reregisterClusterAgent(id: $id) { cluster { ${CLUSTER_FIELDS} } bootstrapToken bootstrapTokenExpiresAt manifest } }`;
const CLUSTERS = `{ clusters { ${CLUSTER_FIELDS} } }`;

interface Cluster {
  id: string;
  name: string;
  mode: string;
  server: string;
  caBundle: string | null;
  credentialKind: string | null;
  credentialUpdatedAt: string | null;
  agentCertificateExpiresAt: string | null;
}

interface Registration {
  cluster: Cluster;
  bootstrapToken: string;
  bootstrapTokenExpiresAt: string;
  manifest: string;
}

type KeyAlgorithm = { name: 'ECDSA'; namedCurve: string } | { name: 'RSASSA-PKCS1-v1_5'; modulusLength: number; publicExponent: Uint8Array; hash: string };

/** A PKCS#10 request as the agent makes one: its own key pair, whatever subject it likes. */
async function certificateRequest(algorithm: KeyAlgorithm = { name: 'ECDSA', namedCurve: 'P-256' }): Promise<string> {
  const keys = (await webcrypto.subtle.generateKey(algorithm, false, ['sign', 'verify'])) as webcrypto.CryptoKeyPair;
  const signingAlgorithm = algorithm.name === 'ECDSA' ? { name: 'ECDSA', hash: algorithm.namedCurve === 'P-384' ? 'SHA-384' : 'SHA-256' } : algorithm;
  const csr = await x509.Pkcs10CertificateRequestGenerator.create({ name: 'CN=whoever-i-like, O=system:masters', keys, signingAlgorithm });
  return csr.toString('pem');
}

function fingerprintOf(pem: string): string {
  return createHash('sha256').update(new X509Certificate(pem).raw).digest('hex');
}

async function refusal(request: Promise<unknown>): Promise<{ code: string; message: string }> {
  const error = await request.then(
    () => null,
    (thrown: unknown) => thrown,
  );
  if (!(error instanceof RemoteRequestError)) throw new Error(`expected a refusal, got ${String(error)}`);
  return { code: error.code, message: error.message };
}

describe('agent-mode clusters', () => {
  let policy: PolicyUnderTest;
  let pki: DevPki;
  let dir: string;
  let requester: Requester;
  let database: Client;
  let csr: string;

  beforeAll(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'policy-agents-'));
    pki = await ensureDevPki(dir);
    policy = await PolicyUnderTest.start({
      AGENT_CA_CERT_FILE: pki.agentCaCertFile,
      AGENT_CA_KEY_FILE: pki.agentCaKeyFile,
      AGENT_TUNNEL_URL: TUNNEL_URL,
      AGENT_TUNNEL_CA_FILE: pki.proxyCaCertFile,
    });
    requester = new Requester(policy.messaging, 5_000);
    database = new Client({ connectionString: stackEnvironment().databaseUrl });
    await database.connect();
    csr = await certificateRequest();
  });

  afterAll(async () => {
    await database?.end();
    await policy?.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  async function register(name: string): Promise<Registration> {
    return (await policy.ok<{ registerAgentCluster: Registration }>(REGISTER, { input: { name, labels: { env: 'edge' } } })).registerAgentCluster;
  }

  function enroll(cluster: string, bootstrapToken: string, request = csr) {
    return requester.request(AgentEnrollV1, { cluster, bootstrapToken, csr: request, agentVersion: '0.1.0', peerAddress: '10.0.0.7' });
  }

  function renew(cluster: string, certificateFingerprint: string, request = csr) {
    return requester.request(AgentRenewV1, { cluster, certificateFingerprint, csr: request, agentVersion: '0.1.0' });
  }

  async function fingerprints(name: string): Promise<string[] | undefined> {
    return (await requester.request(PolicyClusterLookupV2, { name })).agent?.certificateFingerprints;
  }

  async function clusterNamed(name: string): Promise<Cluster> {
    const { clusters } = await policy.ok<{ clusters: Cluster[] }>(CLUSTERS);
    const found = clusters.find((cluster) => cluster.name === name);
    if (!found) throw new Error(`no cluster ${name}`);
    return found;
  }

  it('registers an agent-mode cluster without a credential, returning a one-time token and the manifest to apply, and never records the token', async () => {
    const sut = await register('edge-alpha');

    expect(sut.cluster).toMatchObject({
      name: 'edge-alpha',
      mode: 'AGENT',
      server: 'https://kubernetes.default.svc',
      caBundle: null,
      credentialKind: null,
      credentialUpdatedAt: null,
      agentCertificateExpiresAt: null,
    });
    expect(sut.bootstrapToken).toMatch(/^pcb_[A-Za-z0-9_-]{43}$/);
    const ttl = Date.parse(sut.bootstrapTokenExpiresAt) - Date.now();
    expect(ttl).toBeGreaterThan(3_500_000);
    expect(ttl).toBeLessThanOrEqual(3_600_000);
    const documents = YAML.parseAllDocuments(sut.manifest).map((doc) => doc.toJS() as { kind: string; stringData?: Record<string, string>; spec?: unknown });
    expect(documents.map((doc) => doc.kind)).toEqual(['Namespace', 'ServiceAccount', 'ClusterRole', 'ClusterRoleBinding', 'Role', 'RoleBinding', 'Secret', 'Deployment', 'NetworkPolicy']);
    expect(documents[6].stringData).toEqual({ 'bootstrap-token': sut.bootstrapToken, 'tunnel-ca.crt': fs.readFileSync(pki.proxyCaCertFile, 'utf8') });
    expect(JSON.stringify(documents[7].spec)).toContain(`{"name":"AGENT_CLUSTER_NAME","value":"edge-alpha"},{"name":"AGENT_TUNNEL_URL","value":"${TUNNEL_URL}"}`);

    const created = await policy.eventMatching(Subjects.policyClusterChanged, (event) => event.clusterId === sut.cluster.id);
    expect(created).toMatchObject({ change: 'created', cluster: { name: 'edge-alpha', server: 'https://kubernetes.default.svc', caBundle: null, labels: { env: 'edge' } } });
    const action = await policy.eventMatching(Subjects.policyAdminAction, (event) => event.action === 'registerAgentCluster' && event.target.id === sut.cluster.id);
    expect(action).toMatchObject({ outcome: 'succeeded', before: null, after: { name: 'edge-alpha', mode: 'agent', credentialKind: null, bootstrapTokenExpiresAt: sut.bootstrapTokenExpiresAt } });
    expect(await requester.request(PolicyClusterLookupV2, { name: 'edge-alpha' })).toMatchObject({ mode: 'agent', agent: { certificateFingerprints: [] } });
    expect(await requester.request(PolicyClusterLookupV1, { name: 'edge-alpha' })).toMatchObject({ server: 'https://kubernetes.default.svc', caBundle: null });
    const secretPart = sut.bootstrapToken.slice(4);
    for (const line of policy.logLines) expect(line).not.toContain(secretPart);
    for (const event of [created, action]) expect(JSON.stringify(event)).not.toContain(secretPart);
    const { rows } = await database.query<{ row: string }>(`SELECT row_to_json(t)::text AS row FROM "${policy.schema}".agent_bootstrap_tokens t`);
    for (const { row } of rows) expect(row).not.toContain(secretPart);
  });

  it('enrolls an agent with its token and CSR: a client certificate for that cluster, signed by the agent CA, that the lookup then lists', async () => {
    const registration = await register('edge-bravo');

    const sut = await enroll('edge-bravo', registration.bootstrapToken);

    const certificate = new X509Certificate(sut.certificate);
    const ca = new X509Certificate(fs.readFileSync(pki.agentCaCertFile));
    expect(sut.caCertificate.trim()).toBe(fs.readFileSync(pki.agentCaCertFile, 'utf8').trim());
    expect(certificate.verify(ca.publicKey)).toBe(true);
    expect(certificate.checkIssued(ca)).toBe(true);
    expect(certificate.subject.split('\n')).toEqual(['CN=edge-bravo', 'O=portcullis:agent']);
    expect(certificate.subjectAltName).toBe(`URI:urn:portcullis:cluster:${registration.cluster.id}`);
    expect(certificate.keyUsage).toEqual(['1.3.6.1.5.5.7.3.2']);
    expect(certificate.ca).toBe(false);
    expect(certificate.publicKey.asymmetricKeyDetails?.namedCurve).toBe('prime256v1');
    const lifetime = Date.parse(certificate.validTo) - Date.now();
    expect(lifetime).toBeGreaterThan(29.9 * DAY_MS);
    expect(lifetime).toBeLessThanOrEqual(30 * DAY_MS);
    expect(Date.parse(certificate.validFrom)).toBeLessThan(Date.now() - 50_000);
    expect(sut.notAfter).toBe(new Date(certificate.validTo).toISOString());
    expect(await fingerprints('edge-bravo')).toEqual([fingerprintOf(sut.certificate)]);
    expect((await clusterNamed('edge-bravo')).agentCertificateExpiresAt).toBe(sut.notAfter);
    await policy.eventMatching(Subjects.policyClusterChanged, (event) => event.clusterId === registration.cluster.id && event.change === 'updated' && event.changedBy === 'cluster-agent:edge-bravo');
  });

  it('refuses a used, an expired and another cluster\'s token, and an unknown cluster, all with one code and one message', async () => {
    const used = await register('edge-charlie');
    const other = await register('edge-delta');
    const expired = await register('edge-echo');
    await enroll('edge-charlie', used.bootstrapToken);
    await database.query(`UPDATE "${policy.schema}".agent_bootstrap_tokens SET expires_at = now() - interval '1 second' WHERE cluster_id = $1`, [expired.cluster.id]);

    const refusals = await Promise.all([
      refusal(enroll('edge-charlie', used.bootstrapToken)),
      refusal(enroll('edge-echo', expired.bootstrapToken)),
      refusal(enroll('edge-charlie', other.bootstrapToken)),
      refusal(enroll('edge-charlie', `${used.bootstrapToken.slice(0, -1)}x`)),
      refusal(enroll('nowhere', used.bootstrapToken)),
    ]);

    const expected = { code: AgentEnrollmentCodes.tokenInvalid, message: 'the bootstrap token is invalid, expired or already used' };
    expect(refusals).toEqual([expected, expected, expected, expected, expected]);
    // The other cluster's token was not spent by the attempt on the wrong cluster.
    await expect(enroll('edge-delta', other.bootstrapToken)).resolves.toMatchObject({ certificate: expect.stringContaining('BEGIN CERTIFICATE') });
  });

  it('lets only one of two concurrent enrollments with the same token succeed', async () => {
    const registration = await register('edge-foxtrot');

    const outcomes = await Promise.allSettled([enroll('edge-foxtrot', registration.bootstrapToken), enroll('edge-foxtrot', registration.bootstrapToken)]);

    const issued = outcomes.filter((outcome) => outcome.status === 'fulfilled');
    const refused = outcomes.filter((outcome): outcome is PromiseRejectedResult => outcome.status === 'rejected');
    expect(issued).toHaveLength(1);
    expect(refused.map((outcome) => (outcome.reason as RemoteRequestError).code)).toEqual([AgentEnrollmentCodes.tokenInvalid]);
    expect(await fingerprints('edge-foxtrot')).toHaveLength(1);
  });

  it('renews with the current certificate, keeping the presented one accepted until it expires and dropping anything older', async () => {
    const registration = await register('edge-golf');
    const first = await enroll('edge-golf', registration.bootstrapToken);

    const second = await renew('edge-golf', fingerprintOf(first.certificate), await certificateRequest());
    const afterFirstRenewal = await fingerprints('edge-golf');
    const third = await renew('edge-golf', fingerprintOf(second.certificate), await certificateRequest());

    expect(new X509Certificate(second.certificate).subject).toContain('CN=edge-golf');
    expect(afterFirstRenewal).toEqual([fingerprintOf(second.certificate), fingerprintOf(first.certificate)]);
    expect(await fingerprints('edge-golf')).toEqual([fingerprintOf(third.certificate), fingerprintOf(second.certificate)]);
    expect(await refusal(renew('edge-golf', fingerprintOf(first.certificate)))).toMatchObject({ code: AgentEnrollmentCodes.agentRevoked });
    expect((await clusterNamed('edge-golf')).agentCertificateExpiresAt).toBe(third.notAfter);
  });

  it('re-registration revokes every certificate and unused token at once and publishes the change; the new token enrolls', async () => {
    const registration = await register('edge-hotel');
    const enrolled = await enroll('edge-hotel', registration.bootstrapToken);
    const unused = (await policy.ok<{ reregisterClusterAgent: Registration }>(REREGISTER, { id: registration.cluster.id })).reregisterClusterAgent;

    const sut = (await policy.ok<{ reregisterClusterAgent: Registration }>(REREGISTER, { id: registration.cluster.id })).reregisterClusterAgent;

    expect(sut.bootstrapToken).not.toBe(unused.bootstrapToken);
    expect(sut.manifest).toContain(sut.bootstrapToken);
    expect(sut.cluster.agentCertificateExpiresAt).toBeNull();
    expect(await fingerprints('edge-hotel')).toEqual([]);
    expect(await refusal(renew('edge-hotel', fingerprintOf(enrolled.certificate)))).toEqual({
      code: AgentEnrollmentCodes.agentRevoked,
      message: 'the certificate is not an accepted agent identity of cluster edge-hotel',
    });
    expect(await refusal(enroll('edge-hotel', unused.bootstrapToken))).toMatchObject({ code: AgentEnrollmentCodes.tokenInvalid });
    const changed = await policy.eventMatching(Subjects.policyClusterChanged, (event) => event.clusterId === registration.cluster.id && event.change === 'updated' && event.changedBy === 'admin-1');
    expect(changed.cluster).toMatchObject({ name: 'edge-hotel' });
    const action = await policy.eventMatching(
      Subjects.policyAdminAction,
      (event) => event.action === 'reregisterClusterAgent' && event.target.id === registration.cluster.id && event.after?.['bootstrapTokenExpiresAt'] === sut.bootstrapTokenExpiresAt,
    );
    expect(action.after).toMatchObject({ bootstrapTokensRevoked: 1, agentCertificatesRevoked: [] });
    for (const token of [registration, unused, sut].map((r) => r.bootstrapToken.slice(4))) {
      expect(JSON.stringify(await policy.events(Subjects.policyAdminAction))).not.toContain(token);
      for (const line of policy.logLines) expect(line).not.toContain(token);
    }
    const reenrolled = await enroll('edge-hotel', sut.bootstrapToken);
    expect(await fingerprints('edge-hotel')).toEqual([fingerprintOf(reenrolled.certificate)]);
  });

  it('answers AGENT_MODE when sa-provisioner asks for the management credential of an agent-mode cluster', async () => {
    await register('edge-india');

    const sut = await refusal(requester.request(PolicyClusterCredentialV1, { name: 'edge-india' }));

    expect(sut).toEqual({ code: 'AGENT_MODE', message: 'cluster edge-india is in agent mode: Portcullis holds no management credential for it; its calls go through the cluster agent' });
  });

  it('refuses a CSR that does not parse, is not signed by its key, or has a key Portcullis does not sign, without spending the token', async () => {
    const registration = await register('edge-juliet');
    const valid = await certificateRequest();
    const der = Buffer.from(new x509.Pkcs10CertificateRequest(valid).rawData);
    der[der.length - 5] ^= 0xff;
    const tampered = x509.PemConverter.encode(der, 'CERTIFICATE REQUEST');
    const rsa1024 = { name: 'RSASSA-PKCS1-v1_5', modulusLength: 1024, publicExponent: new Uint8Array([1, 0, 1]), hash: 'SHA-256' } as const;
    const cases: Array<[string, RegExp]> = [
      ['-----BEGIN CERTIFICATE REQUEST-----\nAAAA\n-----END CERTIFICATE REQUEST-----\n', /not a PEM PKCS#10 certificate request/],
      [tampered, /not signed by the key it carries|does not parse/],
      [await certificateRequest({ name: 'ECDSA', namedCurve: 'P-384' }), /must be ECDSA P-256 or RSA of 2048-8192 bits/],
      [await certificateRequest(rsa1024), /must be ECDSA P-256 or RSA of 2048-8192 bits/],
    ];

    for (const [request, message] of cases) {
      const sut = await refusal(enroll('edge-juliet', registration.bootstrapToken, request));

      expect({ request: request.slice(0, 80), code: sut.code }).toEqual({ request: request.slice(0, 80), code: AgentEnrollmentCodes.csrInvalid });
      expect(sut.message).toMatch(message);
    }
    const rsa2048 = await certificateRequest({ ...rsa1024, modulusLength: 2048 });
    await expect(enroll('edge-juliet', registration.bootstrapToken, rsa2048)).resolves.toMatchObject({ notAfter: expect.any(String) });
  });

  it('updates the descriptive fields of an agent-mode cluster but refuses a server, CA bundle or credential', async () => {
    const registration = await register('edge-kilo');
    const update = 'mutation($id: ID!, $input: UpdateClusterInput!) { updateCluster(id: $id, input: $input) { displayName labels mode server } }';

    const updated = await policy.ok<{ updateCluster: { displayName: string; labels: Record<string, string>; mode: string; server: string } }>(update, {
      id: registration.cluster.id,
      input: { displayName: 'Kilo (edge)', labels: { env: 'prod' } },
    });
    const refused = await Promise.all(
      [{ server: 'https://10.0.0.1:6443' }, { caBundle: fs.readFileSync(pki.proxyCaCertFile, 'utf8') }, { credential: { token: 'abc' } }].map((input) => policy.fails(update, { id: registration.cluster.id, input })),
    );

    expect(updated.updateCluster).toEqual({ displayName: 'Kilo (edge)', labels: { env: 'prod' }, mode: 'AGENT', server: 'https://kubernetes.default.svc' });
    for (const error of refused) {
      expect(error).toMatchObject({ extensions: { code: 'BAD_USER_INPUT' }, message: expect.stringMatching(/^cluster edge-kilo is in agent mode: server, caBundle and credential do not apply/) });
    }
  });

  it('removes an agent-mode cluster with its tokens and certificates', async () => {
    const registration = await register('edge-lima');
    await enroll('edge-lima', registration.bootstrapToken);

    await policy.ok('mutation($id: ID!) { removeCluster(id: $id) { id } }', { id: registration.cluster.id });

    const counts = await database.query<{ tokens: number; certificates: number }>(
      `SELECT (SELECT count(*)::int FROM "${policy.schema}".agent_bootstrap_tokens WHERE cluster_id = $1) AS tokens,
              (SELECT count(*)::int FROM "${policy.schema}".agent_certificates WHERE cluster_id = $1) AS certificates`,
      [registration.cluster.id],
    );
    expect(counts.rows[0]).toEqual({ tokens: 0, certificates: 0 });
    expect(await refusal(requester.request(PolicyClusterLookupV2, { name: 'edge-lima' }))).toMatchObject({ code: 'NOT_FOUND' });
  });

  it('refuses to re-register a cluster that is not in agent mode, or that does not exist', async () => {
    // A direct-mode row as registerCluster leaves one (the credential bytes do not matter here).
    const directId = '5c1d4e63-9f5a-4b9f-8d49-2d3c4e5f6a71';
    await database.query(
      `INSERT INTO "${policy.schema}".clusters (id, name, display_name, mode, server, labels, idle_timeout_seconds, credential_kind, credential_key_id, credential_iv, credential_auth_tag, credential_ciphertext, credential_updated_at)
       VALUES ($1, 'direct-november', 'direct-november', 'direct', 'https://10.0.0.1:6443', '{}', 3600, 'token', 'k1', '\\x00', '\\x00', '\\x00', now())`,
      [directId],
    );

    const direct = await policy.fails(REREGISTER, { id: directId });
    const unknown = await policy.fails(REREGISTER, { id: '4b0c3d52-8f4e-4a8e-9c38-1c2b3d4e5f60' });

    expect(direct).toMatchObject({ extensions: { code: 'BAD_USER_INPUT' }, message: 'cluster direct-november is in direct mode: it has no agent to re-register' });
    expect(unknown).toMatchObject({ extensions: { code: 'NOT_FOUND' } });
    expect(await requester.request(PolicyClusterLookupV2, { name: 'direct-november' })).toMatchObject({ mode: 'direct', agent: null, server: 'https://10.0.0.1:6443' });
  });
});

describe('agent-mode clusters on a policy without agent settings', () => {
  let policy: PolicyUnderTest;

  beforeAll(async () => {
    policy = await PolicyUnderTest.start();
  });

  afterAll(async () => {
    await policy?.stop();
  });

  it('refuses to register one, naming the variables to set', async () => {
    const sut = await policy.fails(REGISTER, { input: { name: 'edge-mike' } });

    expect(sut).toMatchObject({
      extensions: { code: 'SERVICE_UNAVAILABLE' },
      message: 'agent mode is not configured on the policy service: set AGENT_CA_CERT_FILE, AGENT_CA_KEY_FILE, AGENT_TUNNEL_URL',
    });
  });
});
