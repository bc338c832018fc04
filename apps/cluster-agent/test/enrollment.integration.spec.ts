import { ENROLL_PATH, RENEW_PATH } from '@portcullis/platform/tunnel';
import { waitFor } from '@portcullis/platform/testing';
import { createHash, createPrivateKey, X509Certificate } from 'node:crypto';
import { AGENT_NAMESPACE, AgentCluster, CLUSTER_NAME, RunningAgent } from './support/agent-harness';
import { TunnelEndpointDouble } from './support/tunnel-endpoint.double';

const IDENTITY_SECRET = 'portcullis-agent-identity';
const DIGEST_ANNOTATION = 'portcullis.dev/bootstrap-token-sha256';

function sha256(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}

function decoded(value: unknown): string {
  return Buffer.from(String(value), 'base64').toString('utf8');
}

describe('cluster-agent enrollment', () => {
  let endpoint: TunnelEndpointDouble;
  let cluster: AgentCluster;
  const agents: RunningAgent[] = [];

  async function startAgent(env: Record<string, string> = {}): Promise<RunningAgent> {
    const agent = await cluster.startAgent(env);
    agents.push(agent);
    return agent;
  }

  function identitySecret() {
    return cluster.emulator.get('v1', 'Secret', IDENTITY_SECRET, AGENT_NAMESPACE);
  }

  function enrollCalls(): number {
    return endpoint.calls.filter((call) => call.path === ENROLL_PATH).length;
  }

  beforeEach(async () => {
    endpoint = await TunnelEndpointDouble.start();
    cluster = await AgentCluster.start(endpoint);
  });

  afterEach(async () => {
    for (const agent of agents.splice(0)) await agent.stop();
    await cluster.stop();
    await endpoint.close();
  });

  it('enrolls with the bootstrap token, stores the identity Secret, and a restart reuses it without enrolling', async () => {
    endpoint.addBootstrapToken('bootstrap-token-1');
    cluster.writeBootstrapToken('bootstrap-token-1');
    const first = await startAgent();

    const tunnel = await endpoint.tunnel(1);

    expect(tunnel.clusterName).toBe(CLUSTER_NAME);
    const secret = await waitFor(() => identitySecret(), 'the identity Secret');
    expect(secret).toMatchObject({ type: 'kubernetes.io/tls', metadata: { annotations: { [DIGEST_ANNOTATION]: sha256('bootstrap-token-1') } } });
    const data = secret?.data as Record<string, string>;
    const certificate = new X509Certificate(decoded(data['tls.crt']));
    expect(certificate.subject).toBe(`CN=${CLUSTER_NAME}`);
    expect(certificate.checkPrivateKey(createPrivateKey(decoded(data['tls.key'])))).toBe(true);
    expect(decoded(data['ca.crt'])).toBe(endpoint.agentCa.certPem);
    await waitFor(async () => (await fetch(`${first.opsUrl}/readyz`)).status === 200, 'the agent to be ready');
    expect(first.logs.raw).not.toContain('bootstrap-token-1');
    expect(first.logs.raw).not.toContain('PRIVATE KEY');
    expect(first.logs.raw).not.toContain('BEGIN CERTIFICATE');

    await first.stop();
    const second = await startAgent();
    await endpoint.tunnel(2);

    expect(enrollCalls()).toBe(1);
    expect(second.logs.find('stored agent identity loaded')).toMatchObject({ fingerprint: certificate.fingerprint256.replace(/:/g, '').toLowerCase() });
  });

  it('does not retry a refused bootstrap token in a loop, and enrolls once a new token file appears', async () => {
    cluster.writeBootstrapToken('not-a-valid-token');
    const agent = await startAgent();

    await agent.logs.waitFor('enrollment refused: this bootstrap token will not be sent again; waiting for a new one');
    await new Promise((resolve) => setTimeout(resolve, 1_000));

    expect(enrollCalls()).toBe(1);
    expect(agent.logs.find('enrollment refused: this bootstrap token will not be sent again; waiting for a new one')).toMatchObject({
      status: 401,
      reason: 'the tunnel endpoint refused (401): the bootstrap token is invalid, expired or already used',
    });
    expect((await fetch(`${agent.opsUrl}/readyz`)).status).toBe(503);
    expect(await agent.metrics()).toMatch(/agent_enrollments_total\{outcome="refused",service="cluster-agent"\} 1/);

    endpoint.addBootstrapToken('bootstrap-token-2');
    cluster.writeBootstrapToken('bootstrap-token-2');
    await endpoint.tunnel(1);

    expect(enrollCalls()).toBe(2);
    expect(agent.logs.raw).not.toContain('not-a-valid-token');
  });

  it('retries with backoff while the endpoint answers 503, without spending the token', async () => {
    endpoint.options.enrollmentStatus = 503;
    endpoint.addBootstrapToken('bootstrap-token-3');
    cluster.writeBootstrapToken('bootstrap-token-3');
    const agent = await startAgent();

    await waitFor(() => enrollCalls() >= 3, 'three enrollment attempts');
    expect(agent.logs.find('agent identity not settled; retrying')).toMatchObject({ code: 'ENDPOINT_UNAVAILABLE' });

    endpoint.options.enrollmentStatus = undefined;
    await endpoint.tunnel(1);
    // The agent dials as soon as it holds its certificate and stores it alongside: wait for both.
    await waitFor(() => identitySecret()?.metadata.annotations?.[DIGEST_ANNOTATION] === sha256('bootstrap-token-3'), 'the identity to be stored');
  });

  it('enrolls again when a new bootstrap token replaces the spent one (re-registration)', async () => {
    endpoint.addBootstrapToken('bootstrap-token-4');
    cluster.writeBootstrapToken('bootstrap-token-4');
    const agent = await startAgent();
    await endpoint.tunnel(1);

    endpoint.addBootstrapToken('bootstrap-token-5');
    cluster.writeBootstrapToken('bootstrap-token-5');

    await waitFor(() => identitySecret()?.metadata.annotations?.[DIGEST_ANNOTATION] === sha256('bootstrap-token-5'), 'the re-enrolled identity to be stored');
    expect(enrollCalls()).toBe(2);
    expect(agent.logs.count('enrolled with the bootstrap token')).toBe(2);
  });

  it('renews the certificate when a third of its lifetime remains, stores it, and dials with it next time', async () => {
    endpoint.options.certificateLifetimeMs = 6_000;
    endpoint.addBootstrapToken('bootstrap-token-6');
    cluster.writeBootstrapToken('bootstrap-token-6');
    const agent = await startAgent();
    await endpoint.tunnel(1);
    const enrolled = await waitFor(() => {
      const secret = identitySecret();
      return secret?.metadata.annotations?.[DIGEST_ANNOTATION] === sha256('bootstrap-token-6') ? (secret.data as Record<string, string>) : undefined;
    }, 'the enrolled identity to be stored');

    const renewed = await agent.logs.waitFor('certificate renewed', undefined, 10_000);

    expect(endpoint.calls.filter((call) => call.path === RENEW_PATH)).toEqual([{ path: RENEW_PATH, status: 200, peer: CLUSTER_NAME }]);
    await waitFor(() => (identitySecret()?.data as Record<string, string>)['tls.crt'] !== enrolled['tls.crt'], 'the renewed certificate to be stored');
    expect(identitySecret()?.metadata.annotations?.[DIGEST_ANNOTATION]).toBe(sha256('bootstrap-token-6'));

    endpoint.dropTunnels();
    const next = await endpoint.tunnel(2);
    expect(next.socket.getPeerCertificate().fingerprint256.replace(/:/g, '').toLowerCase()).toBe(renewed['fingerprint']);
  });
});
