import { waitFor } from '@portcullis/platform/testing';
import { AGENT_INFO_PATH } from '@portcullis/platform/tunnel';
import { AgentCluster, RunningAgent } from './support/agent-harness';
import { TunnelEndpointDouble } from './support/tunnel-endpoint.double';

describe('cluster-agent tunnel resilience', () => {
  let endpoint: TunnelEndpointDouble;
  let cluster: AgentCluster;
  let agent: RunningAgent | undefined;

  async function startEnrolledAgent(env: Record<string, string> = {}): Promise<RunningAgent> {
    endpoint.addBootstrapToken('bootstrap-token');
    cluster.writeBootstrapToken('bootstrap-token');
    agent = await cluster.startAgent(env);
    return agent;
  }

  beforeEach(async () => {
    endpoint = await TunnelEndpointDouble.start();
    cluster = await AgentCluster.start(endpoint);
  });

  afterEach(async () => {
    await agent?.stop();
    agent = undefined;
    await cluster.stop();
    await endpoint.close();
  });

  it('redials with capped, jittered backoff when the proxy disappears, and serves again once it is back', async () => {
    const running = await startEnrolledAgent();
    await endpoint.tunnel(1);
    await waitFor(() => running.dialer.isUp, 'the tunnel to be up');

    await endpoint.close();
    await running.logs.waitFor('tunnel down; redialling', (line) => line['reason'] === 'closed');
    await waitFor(() => running.logs.count('no tunnel; redialling') >= 4, 'several failed redials');
    expect((await fetch(`${running.opsUrl}/readyz`)).status).toBe(503);
    const delays = running.logs.lines.filter((line) => line.msg === 'no tunnel; redialling').map((line) => Number(line['retryInMs']));
    expect(Math.max(...delays)).toBeLessThanOrEqual(400);
    expect(running.logs.find('no tunnel; redialling')).toMatchObject({ reason: 'unreachable' });

    await endpoint.listen();
    const tunnel = await endpoint.tunnel(2);

    expect((await tunnel.request('GET', AGENT_INFO_PATH)).status).toBe(200);
    await waitFor(async () => (await fetch(`${running.opsUrl}/readyz`)).status === 200, 'the agent to be ready again');
    const metrics = await running.metrics();
    expect(metrics).toMatch(/agent_tunnel_connects_total\{service="cluster-agent"\} 2/);
    expect(metrics).toMatch(/agent_tunnel_disconnects_total\{reason="closed",service="cluster-agent"\} 1/);
    expect(metrics).toMatch(/agent_tunnel_refusals_total\{reason="unreachable",service="cluster-agent"\} \d+/);
  });

  it('redials at once when the tunnel socket is destroyed under it', async () => {
    const running = await startEnrolledAgent();
    await endpoint.tunnel(1);

    endpoint.dropTunnels();

    const tunnel = await endpoint.tunnel(2);
    expect((await tunnel.request('GET', AGENT_INFO_PATH)).status).toBe(200);
    expect(running.logs.find('tunnel down; redialling')).toMatchObject({ reason: 'closed' });
  });

  it('logs the GOAWAY debug data with which the proxy refuses a tunnel', async () => {
    endpoint.refuseWith = 'cluster "edge-1" is not registered in agent mode';
    const running = await startEnrolledAgent();

    const refusal = await running.logs.waitFor('the proxy refused the tunnel');

    expect(refusal).toMatchObject({ message: 'cluster "edge-1" is not registered in agent mode', component: 'tunnel' });
    await waitFor(async () => /agent_tunnel_refusals_total\{reason="goaway",service="cluster-agent"\} [1-9]/.test(await running.metrics()), 'a goaway refusal counted');
    expect(running.dialer.isUp).toBe(false);
  });

  it('ends a tunnel whose heartbeat goes unanswered, then redials', async () => {
    endpoint.freezable = true;
    const running = await startEnrolledAgent({ AGENT_HEARTBEAT_INTERVAL_MS: '100', AGENT_HEARTBEAT_TIMEOUT_MS: '300' });
    const first = await endpoint.tunnel(1);
    await waitFor(() => running.dialer.isUp, 'the tunnel to be up');

    first.freeze();

    const down = await running.logs.waitFor('tunnel down; redialling', undefined, 5_000);
    expect(down).toMatchObject({ reason: 'heartbeat', detail: 'no answer to a ping within 300 ms' });
    await endpoint.tunnel(2);
  });

  it('gives up on a proxy that accepts the connection but never speaks HTTP/2', async () => {
    endpoint.silent = true;
    const running = await startEnrolledAgent({ AGENT_HEARTBEAT_INTERVAL_MS: '100', AGENT_HEARTBEAT_TIMEOUT_MS: '300' });

    const attempt = await running.logs.waitFor('no tunnel; redialling', undefined, 5_000);

    expect(attempt).toMatchObject({ reason: 'timeout' });
    expect(running.dialer.isUp).toBe(false);
  });

  it('stops cleanly: the tunnel is closed with GOAWAY and nothing is redialled', async () => {
    const running = await startEnrolledAgent();
    const tunnel = await endpoint.tunnel(1);
    const goaway = new Promise((resolve) => tunnel.session.once('goaway', resolve));

    await running.stop();
    agent = undefined;

    await goaway;
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(endpoint.tunnels).toHaveLength(1);
  });
});
