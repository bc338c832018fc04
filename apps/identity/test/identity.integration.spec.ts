import { INestApplication } from '@nestjs/common';
import { IdentityGroupsListV1, IdentityUsersListV1, PLATFORM_TOKEN_AUDIENCE } from '@portcullis/contracts';
import { PlatformTokenVerifier } from '@portcullis/platform/auth';
import { MessagingConnection, Requester } from '@portcullis/platform/messaging';
import { BrowserClient, DevIdpProcess, dropSchema, freePort, stackEnvironment, uniqueName } from '@portcullis/platform/testing';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Client } from 'pg';
import { startIdentity } from './support/identity-app';

const { databaseUrl, natsUrl } = stackEnvironment();
const CLIENT_SECRET = 'identity-test-secret';

function idpConfig(identityUrl: string, aliceGroups: string[]): string {
  return `users:
  - username: alice
    password: alice-password
    email: alice@example.com
    name: Alice Admin
    groups: [${aliceGroups.join(', ')}]
  - username: bob
    password: bob-password
    email: bob@example.com
    name: Bob Developer
    groups: [developers]
clients:
  - client_id: portcullis-test
    client_secret: ${CLIENT_SECRET}
    redirect_uris: [${identityUrl}/auth/callback]
`;
}

/** The dev IdP makes new keys at every start; identity refetches them after its 1 s cooldown. */
function identityRefetchesIdpKeys(): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, 1_100));
}

/** Fills and submits the dev IdP's login form, wherever the flow lands on it. */
async function signIn(browser: BrowserClient, identityUrl: string, username: string, password: string) {
  const form = await browser.get(`${identityUrl}/auth/login`);
  expect(form.status).toBe(200);
  const action = /<form[^>]*action="([^"]+)"/i.exec(form.body)?.[1];
  if (!action) throw new Error(`no login form at ${form.url}: ${form.body.slice(0, 300)}`);
  return browser.submitForm(new URL(action.replace(/&amp;/g, '&'), form.url).toString(), { login: username, username, password });
}

