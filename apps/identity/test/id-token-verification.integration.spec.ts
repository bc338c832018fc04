import { INestApplication } from '@nestjs/common';
import { BrowserClient, dropSchema, freePort, stackEnvironment, uniqueName } from '@portcullis/platform/testing';
import { exportJWK, exportSPKI, generateKeyPair, type JWTPayload, SignJWT, UnsecuredJWT } from 'jose';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import { createServer, IncomingMessage, Server, ServerResponse } from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { Client } from 'pg';
import { startIdentity } from './support/identity-app';

/*
 * The ID token is the credential identity turns into a session, so it must be the IdP's, for this
 * client, from this sign-in. A stand-in IdP answers the token request with whatever ID token the
 * test chooses; everything else about the flow (state cookie, nonce, code) stays genuine.
 */
const { databaseUrl } = stackEnvironment();
const CLIENT_ID = 'portcullis-test';
const CLIENT_SECRET = 'identity-test-secret';
const GENUINE_KID = 'idp-key-1';

type KeyPair = Awaited<ReturnType<typeof generateKeyPair>>;
type IdTokenFactory = (claims: JWTPayload) => Promise<string>;

/** A minimal OpenID Provider: authorizes at once and answers the token request with `idToken(claims)`. */
class StandInIdp {
  idToken: IdTokenFactory = async () => {
    throw new Error('no ID token chosen');
  };
  private readonly nonces = new Map<string, string>();
  private server!: Server;
  issuer = '';

  constructor(private readonly key: KeyPair) {}

  async start(): Promise<void> {
    this.server = createServer((req, res) => void this.handle(req, res).catch((error: Error) => res.writeHead(500).end(error.message)));
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    const { port } = this.server.address() as { port: number };
    this.issuer = `http://127.0.0.1:${port}`;
  }

  stop(): Promise<void> {
    return new Promise((resolve) => this.server.close(() => resolve()));
  }

  /** The claims a genuine ID token for this sign-in carries. */
  claimsFor(code: string, subject: string): JWTPayload {
    const now = Math.floor(Date.now() / 1000);
    return { iss: this.issuer, sub: subject, aud: CLIENT_ID, iat: now, exp: now + 300, nonce: this.nonces.get(code), email: `${subject}@example.com` };
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', this.issuer);
    const json = (body: unknown): void => void res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(body));
    switch (url.pathname) {
      case '/.well-known/openid-configuration':
        return json({
          issuer: this.issuer,
          authorization_endpoint: `${this.issuer}/authorize`,
          token_endpoint: `${this.issuer}/token`,
          userinfo_endpoint: `${this.issuer}/userinfo`,
          jwks_uri: `${this.issuer}/jwks`,
        });
      case '/jwks':
        return json({ keys: [{ ...(await exportJWK(this.key.publicKey)), kid: GENUINE_KID, alg: 'RS256', use: 'sig' }] });
      case '/authorize': {
        const code = randomBytes(12).toString('base64url');
        this.nonces.set(code, url.searchParams.get('nonce') ?? '');
        const callback = new URL(url.searchParams.get('redirect_uri') ?? '');
        callback.searchParams.set('code', code);
        callback.searchParams.set('state', url.searchParams.get('state') ?? '');
        res.writeHead(302, { location: callback.href }).end();
        return;
      }
      case '/token': {
        const form = new URLSearchParams(await bodyOf(req));
        if (form.get('client_secret') !== CLIENT_SECRET && !req.headers.authorization) return void res.writeHead(401).end();
        const code = form.get('code') ?? '';
        return json({ access_token: 'access', token_type: 'Bearer', id_token: await this.idToken(this.claimsFor(code, `subject-${code}`)) });
      }
      case '/userinfo':
        return json({});
      default:
        res.writeHead(404).end();
    }
  }
}

async function bodyOf(req: IncomingMessage): Promise<string> {
  let body = '';
  for await (const chunk of req) body += (chunk as Buffer).toString();
  return body;
}

