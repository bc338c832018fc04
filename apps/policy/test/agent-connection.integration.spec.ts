import { DevPki, ensureDevPki } from '@portcullis/dev-pki';
import { Buckets, PolicyClusterStatusV1, tunnelPresenceV1 } from '@portcullis/contracts';
import { PresenceBucket, Requester, silentLogger } from '@portcullis/platform/messaging';
import { waitFor } from '@portcullis/platform/testing';
import { PRESENCE_TTL_MS } from '@portcullis/platform/tunnel';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { PolicyUnderTest } from './support/policy-under-test';

const CONNECTION = '{ clusters { name mode agentConnection { state agentVersion connectedAt lastHeartbeatAt replicas } } }';

interface ClusterConnection {
  name: string;
  mode: string;
  agentConnection: { state: string; agentVersion: string | null; connectedAt: string | null; lastHeartbeatAt: string | null; replicas: string[] } | null;
}

// The admin API and the portal report an agent's tunnel as the proxy replicas announce it in the
// presence bucket (here written by the test, as a replica would).
describe('agent connection state', () => {
  let policy: PolicyUnderTest;
  let pki: DevPki;
  let dir: string;
  let presence: PresenceBucket<typeof tunnelPresenceV1>;
  let clusterId: string;

  const connectionOf = async (name: string) => (await policy.ok<{ clusters: ClusterConnection[] }>(CONNECTION)).clusters.find((cluster) => cluster.name === name);

  beforeAll(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'policy-connection-'));
    pki = await ensureDevPki(dir);
    policy = await PolicyUnderTest.start({ AGENT_CA_CERT_FILE: pki.agentCaCertFile, AGENT_CA_KEY_FILE: pki.agentCaKeyFile, AGENT_TUNNEL_URL: 'https://tunnel.portcullis.test:8444' });
    presence = PresenceBucket.open(
      policy.messaging,
      { bucket: Buckets.tunnelPresence, schema: tunnelPresenceV1, ttlMs: PRESENCE_TTL_MS, refreshedAt: (entry) => Date.parse(entry.heartbeatAt) },
      silentLogger,
    );
    const registered = await policy.ok<{ registerAgentCluster: { cluster: { id: string } } }>(
      'mutation { registerAgentCluster(input: { name: "far-away" }) { cluster { id } } }',
    );
    clusterId = registered.registerAgentCluster.cluster.id;
  });

  afterAll(async () => {
    await presence?.stop();
    await policy?.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('shows an agent that never connected as disconnected', async () => {
    expect(await connectionOf('far-away')).toEqual({
      name: 'far-away',
      mode: 'AGENT',
      agentConnection: { state: 'DISCONNECTED', agentVersion: null, connectedAt: null, lastHeartbeatAt: null, replicas: [] },
    });
  });

  it('shows the replicas holding its tunnel, the agent version and the last heartbeat; the portal gets the same', async () => {
    const now = new Date();
    for (const replica of ['proxy-7c9f-a', 'proxy-7c9f-b']) {
      await presence.put(`far-away.${replica}`, {
        cluster: 'far-away',
        clusterId,
        replica,
        relayUrl: 'https://10.0.0.7:8445',
        agentVersion: '0.1.0',
        connectedAt: now.toISOString(),
        heartbeatAt: now.toISOString(),
      });
    }

    const connection = await waitFor(async () => {
      const found = await connectionOf('far-away');
      return found?.agentConnection?.state === 'CONNECTED' && found.agentConnection.replicas.length === 2 ? found.agentConnection : undefined;
    }, 'the connection to show');
    expect(connection).toEqual({ state: 'CONNECTED', agentVersion: '0.1.0', connectedAt: now.toISOString(), lastHeartbeatAt: now.toISOString(), replicas: ['proxy-7c9f-a', 'proxy-7c9f-b'] });
    const status = await new Requester(policy.messaging, 5_000).request(PolicyClusterStatusV1, { names: ['far-away', 'unknown'] });
    expect(status.clusters).toEqual([{ name: 'far-away', mode: 'agent', agentConnected: true }]);
  });

  it('stops believing a claim that is not renewed, and forgets a withdrawn one at once', async () => {
    const stale = new Date(Date.now() - PRESENCE_TTL_MS - 1_000).toISOString();
    await presence.put('far-away.proxy-7c9f-a', { cluster: 'far-away', clusterId, replica: 'proxy-7c9f-a', relayUrl: 'https://10.0.0.7:8445', agentVersion: '0.1.0', connectedAt: stale, heartbeatAt: stale });
    await presence.delete('far-away.proxy-7c9f-b');

    const connection = await waitFor(async () => {
      const found = await connectionOf('far-away');
      return found?.agentConnection?.state === 'DISCONNECTED' ? found.agentConnection : undefined;
    }, 'the agent to show as disconnected');
    expect(connection.replicas).toEqual([]);
  });
});