describe('identity: sign-in through the organisation IdP', () => {
  const schema = uniqueName('identity');
  const keysDir = fs.mkdtempSync(path.join(os.tmpdir(), 'identity-keys-'));
  let idp: DevIdpProcess;
  let app: INestApplication;
  let identityUrl: string;
  let db: Client;
  let connection: MessagingConnection;

  beforeAll(async () => {
    const port = await freePort();
    identityUrl = `http://127.0.0.1:${port}`;
    idp = await DevIdpProcess.start(idpConfig(identityUrl, ['portcullis-admins', 'platform-team']));
    app = await startIdentity({ port, schema, keysDir, issuer: idp.issuer, clientId: 'portcullis-test', clientSecret: CLIENT_SECRET, env: { LOG_LEVEL: 'warn' } });
    db = new Client({ connectionString: databaseUrl });
    await db.connect();
    connection = await MessagingConnection.open({ url: natsUrl, name: 'identity-test' });
  });

  afterAll(async () => {
    await connection?.close();
    await app?.close();
    await idp?.stop();
    await db?.end();
    await dropSchema(databaseUrl, schema);
    fs.rmSync(keysDir, { recursive: true, force: true });
  });

  it('signs a person in with the authorization-code flow and shows them to the portal with their IdP groups', async () => {
    const browser = new BrowserClient();

    const landed = await signIn(browser, identityUrl, 'alice', 'alice-password');

    expect(landed.url).toBe(`${identityUrl}/`);
    expect(landed.status).toBe(200);
    expect(landed.body).toContain('<title>Portcullis</title>');
    const callback = browser.hops.find((hop) => hop.url.startsWith(`${identityUrl}/auth/callback`));
    expect(callback?.status).toBe(303);
    expect(browser.cookie(identityUrl, 'portcullis_session')).toMatch(/^[\w-]{40,}$/);

    const me = await browser.get(`${identityUrl}/api/me`);
    expect(me.status).toBe(200);
    const body = JSON.parse(me.body);
    expect(body.user).toMatchObject({ email: 'alice@example.com', displayName: 'Alice Admin', groups: ['platform-team', 'portcullis-admins'], admin: true, disabled: false });
    expect(body.csrfToken).toEqual(expect.any(String));
    // The policy service is not running in this test: the portal says so instead of inventing access.
    expect(body.access).toBeNull();
    expect(body.accessError).toMatch(/policy service is not answering/);
  });

  it('sets the session cookie httpOnly, Secure and SameSite=Lax', async () => {
    const browser = new BrowserClient();
    await signIn(browser, identityUrl, 'bob', 'bob-password');

    const raw = browser.hops.find((hop) => hop.url.startsWith(`${identityUrl}/auth/callback`))?.setCookie ?? '';
    expect(raw).toMatch(/portcullis_session=[^;]+;.*HttpOnly/i);
    expect(raw).toMatch(/; Secure/i);
    expect(raw).toMatch(/SameSite=Lax/i);
  });

  it('replaces (never accumulates) groups on every sign-in and publishes the user', async () => {
    await idp.reconfigure(idpConfig(identityUrl, ['developers']));
    await identityRefetchesIdpKeys();
    const browser = new BrowserClient();
    expect((await signIn(browser, identityUrl, 'alice', 'alice-password')).status).toBe(200);

    const { rows } = await db.query(`SELECT id, groups, admin, last_login_at FROM "${schema}".users WHERE email = 'alice@example.com'`);
    expect(rows).toHaveLength(1);
    expect(rows[0].groups).toEqual(['developers']);
    expect(rows[0].admin).toBe(false);

    const { rows: events } = await db.query(`SELECT payload FROM "${schema}".outbox WHERE subject = 'portcullis.v1.identity.user.upserted' AND payload->>'userId' = $1 ORDER BY sequence`, [rows[0].id]);
    expect(events.map((e) => e.payload.groups)).toEqual([['platform-team', 'portcullis-admins'], ['developers']]);
    await idp.reconfigure(idpConfig(identityUrl, ['portcullis-admins', 'platform-team']));
    await identityRefetchesIdpKeys();
  });

  it('issues platform JWTs that verify against its published keys', async () => {
    const browser = new BrowserClient();
    await signIn(browser, identityUrl, 'alice', 'alice-password');

    const { token } = JSON.parse((await browser.get(`${identityUrl}/api/token`)).body);
    const sut = new PlatformTokenVerifier({ issuer: identityUrl, jwksUrl: `${identityUrl}/.well-known/jwks.json` });
    const claims = await sut.verify(token).catch((error: Error) => {
      throw error.cause ?? error;
    });

    expect(claims).toMatchObject({ iss: identityUrl, aud: PLATFORM_TOKEN_AUDIENCE, email: 'alice@example.com', admin: true, groups: ['platform-team', 'portcullis-admins'] });
    await expect(sut.verify(`${token.slice(0, -4)}AAAA`)).rejects.toMatchObject({ code: 'invalid' });
  });

  it('refuses a callback whose state does not belong to this browser (400), without a stack trace', async () => {
    const victim = new BrowserClient();
    const start = await fetch(`${identityUrl}/auth/login`, { redirect: 'manual' });
    const state = new URL(start.headers.get('location') ?? '').searchParams.get('state');

    const forged = await victim.get(`${identityUrl}/auth/callback?code=stolen&state=${state}`);

    expect(forged.status).toBe(400);
    expect(forged.body).toContain('did not match this browser');
    expect(forged.body).not.toMatch(/at \w+ \(|node_modules/);
  });

  it('refuses a person disabled in Portcullis with 403', async () => {
    await db.query(`UPDATE "${schema}".users SET disabled = true WHERE email = 'bob@example.com'`);
    const browser = new BrowserClient();

    const page = await signIn(browser, identityUrl, 'bob', 'bob-password');

    expect(page.status).toBe(403);
    expect(page.body).toContain('disabled');
    expect(browser.cookie(identityUrl, 'portcullis_session')).toBeUndefined();
    await db.query(`UPDATE "${schema}".users SET disabled = false WHERE email = 'bob@example.com'`);
  });

  it('protects state-changing portal requests against CSRF and signs out', async () => {
    const browser = new BrowserClient();
    await signIn(browser, identityUrl, 'alice', 'alice-password');
    const { csrfToken } = JSON.parse((await browser.get(`${identityUrl}/api/me`)).body);

    const withoutToken = await browser.request('POST', `${identityUrl}/api/logout`);
    const crossOrigin = await browser.request('POST', `${identityUrl}/api/logout`, undefined, { headers: { 'x-csrf-token': csrfToken, origin: 'https://evil.example' } });
    expect(withoutToken.status).toBe(403);
    expect(crossOrigin.status).toBe(403);
    expect((await browser.get(`${identityUrl}/api/me`)).status).toBe(200);

    const logout = await browser.request('POST', `${identityUrl}/api/logout`, undefined, { headers: { 'x-csrf-token': csrfToken, origin: identityUrl } });
    expect(logout.status).toBe(204);
    expect((await browser.get(`${identityUrl}/api/me`)).status).toBe(401);
  });

  it('shows admins the recent audit from the audit service, and refuses everyone else', async () => {
    const admin = new BrowserClient();
    await signIn(admin, identityUrl, 'alice', 'alice-password');
    const developer = new BrowserClient();
    await signIn(developer, identityUrl, 'bob', 'bob-password');

    const forDeveloper = await developer.get(`${identityUrl}/api/audit/recent`);
    // No audit service runs in this test: an honest 503, never an empty table.
    const forAdmin = await admin.get(`${identityUrl}/api/audit/recent`);

    expect(forDeveloper.status).toBe(403);
    expect(forAdmin.status).toBe(503);
    expect(JSON.parse(forAdmin.body)).toEqual({ code: 'SERVICE_UNAVAILABLE', message: 'The audit service is not answering; try again in a moment.' });
  });

  it('answers the user directory over NATS for the admin API', async () => {
    const sut = new Requester(connection, 2_000);

    const { users } = await sut.request(IdentityUsersListV1, { search: 'alice', limit: 10 });
    const { groups } = await sut.request(IdentityGroupsListV1, {});

    expect(users.map((u) => u.email)).toEqual(['alice@example.com']);
    expect(groups).toEqual(expect.arrayContaining([{ name: 'developers', memberCount: expect.any(Number) }]));
  });
});

describe('identity: when the IdP is unreachable', () => {
  const schema = uniqueName('identity_down');
  const keysDir = fs.mkdtempSync(path.join(os.tmpdir(), 'identity-keys-'));
  let app: INestApplication;
  let identityUrl: string;

  beforeAll(async () => {
    const port = await freePort();
    const deadIdpPort = await freePort();
    identityUrl = `http://127.0.0.1:${port}`;
    app = await startIdentity({
      port,
      schema,
      keysDir,
      issuer: `http://127.0.0.1:${deadIdpPort}`,
      clientId: 'portcullis-test',
      clientSecret: CLIENT_SECRET,
      env: { OIDC_TIMEOUT_MS: '1000' },
    });
  });

  afterAll(async () => {
    await app?.close();
    await dropSchema(databaseUrl, schema);
    fs.rmSync(keysDir, { recursive: true, force: true });
  });

  it('shows a clear page with 502', async () => {
    const response = await fetch(`${identityUrl}/auth/login`, { redirect: 'manual' });
    const body = await response.text();

    expect(response.status).toBe(502);
    expect(response.headers.get('content-type')).toMatch(/text\/html/);
    expect(body).toContain('could not be reached');
  });
});
