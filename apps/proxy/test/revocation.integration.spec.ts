import { Subjects } from '@portcullis/contracts';
import { EventPublisher } from '@portcullis/platform/messaging';
import { waitFor } from '@portcullis/platform/testing';
import { randomUUID } from 'node:crypto';
import { ProxyHarness } from './support/proxy-harness';

// The revocation set is rebuilt from the stream before a replica takes traffic, and a revocation
// beats a request that is still waiting for its token.

describe('revocations', () => {
  let harness: ProxyHarness;
  let publisher: EventPublisher;

  const revoke = (kubeconfigId: string, expiresAt = new Date(Date.now() + 86_400_000)) =>
    publisher.publish(Subjects.kubeconfigRevoked, {
      id: randomUUID(),
      occurredAt: new Date().toISOString(),
      kubeconfigId,
      userId: 'someone',
      revokedBy: 'admin@example.com',
      reason: null,
      expiresAt: expiresAt.toISOString(),
    });

  beforeAll(async () => {
    harness = await ProxyHarness.start();
    publisher = new EventPublisher(harness.messaging);
    harness.controlPlane.grant({ subject: { kind: 'group', name: 'developers' }, cluster: 'dev', role: 'view', namespaces: [] });
  });

  afterAll(async () => {
    harness.controlPlane.provisioningDelayMs = 0;
    await harness?.stop();
  });

  it('replays revocations published while it was down before it reports ready, dropping those already expired', async () => {
    const hank = await harness.mint('hank', ['developers']);
    const ivy = await harness.mint('ivy', ['developers']);
    expect((await harness.request(hank, 'GET', '/clusters/dev/api')).status).toBe(200);
    await harness.stopProxy();

    await revoke(hank.kubeconfigId);
    await revoke(ivy.kubeconfigId, new Date(Date.now() - 1_000));
    await harness.startProxy(false);
    await waitFor(async () => (await fetch(`${harness.opsUrl}/readyz`)).status === 200, 'readiness');

    const refused = await harness.request(hank, 'GET', '/clusters/dev/api');
    expect([refused.status, refused.json().message]).toEqual([401, expect.stringContaining('revoked')]);
    // Past its expiresAt a revocation is dropped: the certificate's own expiry refuses it by then.
    expect((await harness.request(ivy, 'GET', '/clusters/dev/api')).status).toBe(200);
  });

  it('never forwards a request whose revocation arrives while it waits for its JIT token', async () => {
    const jack = await harness.mint('jack', ['developers']);
    harness.controlPlane.provisioningDelayMs = 800;
    const since = harness.emulator.accessLog.length;

    const pending = harness.request(jack, 'GET', '/clusters/dev/api/v1/namespaces/default/pods');
    await waitFor(() => harness.controlPlane.tokenRequests.some((request) => request.userId === 'jack'), 'the token request');
    await revoke(jack.kubeconfigId);

    // The revocation closes the credential's connections, this one included.
    await expect(pending).rejects.toThrow('socket hang up');
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    expect((await harness.request(jack, 'GET', '/clusters/dev/api')).status).toBe(401);
    expect(harness.emulator.accessLog.slice(since).filter((entry) => entry.user !== 'admin')).toEqual([]);
  });
});