describe('identity: ID token verification', () => {
  const schema = uniqueName('identity_idtoken');
  const keysDir = fs.mkdtempSync(path.join(os.tmpdir(), 'identity-keys-'));
  let genuineKey: KeyPair;
  let otherKey: KeyPair;
  let idp: StandInIdp;
  let app: INestApplication;
  let identityUrl: string;
  let db: Client;

  const signed = (key: KeyPair, kid = GENUINE_KID): IdTokenFactory => (claims) =>
    new SignJWT(claims).setProtectedHeader({ alg: 'RS256', kid }).sign(key.privateKey);

  beforeAll(async () => {
    genuineKey = await generateKeyPair('RS256', { extractable: true });
    otherKey = await generateKeyPair('RS256', { extractable: true });
    idp = new StandInIdp(genuineKey);
    await idp.start();
    const port = await freePort();
    identityUrl = `http://127.0.0.1:${port}`;
    app = await startIdentity({ port, schema, keysDir, issuer: idp.issuer, clientId: CLIENT_ID, clientSecret: CLIENT_SECRET });
    db = new Client({ connectionString: databaseUrl });
    await db.connect();
  });

  afterAll(async () => {
    await app?.close();
    await idp?.stop();
    await db?.end();
    await dropSchema(databaseUrl, schema);
    fs.rmSync(keysDir, { recursive: true, force: true });
  });

  async function signInWith(idToken: IdTokenFactory): Promise<{ browser: BrowserClient; page: Awaited<ReturnType<BrowserClient['get']>> }> {
    idp.idToken = idToken;
    const browser = new BrowserClient();
    return { browser, page: await browser.get(`${identityUrl}/auth/login`) };
  }

  async function usersWithSubjects(): Promise<string[]> {
    const { rows } = await db.query(`SELECT idp_subject FROM "${schema}".users`);
    return rows.map((row: { idp_subject: string }) => row.idp_subject);
  }

  it('signs a person in with a genuine ID token (so the refusals below are about the token)', async () => {
    const { browser, page } = await signInWith(signed(genuineKey));

    expect(page.url).toBe(`${identityUrl}/`);
    expect(page.status).toBe(200);
    expect(browser.cookie(identityUrl, 'portcullis_session')).toEqual(expect.any(String));
  });

  it.each<[string, () => IdTokenFactory, number, RegExp]>([
    ['signed by another key under the IdP key id', () => signed(otherKey), 400, /does not verify/],
    ['signed by another key under a key id the IdP does not publish', () => signed(otherKey, 'attacker-key'), 400, /does not verify/],
    ['unsigned (alg none)', () => async (claims) => new UnsecuredJWT(claims).encode(), 400, /does not verify/],
    [
      "HMAC-signed with the IdP's public key as the secret (algorithm confusion)",
      () => async (claims) =>
        new SignJWT(claims).setProtectedHeader({ alg: 'HS256', kid: GENUINE_KID }).sign(new TextEncoder().encode(await exportSPKI(genuineKey.publicKey))),
      400,
      /does not verify/,
    ],
    [
      'with a signature taken from another token',
      () => async (claims) => {
        const [, , donorSignature] = (await signed(genuineKey)({ ...claims, sub: 'someone-else' })).split('.');
        const [header, payload] = (await signed(genuineKey)(claims)).split('.');
        return `${header}.${payload}.${donorSignature}`;
      },
      400,
      /does not verify/,
    ],
    ['for another client (audience)', () => async (claims) => signed(genuineKey)({ ...claims, aud: 'another-client' }), 403, /not intended for this relying party/],
    ['from another issuer', () => async (claims) => signed(genuineKey)({ ...claims, iss: 'https://idp.evil.example' }), 403, /not issued by expected OpenID provider/],
    ['from another sign-in (nonce)', () => async (claims) => signed(genuineKey)({ ...claims, nonce: 'replayed' }), 400, /invalid nonce/],
    ['expired', () => async (claims) => signed(genuineKey)({ ...claims, iat: Number(claims.iat) - 600, exp: Number(claims.iat) - 300 }), 403, /expired/],
  ])('refuses an ID token %s, and starts no session', async (_case, forge, status, message) => {
    const before = await usersWithSubjects();

    const { browser, page } = await signInWith(forge());

    expect(page.status).toBe(status);
    expect(page.body).toMatch(message);
    expect(browser.cookie(identityUrl, 'portcullis_session')).toBeUndefined();
    expect(await usersWithSubjects()).toEqual(before);
  });
});
