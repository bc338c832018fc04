import { ApiException, AuthenticationV1Api, CoreV1Api } from '@kubernetes/client-node';
import { KubeEmulator } from '@portcullis/kube-emulator';
import { kubeConfigFor, raw } from './support/kube-test-kit';

// Who the emulator believes: the admin token, client certificates of its CA, and bound
// ServiceAccount tokens from TokenRequest (expiry, UID binding, the token-authentication cache).

describe('KubeEmulator authentication', () => {
  let emu: KubeEmulator;
  afterEach(() => emu.stop());

  const whoami = async (creds: { token?: string; cert?: { certPem: string; keyPem: string } }) =>
    raw(emu, 'POST', '/apis/authentication.k8s.io/v1/selfsubjectreviews', { creds, body: { apiVersion: 'authentication.k8s.io/v1', kind: 'SelfSubjectReview' } });

  it('issues TokenRequest tokens bound to the ServiceAccount, valid until expiry', async () => {
    emu = await KubeEmulator.start({ tokenAuthCacheMs: 0 });
    const core = kubeConfigFor(emu).makeApiClient(CoreV1Api);
    const sa = await core.createNamespacedServiceAccount({ namespace: 'default', body: { metadata: { name: 'jit' } } });
    const issued = await core.createNamespacedServiceAccountToken({ namespace: 'default', name: 'jit', body: { spec: { expirationSeconds: 600, audiences: [] } } });
    const token = issued.status!.token!;
    expect(issued.spec!.expirationSeconds).toBe(600);
    expect(issued.status!.expirationTimestamp!.getTime() - Date.now()).toBeGreaterThan(590_000);
    const claims = JSON.parse(Buffer.from(token.split('.')[1], 'base64url').toString());
    expect(claims).toMatchObject({ sub: 'system:serviceaccount:default:jit', 'kubernetes.io': { namespace: 'default', serviceaccount: { name: 'jit', uid: sa.metadata!.uid } } });
    expect(claims.exp - claims.iat).toBe(600);

    const me = await whoami({ token });
    expect(me.json().status.userInfo).toMatchObject({
      username: 'system:serviceaccount:default:jit',
      uid: sa.metadata!.uid,
      groups: ['system:serviceaccounts', 'system:serviceaccounts:default', 'system:authenticated'],
    });
    emu.clock.advance(600_000 + 61_000);
    expect((await whoami({ token })).status).toBe(401);
  });

  it('defaults expirationSeconds to 3600 and refuses less than 10 minutes', async () => {
    emu = await KubeEmulator.start();
    const core = kubeConfigFor(emu).makeApiClient(CoreV1Api);
    expect((await core.createNamespacedServiceAccountToken({ namespace: 'default', name: 'default', body: { spec: { audiences: [] } } })).spec!.expirationSeconds).toBe(3600);
    const refused = await core.createNamespacedServiceAccountToken({ namespace: 'default', name: 'default', body: { spec: { audiences: [], expirationSeconds: 599 } } }).catch((e: ApiException<string>) => e);
    expect(refused).toBeInstanceOf(ApiException);
    expect(JSON.parse((refused as ApiException<string>).body).message).toBe(
      'TokenRequest.authentication.k8s.io "default" is invalid: spec.expirationSeconds: Invalid value: 599: may not specify a duration less than 10 minutes',
    );
    const missing = await core.createNamespacedServiceAccountToken({ namespace: 'default', name: 'nope', body: { spec: { audiences: [] } } }).catch((e: ApiException<string>) => e);
    expect((missing as ApiException<string>).code).toBe(404);
  });

  it('stops accepting a token when its ServiceAccount is deleted or re-created with a new UID', async () => {
    emu = await KubeEmulator.start({ tokenAuthCacheMs: 0 });
    emu.apply({ apiVersion: 'v1', kind: 'ServiceAccount', metadata: { namespace: 'default', name: 'jit' } });
    const token = await emu.serviceAccountToken('default', 'jit');
    expect((await whoami({ token })).status).toBe(201);
    emu.delete('v1', 'ServiceAccount', 'jit', 'default');
    expect((await whoami({ token })).status).toBe(401);
    emu.apply({ apiVersion: 'v1', kind: 'ServiceAccount', metadata: { namespace: 'default', name: 'jit' } });
    expect((await whoami({ token })).status).toBe(401);
    expect((await whoami({ token: await emu.serviceAccountToken('default', 'jit') })).status).toBe(201);
  });

  it('keeps authenticating a deleted ServiceAccount for the token cache TTL, like kube-apiserver', async () => {
    emu = await KubeEmulator.start({ tokenAuthCacheMs: 10_000 });
    emu.apply({ apiVersion: 'v1', kind: 'ServiceAccount', metadata: { namespace: 'default', name: 'jit' } });
    const token = await emu.serviceAccountToken('default', 'jit');
    expect((await whoami({ token })).status).toBe(201);
    emu.delete('v1', 'ServiceAccount', 'jit', 'default');
    expect((await whoami({ token })).status).toBe(201);
    emu.clock.advance(10_001);
    expect((await whoami({ token })).status).toBe(401);
  });

  it('rejects tokens for another audience and reviews tokens through TokenReview', async () => {
    emu = await KubeEmulator.start({ tokenAuthCacheMs: 0 });
    const authn = kubeConfigFor(emu).makeApiClient(AuthenticationV1Api);
    const foreign = await emu.serviceAccountToken('default', 'default', { audiences: ['vault'] });
    expect((await whoami({ token: foreign })).status).toBe(401);
    const ok = await authn.createTokenReview({ body: { spec: { token: await emu.serviceAccountToken('default', 'default') } } });
    expect(ok.status).toMatchObject({ authenticated: true, user: { username: 'system:serviceaccount:default:default' } });
    const forVault = await authn.createTokenReview({ body: { spec: { token: foreign, audiences: ['vault'] } } });
    expect(forVault.status).toMatchObject({ authenticated: true, audiences: ['vault'] });
    const bad = await authn.createTokenReview({ body: { spec: { token: 'garbage' } } });
    expect(bad.status!.authenticated).toBe(false);
  });

  it('authenticates client certificates of its CA (CN = user, O = groups) and no others', async () => {
    emu = await KubeEmulator.start();
    const cert = await emu.issueClientCert('alice', ['dev', 'ops']);
    expect((await whoami({ cert })).json().status.userInfo).toEqual({ username: 'alice', groups: ['dev', 'ops', 'system:authenticated'] });
    const other = await KubeEmulator.start();
    try {
      const foreign = await other.issueClientCert('mallory', ['system:masters']);
      expect((await whoami({ cert: foreign })).status).toBe(401);
    } finally {
      await other.stop();
    }
    const admin = await whoami({ token: emu.adminToken });
    expect(admin.json().status.userInfo).toEqual({ username: 'admin', groups: ['system:masters', 'system:authenticated'] });
    expect(emu.accessLog.filter((e) => e.resource === 'selfsubjectreviews').map((e) => `${e.user}:${e.code}`)).toEqual(['alice:201', ':401', 'admin:201']);
  });
});
