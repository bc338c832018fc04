import { createLocalJWKSet, decodeJwt, decodeProtectedHeader, jwtVerify, SignJWT, UnsecuredJWT } from 'jose';
import { generateKeyPairSync } from 'node:crypto';
import { Clock } from '../clock';
import { DEFAULT_ISSUER, ServiceAccountTokenIssuer } from './service-account-token-issuer';

/** Holds still between issuing and verifying, so a boundary can be hit to the millisecond. */
class FrozenClock extends Clock {
  at = Date.UTC(2030, 0, 1, 12, 0, 0, 400);
  override now(): number {
    return this.at;
  }
}

describe(ServiceAccountTokenIssuer.name, () => {
  const clock = new Clock();
  const sut = new ServiceAccountTokenIssuer(clock);
  const request = {
    namespace: 'portcullis-jit',
    name: 'alice',
    uid: 'sa-uid',
    audiences: ['https://kubernetes.default.svc.cluster.local'],
    expirationSeconds: 600,
    boundObject: { kind: 'Secret' as const, name: 'alice-token', uid: 'secret-uid' },
  };

  it("issues an ES256 JWT under its kid with kube-apiserver's claims", async () => {
    const { token, expiresAt } = await sut.issue(request);

    expect(decodeProtectedHeader(token)).toEqual({ alg: 'ES256', kid: sut.keyId });
    const claims = decodeJwt(token);
    const now = Math.floor(clock.now() / 1000);
    expect(claims).toEqual({
      aud: request.audiences,
      exp: now + 600,
      iat: now,
      iss: DEFAULT_ISSUER,
      jti: expect.any(String),
      'kubernetes.io': {
        namespace: 'portcullis-jit',
        serviceaccount: { name: 'alice', uid: 'sa-uid' },
        secret: { name: 'alice-token', uid: 'secret-uid' },
      },
      nbf: now,
      sub: 'system:serviceaccount:portcullis-jit:alice',
    });
    expect(Object.keys(claims)).toEqual(['aud', 'exp', 'iat', 'iss', 'jti', 'kubernetes.io', 'nbf', 'sub']);
    expect(expiresAt.getTime()).toBe((now + 600) * 1000);
  });

  it('verifies its own tokens, and its key set verifies them too', async () => {
    const { token } = await sut.issue(request);

    expect(await sut.verify(token)).toEqual({ claims: decodeJwt(token) });
    await expect(jwtVerify(token, createLocalJWKSet(await sut.jwks()), { issuer: DEFAULT_ISSUER })).resolves.toBeDefined();
    expect((await sut.jwks()).keys[0]).not.toHaveProperty('d');
  });

  it('keeps accepting a token for the 60 s leeway after exp, then says it expired', async () => {
    const frozen = new FrozenClock();
    const issuer = new ServiceAccountTokenIssuer(frozen);
    const { token } = await issuer.issue(request);
    const { exp = 0 } = decodeJwt(token);

    // go-jose's rule, which kube-apiserver applies: refused once now - leeway is after exp.
    frozen.at = (exp + 60) * 1000;
    expect(await issuer.verify(token)).toHaveProperty('claims');
    frozen.at += 1;
    expect(await issuer.verify(token)).toEqual({ error: 'service account token has expired' });
  });

  it('says a token is not valid yet more than 60 s before nbf', async () => {
    const frozen = new FrozenClock();
    const issuer = new ServiceAccountTokenIssuer(frozen);
    const { token } = await issuer.issue(request);
    const { nbf = 0 } = decodeJwt(token);

    frozen.at = (nbf - 60) * 1000;
    expect(await issuer.verify(token)).toHaveProperty('claims');
    frozen.at -= 1;
    expect(await issuer.verify(token)).toEqual({ error: 'service account token is not valid yet' });
  });

  it('refuses a token signed by another key under its issuer and kid', async () => {
    const claims = decodeJwt((await sut.issue(request)).token);
    const forged = await new SignJWT(claims)
      .setProtectedHeader({ alg: 'ES256', kid: sut.keyId })
      .sign(generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey);

    expect(await sut.verify(forged)).toEqual({ error: 'invalid signature' });
  });

  it('refuses a token whose claims were changed after signing', async () => {
    const [header, , signature] = (await sut.issue(request)).token.split('.');
    const claims = { ...decodeJwt((await sut.issue(request)).token), sub: 'system:serviceaccount:kube-system:admin' };

    expect(await sut.verify(`${header}.${Buffer.from(JSON.stringify(claims)).toString('base64url')}.${signature}`)).toEqual({ error: 'invalid signature' });
  });

  it('refuses an unsigned token, another issuer and other shapes with the reasons callers see', async () => {
    const claims = decodeJwt((await sut.issue(request)).token);
    const unsigned = new UnsecuredJWT(claims).encode();
    const otherIssuer = await new SignJWT({ ...claims, iss: 'https://elsewhere.example' })
      .setProtectedHeader({ alg: 'ES256' })
      .sign(generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey);

    expect(await sut.verify(unsigned)).toEqual({ error: 'token not issued by this server' });
    expect(await sut.verify(otherIssuer)).toEqual({ error: 'token not issued by this server' });
    expect(await sut.verify('static-token')).toEqual({ error: 'not a JWT' });
    expect(await sut.verify('e30.bm90IGpzb24.c2ln')).toEqual({ error: 'malformed token' });
  });
});
