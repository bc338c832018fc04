import { TUNNEL_ALPN } from '@portcullis/platform/tunnel';
import { waitFor } from '@portcullis/platform/testing';
import fs from 'node:fs';
import http2 from 'node:http2';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import tls from 'node:tls';
import WebSocket from 'ws';
import { AgentCredential, ClientCredential, TestCertificateAuthority } from './support/client-certificates';
import { Http2Watch, http2Request } from './support/http2-client';
import { ProxyHarness } from './support/proxy-harness';

// Agent mode beyond what the parametrised kubectl and Lens suites cover: the tunnel endpoint's
// refusals, an agent killed with SIGKILL, one tunnel carrying a thousand streams with one reader
// that stops reading, and revocation of a running agent's identity.

const WATCHES = 900;
const EXEC_SESSIONS = 100;

/** An exec session over WebSocket (v5.channel.k8s.io), as kubectl 1.32 opens one, through the proxy. */
function openExec(harness: Pick<ProxyHarness, 'proxyUrl' | 'proxyCaPem'>, credential: ClientCredential, pod: string): Promise<{ socket: WebSocket; output: () => string }> {
  const url = `${harness.proxyUrl.replace('https:', 'wss:')}/clusters/dev/api/v1/namespaces/team-a/pods/${pod}/exec?command=cat&stdin=true&stdout=true&stderr=true`;
  return new Promise((resolve, reject) => {
    const socket = new WebSocket(url, ['v5.channel.k8s.io'], { ca: harness.proxyCaPem, cert: credential.certPem, key: credential.keyPem });
    let output = '';
    socket.on('message', (data: Buffer) => {
      if (data[0] === 1) output += data.subarray(1).toString('utf8');
    });
    socket.once('open', () => resolve({ socket, output: () => output }));
    socket.once('error', reject);
  });
}

/**
 * Dials the tunnel endpoint as an agent would, and reports how the proxy ended the attempt.
 * `stop-reading`: answers the proxy's first question, then reads nothing more.
 */
function dialTunnel(harness: ProxyHarness, identity: { certPem: string; keyPem: string } | undefined, behaviour: 'serve-info' | 'garbage', cluster = 'dev', port = harness.tunnelPort): Promise<string> {
  return new Promise((resolve) => {
    const socket = tls.connect({ host: '127.0.0.1', port, servername: 'localhost', ca: harness.proxyCaPem, cert: identity?.certPem, key: identity?.keyPem, ALPNProtocols: [TUNNEL_ALPN] }, () => {
      if (behaviour === 'garbage') {
        // Keep reading, so the proxy closing the connection is seen.
        socket.resume();
        socket.write(Buffer.from('this is not HTTP/2 at all\r\n\r\n'.repeat(20)));
        return;
      }
      const server = http2.createServer();
      server.on('stream', (stream) => {
        stream.respond({ ':status': 200, 'content-type': 'application/json' });
        stream.end(JSON.stringify({ cluster, version: 'test', apiServer: 'https://kubernetes.default.svc' }));
      });
      server.on('session', (session) => session.on('goaway', (_code, _last, data?: Buffer) => resolve(`goaway: ${data?.toString('utf8') ?? ''}`)));
      server.emit('connection', socket);
    });
    socket.on('error', () => undefined);
    socket.on('close', () => resolve('closed'));
  });
}

