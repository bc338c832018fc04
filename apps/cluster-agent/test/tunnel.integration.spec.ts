import { AGENT_CREDENTIAL_HEADER, AGENT_INFO_PATH } from '@portcullis/platform/tunnel';
import { waitFor } from '@portcullis/platform/testing';
import { ClientHttp2Stream, constants } from 'node:http2';
import { UpgradeRelay } from '../src/relay/upgrade.relay';
import { AGENT_NAMESPACE, AGENT_SERVICE_ACCOUNT, AgentCluster, CLUSTER_NAME, RunningAgent } from './support/agent-harness';
import { readBody, TunnelEndpointDouble, TunnelPeer } from './support/tunnel-endpoint.double';

const AGENT_USER = `system:serviceaccount:${AGENT_NAMESPACE}:${AGENT_SERVICE_ACCOUNT}`;

/** Reads a stream's data until `predicate` holds on what arrived so far. */
function readUntil(stream: ClientHttp2Stream, predicate: (text: string) => boolean, what: string): Promise<string> {
  return new Promise((resolve, reject) => {
    let text = '';
    const timer = setTimeout(() => reject(new Error(`timed out waiting for ${what}; got: ${text.slice(0, 500)}`)), 10_000);
    const onData = (chunk: Buffer) => {
      text += chunk.toString('latin1');
      if (!predicate(text)) return;
      clearTimeout(timer);
      stream.off('data', onData);
      resolve(text);
    };
    stream.on('data', onData);
    stream.on('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
  });
}

describe('cluster-agent tunnel relay', () => {
  let endpoint: TunnelEndpointDouble;
  let cluster: AgentCluster;
  let agent: RunningAgent;
  let tunnel: TunnelPeer;
  let aliceToken: string;

  beforeAll(async () => {
    endpoint = await TunnelEndpointDouble.start({ bootstrapTokens: ['bootstrap-token'] });
    cluster = await AgentCluster.start(endpoint);
    cluster.writeBootstrapToken('bootstrap-token');
    aliceToken = await cluster.personToken('alice', 'cluster-admin');
    agent = await cluster.startAgent();
    tunnel = await endpoint.tunnel(1);
  });

  afterAll(async () => {
    await agent?.stop();
    await cluster?.stop();
    await endpoint?.close();
  });

  it('answers who it is on AGENT_INFO_PATH', async () => {
    const answer = await tunnel.request('GET', AGENT_INFO_PATH);

    expect(answer.status).toBe(200);
    expect(answer.json()).toEqual({ cluster: CLUSTER_NAME, version: '0.1.0', apiServer: cluster.emulator.url });
  });

  it("carries a request to the API server with the person's JIT token, and a token the API server refuses stays refused", async () => {
    const allowed = await tunnel.request('GET', '/api/v1/namespaces', { authorization: `Bearer ${aliceToken}` });
    const refused = await tunnel.request('GET', '/api/v1/namespaces', { authorization: 'Bearer not-a-token-the-cluster-knows' });

    expect(allowed.status).toBe(200);
    expect(allowed.json().items.map((item: { metadata: { name: string } }) => item.metadata.name)).toContain(AGENT_NAMESPACE);
    expect(refused.status).toBe(401);
    const entries = cluster.emulator.accessLog.filter((entry) => entry.path === '/api/v1/namespaces');
    expect(entries.slice(-2).map((entry) => [entry.user, entry.code])).toEqual([
      ['system:serviceaccount:portcullis-jit:alice', 200],
      ['', 401],
    ]);
  });

  it("runs `self` requests as the agent's ServiceAccount and drops the Authorization sent with them", async () => {
    const answer = await tunnel.request('GET', '/api/v1/namespaces', { authorization: `Bearer ${aliceToken}`, [AGENT_CREDENTIAL_HEADER]: 'self' });

    expect(answer.status).toBe(200);
    expect(cluster.emulator.accessLog.at(-1)).toMatchObject({ user: AGENT_USER, path: '/api/v1/namespaces', code: 200 });
  });

  it('refuses an unknown agent-credential marker instead of guessing', async () => {
    const answer = await tunnel.request('GET', '/api/v1/namespaces', { [AGENT_CREDENTIAL_HEADER]: 'admin' });

    expect(answer.status).toBe(400);
    expect(answer.json()).toMatchObject({ kind: 'Status', code: 400, reason: 'BadRequest' });
  });

  it.each(['/api/../../etc/passwd', '/api/%2e%2e/x', '//evil.example/api', '/proxy/http://evil.example/'])('refuses the path %s with a 400 Status', async (path) => {
    const answer = await tunnel.request('GET', path, { authorization: `Bearer ${aliceToken}` });

    expect(answer.status).toBe(400);
    expect(answer.json()).toMatchObject({ kind: 'Status', code: 400, reason: 'BadRequest' });
    expect(cluster.emulator.accessLog.some((entry) => entry.path.includes('evil') || entry.path.includes('passwd'))).toBe(false);
  });

  it('never forwards an absolute-form path (HTTP/2 itself resets the stream)', async () => {
    await expect(tunnel.request('GET', 'https://evil.example/api', { authorization: `Bearer ${aliceToken}` })).rejects.toThrow(/NGHTTP2_PROTOCOL_ERROR/);

    expect(cluster.emulator.accessLog.some((entry) => entry.path.includes('evil'))).toBe(false);
  });

  it('streams watch events as they happen, and a cancelled watch cancels the upstream stream', async () => {
    const watch = tunnel.open({ ':method': 'GET', ':path': '/api/v1/namespaces/default/configmaps?watch=1', authorization: `Bearer ${aliceToken}` });
    await new Promise((resolve) => watch.once('response', resolve));

    cluster.emulator.apply({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'watched', namespace: 'default' }, data: { a: '1' } });
    const events = await readUntil(watch, (text) => text.includes('"watched"'), 'the ADDED event');

    expect(events).toContain('"type":"ADDED"');
    watch.close(constants.NGHTTP2_CANCEL);
    await waitFor(async () => /agent_api_server_streams\{service="cluster-agent"\} 0/.test(await agent.metrics()), 'the upstream watch to be cancelled');
  });

  it('relays a WebSocket exec upgrade (v5.channel.k8s.io) over a CONNECT stream', async () => {
    cluster.emulator.apply({ apiVersion: 'v1', kind: 'Pod', metadata: { name: 'web', namespace: 'default' }, spec: { containers: [{ name: 'app', image: 'busybox' }] } });
    const connect = tunnel.open({ ':method': 'CONNECT', ':authority': 'api-server' });
    const response = await new Promise<Record<string, unknown>>((resolve) => connect.once('response', resolve));
    expect(response[':status']).toBe(200);
    const host = new URL(cluster.emulator.url).host;

    connect.write(
      [
        'GET /api/v1/namespaces/default/pods/web/exec?command=echo&command=through-the-tunnel&stdout=true HTTP/1.1',
        `Host: ${host}`,
        `Authorization: Bearer ${aliceToken}`,
        'Connection: Upgrade',
        'Upgrade: websocket',
        'Sec-WebSocket-Version: 13',
        'Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==',
        'Sec-WebSocket-Protocol: v5.channel.k8s.io',
        '',
        '',
      ].join('\r\n'),
    );
    const received = await readUntil(connect, (text) => text.includes('through-the-tunnel'), 'the exec output');

    expect(received).toMatch(/^HTTP\/1\.1 101 /);
    expect(received.toLowerCase()).toContain('sec-websocket-protocol: v5.channel.k8s.io');
    expect(cluster.emulator.accessLog.find((entry) => entry.subresource === 'exec')).toMatchObject({ user: 'system:serviceaccount:portcullis-jit:alice', code: 101 });
    connect.close(constants.NGHTTP2_CANCEL);
    await waitFor(() => agent.app.get(UpgradeRelay).openConnections === 0, 'the upgraded connection to be closed');
  });

  it('cuts an upgraded connection when the tunnel goes away under it', async () => {
    const connect = tunnel.open({ ':method': 'CONNECT', ':authority': 'api-server' });
    await new Promise((resolve) => connect.once('response', resolve));
    connect.write('GET /api/v1/namespaces/default/pods/web/exec?command=sleep&command=60&stdout=true HTTP/1.1\r\n');
    await waitFor(() => agent.app.get(UpgradeRelay).openConnections === 1, 'the upgraded connection to be open');

    tunnel.session.destroy();

    await waitFor(() => agent.app.get(UpgradeRelay).openConnections === 0, 'the upgraded connection to be cut with the tunnel');
    tunnel = await endpoint.tunnel(2);
  });

  it('keeps serving the other streams while one stream is not read at all', async () => {
    cluster.emulator.apply({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'large', namespace: 'default' }, data: { blob: 'x'.repeat(900_000) } });
    const stalled = tunnel.open({ ':method': 'GET', ':path': '/api/v1/namespaces/default/configmaps/large', authorization: `Bearer ${aliceToken}` });
    const stalledHead = await new Promise<Record<string, unknown>>((resolve) => stalled.once('response', resolve));

    const started = Date.now();
    const others = await Promise.all(Array.from({ length: 200 }, () => tunnel.request('GET', '/api/v1/namespaces/default', { authorization: `Bearer ${aliceToken}` })));
    const tookMs = Date.now() - started;

    expect(others.every((answer) => answer.status === 200)).toBe(true);
    expect(tookMs).toBeLessThan(5_000);
    expect(stalledHead[':status']).toBe(200);
    const large = JSON.parse(await readBody(stalled)) as { data: { blob: string } };
    expect(large.data.blob).toHaveLength(900_000);
  });

  it('spreads many watches over API server connections of at most 100 streams each', async () => {
    const watches = Array.from({ length: 250 }, () =>
      tunnel.open({ ':method': 'GET', ':path': '/api/v1/namespaces/default/configmaps?watch=1', authorization: `Bearer ${aliceToken}` }),
    );
    const statuses = await Promise.all(watches.map((watch) => new Promise<unknown>((resolve) => watch.once('response', (headers) => resolve(headers[':status'])))));

    expect(statuses.every((status) => status === 200)).toBe(true);
    const metrics = await agent.metrics();
    expect(metrics).toMatch(/agent_api_server_streams\{service="cluster-agent"\} 250/);
    expect(Number(/agent_api_server_connections\{service="cluster-agent"\} (\d+)/.exec(metrics)?.[1])).toBeGreaterThanOrEqual(3);
    for (const watch of watches) watch.close(constants.NGHTTP2_CANCEL);
    await waitFor(async () => /agent_api_server_streams\{service="cluster-agent"\} 0/.test(await agent.metrics()), 'every watch to be cancelled upstream');
  });

  it('never logs a token', () => {
    expect(agent.logs.raw).not.toContain(aliceToken);
    expect(agent.logs.raw).not.toContain(cluster.agentToken);
  });

  it('answers 502 with a Status naming the API server when it cannot be reached', async () => {
    await cluster.emulator.stop();

    const answer = await tunnel.request('GET', '/api/v1/namespaces', { authorization: `Bearer ${aliceToken}` });

    expect(answer.status).toBe(502);
    expect(answer.json()).toMatchObject({ kind: 'Status', code: 502 });
    expect(answer.json().message).toContain(cluster.emulator.url);
  });
});
