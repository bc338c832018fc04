import { SaTokenEnsureRequestV1, SaTokenEnsureV1 } from '@portcullis/contracts';
import { MessagingConnection, Requester, Responder, silentLogger } from '@portcullis/platform/messaging';
import { NatsServerProcess } from '@portcullis/platform/testing';
import { ProxyConfig } from '../src/config/proxy.config';
import { ServiceAccountTokenCache } from '../src/tokens/service-account-token.cache';

// The JIT token cache against a provisioner stand-in over a private NATS broker.

describe(ServiceAccountTokenCache.name, () => {
  let nats: NatsServerProcess;
  let connection: MessagingConnection;
  let responder: Responder;
  const calls: SaTokenEnsureRequestV1[] = [];
  let lifetimeMs = 3_600_000;
  let sut: ServiceAccountTokenCache;

  beforeAll(async () => {
    nats = await NatsServerProcess.start();
    connection = await MessagingConnection.open({ url: nats.url, name: 'token-cache-test' });
    responder = new Responder(connection, 'provisioner', silentLogger);
    responder.serve(SaTokenEnsureV1, async (request) => {
      calls.push(request);
      await new Promise((resolve) => setTimeout(resolve, 50));
      return { token: `token-${calls.length}`, expiresAt: new Date(Date.now() + lifetimeMs).toISOString() };
    });
  });

  beforeEach(() => {
    calls.length = 0;
    lifetimeMs = 3_600_000;
    sut = new ServiceAccountTokenCache(new Requester(connection, 2_000), { SA_TOKEN_REFRESH_MARGIN_SECONDS: 300, SA_TOKEN_TIMEOUT_MS: 2_000 } as ProxyConfig);
  });

  afterAll(async () => {
    await responder.close();
    await connection.close();
    await nats.stop();
  });

  const alice = { userId: 'alice', groups: ['dev', 'ops'], cluster: 'dev' };

  it('asks once for concurrent first requests and reuses the token after', async () => {
    const tokens = await Promise.all(Array.from({ length: 10 }, () => sut.get(alice)));
    const later = await sut.get({ ...alice, groups: ['ops', 'dev'] });

    expect(new Set([...tokens, later])).toEqual(new Set(['token-1']));
    expect(calls).toEqual([{ userId: 'alice', email: null, groups: ['dev', 'ops'], cluster: 'dev' }]);
  });

  it('keeps tokens apart per cluster and per groups snapshot', async () => {
    await sut.get(alice);
    await sut.get({ ...alice, cluster: 'prod' });
    await sut.get({ ...alice, groups: ['dev'] });

    expect(calls).toHaveLength(3);
  });

  it('stops handing out a token its refresh margin before expiry, at most half its life', async () => {
    lifetimeMs = 1_000;
    expect(await sut.get(alice)).toBe('token-1');
    expect(await sut.get(alice)).toBe('token-1');

    await new Promise((resolve) => setTimeout(resolve, 600));

    expect(await sut.get(alice)).toBe('token-2');
  });

  it('provisions again after forget (the ServiceAccount expired, or the cluster refused the token)', async () => {
    await sut.get(alice);

    sut.forget('alice', 'dev');

    expect(await sut.get(alice)).toBe('token-2');
  });
});