describe('agent tunnel', () => {
  let harness: ProxyHarness;
  let alice: ClientCredential;
  let agentCa: TestCertificateAuthority;
  let session: http2.ClientHttp2Session;

  const get = (path: string) => http2Request(session, 'GET', `/clusters/dev${path}`);

  beforeAll(async () => {
    harness = await ProxyHarness.start({ mode: 'agent' });
    agentCa = await TestCertificateAuthority.fromPem(fs.readFileSync(harness.pki.agentCaCertFile, 'utf8'), fs.readFileSync(harness.pki.agentCaKeyFile, 'utf8'));
    harness.emulator.apply([
      { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'team-a' } },
      ...Array.from({ length: 4 }, (_, i) => ({ apiVersion: 'v1', kind: 'Pod', metadata: { name: `web-${i}`, namespace: 'team-a' }, spec: { containers: [{ name: 'main', image: 'busybox:1.36' }] } })),
      { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'bulk' } },
      ...Array.from({ length: 3_000 }, (_, i) => ({ apiVersion: 'v1', kind: 'Pod', metadata: { name: `bulk-${i}`, namespace: 'bulk' }, spec: { containers: [{ name: 'main', image: 'busybox:1.36' }] } })),
    ]);
    harness.controlPlane.grant({ subject: { kind: 'group', name: 'team-a' }, cluster: 'dev', role: 'admin', namespaces: [] });
    alice = await harness.mint('alice', ['team-a']);
    session = harness.http2Session(alice);
  });

  afterAll(async () => {
    session?.destroy();
    await harness?.stop();
  });

  it('carries requests for an agent-mode cluster without the proxy knowing its address', async () => {
    const pods = await get('/api/v1/namespaces/team-a/pods');
    expect(pods.status).toBe(200);
    expect(pods.json().items).toHaveLength(4);
    // The proxy was told no address: policy's endpoint names the in-cluster API server only.
    expect(harness.controlPlane.clusters.get('dev')?.endpoint.server).toBe('https://kubernetes.default.svc');
  });

  it.each([
    ['no client certificate', () => Promise.resolve(undefined), /no client certificate/],
    ['a certificate of another CA', async () => harness.ca.mint({ userId: 'dev' }), /not accepted/],
    ['a certificate for a cluster that is not registered', async () => agentCa.mintAgent('elsewhere', '0f1f5c4e-7d4b-4c11-9b43-0d3f0b8f6a11'), /not registered/],
    ['a certificate for dev with a fingerprint policy does not list', async () => agentCa.mintAgent('dev', harness.controlPlane.clusters.get('dev')?.endpoint.id ?? ''), /revoked or replaced/],
  ])('refuses a tunnel with %s, and says why in the GOAWAY', async (_case, identity, reason) => {
    const outcome = await dialTunnel(harness, (await identity()) as AgentCredential | undefined, 'serve-info');
    expect(outcome).toMatch(/^goaway: /);
    expect(outcome).toMatch(reason);
    expect((await get('/api/v1/namespaces/team-a/pods')).status).toBe(200);
  });

  it('cuts a tunnel peer that sends garbage, and the cluster it claims keeps its own tunnel', async () => {
    const identity = await agentCa.mintAgent('dev', harness.controlPlane.clusters.get('dev')?.endpoint.id ?? '');
    harness.controlPlane.clusters.get('dev')?.endpoint.agent?.certificateFingerprints.push(identity.fingerprint);
    expect(await dialTunnel(harness, identity, 'garbage')).toBe('closed');
    expect((await get('/api/v1/namespaces/team-a/pods')).status).toBe(200);
  });

  it('cuts a tunnel whose agent stops reading (its heartbeats go unanswered), without touching other clusters', async () => {
    const identity = await agentCa.mintAgent('quiet', '5d2b8a84-3f0e-4f5b-9a57-2d6c1f7e9b10');
    harness.controlPlane.registerAgentCluster('quiet', harness.emulator, [identity.fingerprint], '5d2b8a84-3f0e-4f5b-9a57-2d6c1f7e9b10');
    const { AgentTunnels } = await import('../src/tunnel/agent-tunnels');
    const tunnels = harness.app?.get(AgentTunnels);
    // A TCP relay between the agent and the proxy: stalling it stops the agent reading anything
    // the proxy sends, as a hung agent or a black-holed network would.
    let stall = () => undefined as void;
    const sockets: net.Socket[] = [];
    const relay = net.createServer((fromAgent) => {
      const toProxy = net.connect(harness.tunnelPort, '127.0.0.1');
      sockets.push(fromAgent, toProxy);
      fromAgent.pipe(toProxy);
      toProxy.pipe(fromAgent);
      stall = () => {
        toProxy.unpipe(fromAgent);
        toProxy.pause();
      };
      for (const side of [fromAgent, toProxy]) side.on('error', () => undefined);
    });
    await new Promise<void>((resolve) => relay.listen(0, '127.0.0.1', resolve));
    try {
      void dialTunnel(harness, identity, 'serve-info', 'quiet', (relay.address() as net.AddressInfo).port);
      await waitFor(() => tunnels?.get('quiet'), 'the quiet tunnel to be attached');
      stall();

      // Two heartbeat periods at most: one until the next ping, one for it to go unanswered.
      await waitFor(() => !tunnels?.get('quiet'), 'the proxy to cut the quiet tunnel', 25_000);
      expect((await get('/api/v1/namespaces/team-a/pods')).status).toBe(200);
      expect(tunnels?.get('dev')).toBeDefined();
    } finally {
      for (const socket of sockets) socket.destroy();
      relay.close();
    }
  }, 40_000);

  it(`carries ${WATCHES} watches and ${EXEC_SESSIONS} exec sessions over one tunnel; a reader that stops reading delays no one`, async () => {
    // The stalled reader: a large list it never reads, on the same HTTP/2 connection as the watches.
    const stalled = session.request({ ':method': 'GET', ':path': '/clusters/dev/api/v1/namespaces/bulk/pods' });
    stalled.pause();
    const watches = Array.from({ length: WATCHES }, () => new Http2Watch(session, '/clusters/dev/api/v1/namespaces/team-a/pods?watch=1&resourceVersion=0'));
    await waitFor(() => watches.every((watch) => watch.events.length >= 4), 'every watch to list the four pods', 60_000);
    const execs = await Promise.all(Array.from({ length: EXEC_SESSIONS }, (_, i) => openExec(harness, alice, `web-${i % 4}`)));
    expect(harness.app?.get((await import('../src/tunnel/agent-tunnels')).AgentTunnels).size).toBe(1);

    const startedAt = Date.now();
    harness.emulator.apply({ apiVersion: 'v1', kind: 'Pod', metadata: { name: 'late', namespace: 'team-a' }, spec: { containers: [{ name: 'main', image: 'busybox:1.36' }] } });
    execs.forEach(({ socket }, i) => socket.send(Buffer.concat([Buffer.from([0]), Buffer.from(`hello ${i}\n`)])));
    await waitFor(() => watches.every((watch) => watch.events.some((event) => event.object.metadata?.name === 'late')), 'every watch to see the new pod', 30_000);
    await waitFor(() => execs.every(({ output }, i) => output().includes(`hello ${i}`)), 'every exec session to echo', 30_000);
    const elapsed = Date.now() - startedAt;

    // Functional bound, not a benchmark: the stalled stream must not hold the others back at all.
    expect(elapsed).toBeLessThan(20_000);
    expect(stalled.readableLength).toBeGreaterThan(0);
    for (const watch of watches) watch.close();
    for (const { socket } of execs) socket.close();
    stalled.destroy();
  }, 180_000);

  it('answers 503 naming the cluster while the agent is gone (kill -9), ends open watches cleanly, and recovers by itself', async () => {
    const watch = new Http2Watch(session, '/clusters/dev/api/v1/namespaces/team-a/pods?watch=1');
    await waitFor(() => watch.events.length >= 4, 'the watch to list the pods');

    await harness.agent?.kill();
    await waitFor(() => watch.ended, 'the open watch to end', 15_000);
    const refused = await get('/api/v1/namespaces/team-a/pods');
    expect(refused.status).toBe(503);
    expect(refused.headers['retry-after']).toBeDefined();
    expect(refused.json()).toMatchObject({ kind: 'Status', code: 503, reason: 'ServiceUnavailable', message: expect.stringContaining('"dev"') });

    await harness.startAgent();
    expect((await get('/api/v1/namespaces/team-a/pods')).status).toBe(200);
  }, 60_000);

  it("closes a running agent's tunnel at once when the cluster is re-registered (its identity revoked)", async () => {
    const watch = new Http2Watch(session, '/clusters/dev/api/v1/namespaces/team-a/pods?watch=1');
    await waitFor(() => watch.events.length >= 4, 'the watch to list the pods');
    const endpoint = harness.controlPlane.clusters.get('dev')?.endpoint;
    if (!endpoint?.agent) throw new Error('dev is not in agent mode');
    endpoint.agent.certificateFingerprints = [];
    const revokedAt = Date.now();

    await harness.controlPlane.publishClusterChange('dev', 'updated');

    await waitFor(() => watch.ended, 'the open watch to end', 5_000);
    expect(Date.now() - revokedAt).toBeLessThan(2_000);
    const refused = await get('/api/v1/namespaces/team-a/pods');
    expect(refused.status).toBe(503);
  });
});

