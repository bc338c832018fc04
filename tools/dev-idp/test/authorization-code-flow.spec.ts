import { createHash, randomBytes } from 'node:crypto';
import { DevIdpProcess } from '@portcullis/platform/testing';
import { BrowserClient, formOf } from '@portcullis/platform/testing';
import { RelyingParty, type ClientAuthentication } from './relying-party';

const CLIENT_ID = 'portcullis';
const CLIENT_SECRET = 'portcullis-test-secret';
const REDIRECT_URI = 'http://127.0.0.1:3001/auth/callback';
const POST_LOGOUT_REDIRECT_URI = 'http://127.0.0.1:3001/signed-out';

const CONFIG = `
users:
  - id: 00u1alice
    username: alice
    password: alice-password
    email: alice@example.com
    name: Alice Admin
    groups: [portcullis-admins, platform-team]
  - username: bob
    password: bob-password
    email: bob@example.com
    name: Bob Developer
    groups: [developers]
  - username: carol
    password: carol-password
    email: carol@example.com
    groups: [developers]
    disabled: true
clients:
  - client_id: ${CLIENT_ID}
    client_secret: ${CLIENT_SECRET}
    client_name: Portcullis
    redirect_uris: [${REDIRECT_URI}]
    post_logout_redirect_uris: [${POST_LOGOUT_REDIRECT_URI}]
`;

describe('dev IdP: authorization-code flow of a confidential client', () => {
  let idp: DevIdpProcess;
  let rp: RelyingParty;

  beforeAll(async () => {
    idp = await DevIdpProcess.start(CONFIG);
    rp = await RelyingParty.discover(idp.issuer, { clientId: CLIENT_ID, clientSecret: CLIENT_SECRET, redirectUri: REDIRECT_URI });
  });

  afterAll(async () => {
    await idp?.stop();
  });

  /** Signs in and redeems the code; the ID token's signature is verified. */
  async function tokensFor(username: string, password: string, authentication: ClientAuthentication, overrides: Record<string, string> = {}) {
    const { url, nonce } = rp.authorizationRequest(overrides);
    const { result } = await rp.signIn(new BrowserClient(), url, username, password);
    const tokens = await rp.redeem(result.redirectedTo?.searchParams.get('code') as string, authentication);
    expect(tokens.status).toBe(200);
    const { payload, protectedHeader } = await rp.verifyIdToken(tokens.body.id_token as string);
    expect(protectedHeader.alg).toBe('RS256');
    expect(payload['nonce']).toBe(nonce);
    return { idToken: payload, accessToken: tokens.body.access_token as string };
  }

  it('publishes discovery and a public JWKS like a company IdP', async () => {
    const { discovery } = rp;
    expect(discovery).toMatchObject({
      issuer: idp.issuer,
      authorization_endpoint: `${idp.issuer}/auth`,
      token_endpoint: `${idp.issuer}/token`,
      userinfo_endpoint: `${idp.issuer}/me`,
      jwks_uri: `${idp.issuer}/jwks`,
      end_session_endpoint: `${idp.issuer}/session/end`,
      response_types_supported: ['code'],
    });
    expect(idp.issuer).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(discovery.scopes_supported).toEqual(expect.arrayContaining(['openid', 'profile', 'email', 'groups']));
    expect(discovery.claims_supported).toEqual(expect.arrayContaining(['sub', 'name', 'email', 'groups']));
    expect(discovery.token_endpoint_auth_methods_supported).toEqual(['client_secret_basic', 'client_secret_post']);
    expect(discovery.id_token_signing_alg_values_supported).toContain('RS256');

    const jwks = (await (await fetch(discovery.jwks_uri)).json()) as { keys: Record<string, unknown>[] };
    expect(jwks.keys).toEqual([expect.objectContaining({ kty: 'RSA', alg: 'RS256', use: 'sig', kid: expect.any(String) })]);
    for (const privatePart of ['d', 'p', 'q', 'dp', 'dq', 'qi']) expect(jwks.keys[0]).not.toHaveProperty(privatePart);
  });

  it('signs alice in with client_secret_basic: the signed ID token and userinfo carry her groups', async () => {
    const browser = new BrowserClient();
    const { url, state, nonce } = rp.authorizationRequest();

    const { form, result } = await rp.signIn(browser, url, 'alice', 'alice-password');

    // A plain accessible form: labelled fields and one submit button.
    expect(form.body).toContain('<label for="username">');
    expect(form.body).toContain('<label for="password">');
    expect(form.body.match(/<button\b/g)).toHaveLength(1);
    expect(form.body).toContain('Portcullis');
    // After the login interaction comes the consent interaction, granted without a page.
    expect(result.visited.filter((visited) => visited.includes('/interaction/'))).toHaveLength(2);
    const callback = result.redirectedTo as URL;
    expect(`${callback.origin}${callback.pathname}`).toBe(REDIRECT_URI);
    expect(callback.searchParams.get('state')).toBe(state);
    expect(callback.searchParams.get('iss')).toBe(idp.issuer);

    const tokens = await rp.redeem(callback.searchParams.get('code') as string, 'client_secret_basic');

    expect(tokens.status).toBe(200);
    expect(tokens.body.token_type).toBe('Bearer');
    const { payload, protectedHeader } = await rp.verifyIdToken(tokens.body.id_token as string);
    expect(protectedHeader.alg).toBe('RS256');
    const alice = {
      sub: '00u1alice',
      preferred_username: 'alice',
      name: 'Alice Admin',
      email: 'alice@example.com',
      email_verified: true,
      groups: ['portcullis-admins', 'platform-team'],
    };
    expect(payload).toMatchObject({ ...alice, nonce });
    expect(await rp.userinfo(tokens.body.access_token as string)).toEqual({ status: 200, body: alice });
  });

  it('accepts client_secret_post and uses the username as sub when no id is configured', async () => {
    const { idToken, accessToken } = await tokensFor('bob', 'bob-password', 'client_secret_post');

    expect(idToken).toMatchObject({ sub: 'bob', groups: ['developers'] });
    expect((await rp.userinfo(accessToken)).body).toMatchObject({ sub: 'bob', groups: ['developers'] });
  });

  it('releases only the claims of the requested scopes', async () => {
    const { idToken, accessToken } = await tokensFor('bob', 'bob-password', 'client_secret_basic', { scope: 'openid email' });

    expect(idToken).toMatchObject({ sub: 'bob', email: 'bob@example.com' });
    expect(idToken).not.toHaveProperty('groups');
    expect(idToken).not.toHaveProperty('name');
    expect((await rp.userinfo(accessToken)).body).toEqual({ sub: 'bob', email: 'bob@example.com', email_verified: true });
  });

  it('does not require PKCE, but checks the verifier of a client that sends a code_challenge', async () => {
    const codeVerifier = randomBytes(32).toString('base64url');
    const codeChallenge = createHash('sha256').update(codeVerifier).digest('base64url');
    const pkce = { code_challenge: codeChallenge, code_challenge_method: 'S256' };
    const signIn = async () => {
      const { result } = await rp.signIn(new BrowserClient(), rp.authorizationRequest(pkce).url, 'bob', 'bob-password');
      return result.redirectedTo?.searchParams.get('code') as string;
    };

    const wrong = await rp.redeem(await signIn(), 'client_secret_basic', { codeVerifier: randomBytes(32).toString('base64url') });
    const right = await rp.redeem(await signIn(), 'client_secret_basic', { codeVerifier });

    expect(wrong).toEqual({ status: 400, body: expect.objectContaining({ error: 'invalid_grant' }) });
    expect(right.status).toBe(200);
  });

  it('shows the form again with an error and no code after a wrong password, then accepts the right one', async () => {
    const browser = new BrowserClient();

    const { result: refused } = await rp.signIn(browser, rp.authorizationRequest().url, 'alice', 'not-her-password');

    expect(refused.status).toBe(401);
    expect(refused.redirectedTo).toBeUndefined();
    expect(refused.body).toMatch(/<p class="error" id="sign-in-error" role="alert">Invalid username or password\.<\/p>/);
    expect(refused.body).toContain('value="alice"');
    expect(refused.body).not.toContain('not-her-password');
    expect(refused.visited.join(' ')).not.toContain('code=');

    const { action, fields } = formOf(refused.body, refused.url);
    const retried = await browser.submitForm(action, { ...fields, password: 'alice-password' }, { stopAt: REDIRECT_URI });
    expect(retried.redirectedTo?.searchParams.get('code')).toEqual(expect.any(String));
  });

  it('answers an unknown username like a wrong password', async () => {
    const { result } = await rp.signIn(new BrowserClient(), rp.authorizationRequest().url, 'mallory', 'alice-password');

    expect(result.status).toBe(401);
    expect(result.redirectedTo).toBeUndefined();
    expect(result.body).toContain('Invalid username or password.');
  });

  it('refuses a disabled user: an error on the form, never a code or a session', async () => {
    const browser = new BrowserClient();

    const { result } = await rp.signIn(browser, rp.authorizationRequest().url, 'carol', 'carol-password');

    expect(result.status).toBe(403);
    expect(result.redirectedTo).toBeUndefined();
    expect(result.body).toMatch(/role="alert">This account is disabled\./);
    expect(browser.cookieNamesFor(`${idp.issuer}/auth`)).not.toContain('_session');
  });

  it('refuses an unknown client_id with an error page instead of a redirect', async () => {
    const navigation = await new BrowserClient().get(rp.authorizationRequest({ client_id: 'unknown-client' }).url, { stopAt: REDIRECT_URI });

    expect(navigation.status).toBe(400);
    expect(navigation.redirectedTo).toBeUndefined();
    expect(navigation.body).toContain('invalid_client');
    expect(navigation.body).not.toContain('<form');
  });

  it('refuses a redirect_uri that the client did not register', async () => {
    const navigation = await new BrowserClient().get(rp.authorizationRequest({ redirect_uri: 'http://127.0.0.1:3001/elsewhere' }).url, {
      stopAt: 'http://127.0.0.1:3001/',
    });

    expect(navigation.status).toBe(400);
    expect(navigation.redirectedTo).toBeUndefined();
    expect(navigation.body).toContain('invalid_redirect_uri');
  });

  it('answers invalid_client for a wrong client secret at the token endpoint', async () => {
    const { result } = await rp.signIn(new BrowserClient(), rp.authorizationRequest().url, 'alice', 'alice-password');
    const code = result.redirectedTo?.searchParams.get('code') as string;

    const basic = await rp.redeem(code, 'client_secret_basic', { secret: 'wrong-secret' });
    const post = await rp.redeem(code, 'client_secret_post', { secret: 'wrong-secret' });

    expect(basic).toEqual({ status: 401, body: expect.objectContaining({ error: 'invalid_client' }) });
    expect(post).toEqual({ status: 401, body: expect.objectContaining({ error: 'invalid_client' }) });
    expect(basic.body.id_token).toBeUndefined();
  });

  it('keeps the session for the next authorization and ends it at the end-session endpoint', async () => {
    const browser = new BrowserClient();
    const { result } = await rp.signIn(browser, rp.authorizationRequest().url, 'alice', 'alice-password');
    const tokens = await rp.redeem(result.redirectedTo?.searchParams.get('code') as string, 'client_secret_basic');

    const again = await browser.get(rp.authorizationRequest().url, { stopAt: REDIRECT_URI });
    expect(again.redirectedTo?.searchParams.get('code')).toEqual(expect.any(String));

    const endSession = new URL(rp.discovery.end_session_endpoint);
    endSession.searchParams.set('id_token_hint', tokens.body.id_token as string);
    endSession.searchParams.set('post_logout_redirect_uri', POST_LOGOUT_REDIRECT_URI);
    endSession.searchParams.set('state', 'bye');
    const confirmation = await browser.get(endSession, { stopAt: POST_LOGOUT_REDIRECT_URI });
    expect(confirmation.status).toBe(200);
    expect(confirmation.body.match(/<button\b/g)).toHaveLength(1);
    const { action, fields } = formOf(confirmation.body, confirmation.url);
    const signedOut = await browser.submitForm(action, { ...fields, logout: 'yes' }, { stopAt: POST_LOGOUT_REDIRECT_URI });
    expect(signedOut.redirectedTo?.searchParams.get('state')).toBe('bye');

    const afterLogout = await browser.get(rp.authorizationRequest().url, { stopAt: REDIRECT_URI });
    expect(afterLogout.redirectedTo).toBeUndefined();
    expect(afterLogout.body).toContain('<label for="password">');
  });

  it('pre-fills the username from login_hint, escaped', async () => {
    const form = await new BrowserClient().get(rp.authorizationRequest({ login_hint: 'bob"><script>' }).url, { stopAt: REDIRECT_URI });

    expect(form.status).toBe(200);
    expect(form.body).toContain('value="bob&quot;&gt;&lt;script&gt;"');
    expect(form.body).not.toContain('<script>');
  });

  it('refuses an oversized login form with 413', async () => {
    const browser = new BrowserClient();
    const form = await browser.get(rp.authorizationRequest().url, { stopAt: REDIRECT_URI });
    const { action } = formOf(form.body, form.url);

    const refused = await browser.submitForm(action, { username: 'alice', password: 'x'.repeat(20_000) }, { stopAt: REDIRECT_URI });

    expect(refused.status).toBe(413);
    expect(refused.redirectedTo).toBeUndefined();
  });

  it('answers an expired or forged interaction with a clear page', async () => {
    const navigation = await new BrowserClient().get(`${idp.issuer}/interaction/not-a-real-interaction`);

    expect(navigation.status).toBe(400);
    expect(navigation.body).toContain('This sign-in request has expired');
  });
});