describe('agent tunnel across replicas and for the provisioner', () => {
  let harness: ProxyHarness;
  let alice: ClientCredential;

  beforeAll(async () => {
    harness = await ProxyHarness.start({ mode: 'agent' });
    harness.emulator.apply([
      { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'team-a' } },
      { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'web-0', namespace: 'team-a' }, spec: { containers: [{ name: 'main', image: 'busybox:1.36' }] } },
    ]);
    harness.controlPlane.grant({ subject: { kind: 'group', name: 'team-a' }, cluster: 'dev', role: 'edit', namespaces: ['team-a'] });
    alice = await harness.mint('alice', ['team-a']);
  });

  afterAll(async () => {
    await harness?.stop();
  });

  it('reaches an agent-mode cluster through a replica that does not hold its tunnel, upgrades included', async () => {
    const replica = await harness.startReplica('replica-b');
    const { AgentTunnels } = await import('../src/tunnel/agent-tunnels');
    expect(replica.app.get(AgentTunnels).get('dev')).toBeUndefined();
    const session = http2.connect(replica.proxyUrl, { ca: harness.proxyCaPem, cert: alice.certPem, key: alice.keyPem });
    try {
      // Presence travels through JetStream KV: the second replica learns the holder within a moment.
      await waitFor(async () => (await http2Request(session, 'GET', '/clusters/dev/api/v1/namespaces/team-a/pods')).status === 200, 'replica-b to relay to the holder', 15_000);
      const watch = new Http2Watch(session, '/clusters/dev/api/v1/namespaces/team-a/pods?watch=1');
      await waitFor(() => watch.events.length >= 1, 'a watch through replica-b');
      harness.emulator.apply({ apiVersion: 'v1', kind: 'Pod', metadata: { name: 'web-1', namespace: 'team-a' }, spec: { containers: [{ name: 'main', image: 'busybox:1.36' }] } });
      await waitFor(() => watch.events.some((event) => event.object.metadata?.name === 'web-1'), 'the watch through replica-b to see web-1');
      watch.close();

      const exec = await openExec({ proxyUrl: replica.proxyUrl, proxyCaPem: harness.proxyCaPem }, alice, 'web-0');
      exec.socket.send(Buffer.concat([Buffer.from([0]), Buffer.from('through two replicas\n')]));
      await waitFor(() => exec.output().includes('through two replicas'), 'the exec through replica-b to echo');
      exec.socket.close();
    } finally {
      session.close();
    }
  }, 60_000);

  it("runs the provisioner's calls as the agent's own ServiceAccount, and refuses every other caller of the relay", async () => {
    const { RelayServer } = await import('../src/tunnel/relay.server');
    const relayUrl = harness.app?.get(RelayServer).url ?? '';
    const pki = harness.pki;
    const call = (cert: string, key: string) =>
      new Promise<{ status: number; body: string }>((resolve, reject) => {
        const session = http2.connect(relayUrl, { ca: fs.readFileSync(pki.serviceCaCertFile), cert: fs.readFileSync(cert), key: fs.readFileSync(key) });
        session.on('error', reject);
        const stream = session.request({ ':path': '/clusters/dev/api/v1/namespaces/portcullis-system/serviceaccounts', authorization: 'Bearer forged-by-the-caller', 'portcullis-agent-credential': 'self' });
        let status = 0;
        let body = '';
        stream.on('response', (headers) => (status = Number(headers[':status'])));
        stream.setEncoding('utf8').on('data', (chunk: string) => (body += chunk));
        stream.on('end', () => {
          session.close();
          resolve({ status, body });
        });
        stream.on('error', reject);
      });
    const since = harness.emulator.accessLog.length;

    const asProvisioner = await call(pki.provisionerServiceCertFile, pki.provisionerServiceKeyFile);

    expect(asProvisioner.status).toBe(200);
    const listed = harness.emulator.accessLog.slice(since).filter((entry) => entry.resource === 'serviceaccounts');
    expect(listed.map((entry) => entry.user)).toEqual(['system:serviceaccount:portcullis-system:portcullis-agent']);
    // A replica relays the person's own token: here the caller's, which the cluster refuses.
    expect((await call(pki.proxyServiceCertFile, pki.proxyServiceKeyFile)).status).toBe(401);
    // A kubeconfig certificate is not a service certificate: the handshake fails, nothing is answered.
    const person = await harness.mint('mallory');
    const personFiles = path.join(os.tmpdir(), `relay-person-${process.pid}`);
    fs.writeFileSync(`${personFiles}.crt`, person.certPem);
    fs.writeFileSync(`${personFiles}.key`, person.keyPem);
    const stranger = await call(`${personFiles}.crt`, `${personFiles}.key`).catch(() => ({ status: 0, body: '' }));
    expect(stranger).toEqual({ status: 0, body: '' });
    fs.rmSync(`${personFiles}.crt`);
    fs.rmSync(`${personFiles}.key`);
  });

  it('closes the tunnel of a removed cluster at once and refuses its agent from then on', async () => {
    const { AgentTunnels } = await import('../src/tunnel/agent-tunnels');
    const tunnels = harness.app?.get(AgentTunnels);
    expect(tunnels?.get('dev')).toBeDefined();
    const refusalsBefore = await refusals();

    await harness.controlPlane.publishClusterChange('dev', 'deleted');

    await waitFor(() => !tunnels?.get('dev'), 'the tunnel of the removed cluster to close', 2_000);
    // The agent dials again (backoff), and is refused: its cluster is gone.
    await waitFor(async () => (await refusals()) > refusalsBefore, 'the agent to be refused', 15_000);
    expect(tunnels?.get('dev')).toBeUndefined();
  });

  async function refusals(): Promise<number> {
    const metrics = await (await fetch(`${harness.opsUrl}/metrics`)).text();
    return Number(/^proxy_agent_tunnel_events_total\{kind="refused"[^}]*\} (\d+)$/m.exec(metrics)?.[1] ?? 0);
  }
});
