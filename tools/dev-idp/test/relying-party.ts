import { randomBytes } from 'node:crypto';
import { createRemoteJWKSet, jwtVerify, type JWTPayload, type JWTVerifyResult } from 'jose';
import { BrowserClient, formOf, type BrowserResponse } from '@portcullis/platform/testing';

export interface Discovery {
  issuer: string;
  authorization_endpoint: string;
  token_endpoint: string;
  userinfo_endpoint: string;
  jwks_uri: string;
  end_session_endpoint: string;
  scopes_supported: string[];
  claims_supported: string[];
  response_types_supported: string[];
  token_endpoint_auth_methods_supported: string[];
  id_token_signing_alg_values_supported: string[];
}

export interface TokenResponse {
  id_token?: string;
  access_token?: string;
  token_type?: string;
  error?: string;
}

export interface RegisteredClient {
  clientId: string;
  clientSecret: string;
  redirectUri: string;
}

export type ClientAuthentication = 'client_secret_basic' | 'client_secret_post';

/** The test in the role of a confidential OIDC client: what passport-openidconnect does, step by step. */
export class RelyingParty {
  private constructor(
    readonly discovery: Discovery,
    readonly client: RegisteredClient,
  ) {}

  static async discover(issuer: string, client: RegisteredClient): Promise<RelyingParty> {
    const response = await fetch(`${issuer}/.well-known/openid-configuration`);
    if (!response.ok) throw new Error(`discovery answered ${response.status}`);
    return new RelyingParty((await response.json()) as Discovery, client);
  }

  /** An authorization request with a fresh state and nonce; `overrides` replace or add parameters. */
  authorizationRequest(overrides: Record<string, string> = {}): { url: URL; state: string; nonce: string } {
    const state = randomBytes(12).toString('base64url');
    const nonce = randomBytes(12).toString('base64url');
    const url = new URL(this.discovery.authorization_endpoint);
    const params = {
      client_id: this.client.clientId,
      response_type: 'code',
      scope: 'openid profile email groups',
      redirect_uri: this.client.redirectUri,
      state,
      nonce,
      ...overrides,
    };
    for (const [key, value] of Object.entries(params)) url.searchParams.set(key, value);
    return { url, state, nonce };
  }

  /** Opens `url`, which must lead to the login form, and submits it. */
  async signIn(browser: BrowserClient, url: URL, username: string, password: string): Promise<{ form: BrowserResponse; result: BrowserResponse }> {
    const form = await browser.get(url, { stopAt: this.client.redirectUri });
    if (form.status !== 200) throw new Error(`expected the login form, got ${form.status} at ${form.url}`);
    const { action, fields } = formOf(form.body, form.url);
    const result = await browser.submitForm(action, { ...fields, username, password }, { stopAt: this.client.redirectUri });
    return { form, result };
  }

  /** Redeems an authorization code at the token endpoint. */
  async redeem(
    code: string,
    authentication: ClientAuthentication,
    { secret = this.client.clientSecret, codeVerifier }: { secret?: string; codeVerifier?: string } = {},
  ): Promise<{ status: number; body: TokenResponse }> {
    const form = new URLSearchParams({ grant_type: 'authorization_code', code, redirect_uri: this.client.redirectUri });
    if (codeVerifier !== undefined) form.set('code_verifier', codeVerifier);
    const headers: Record<string, string> = { 'content-type': 'application/x-www-form-urlencoded' };
    if (authentication === 'client_secret_basic') {
      const credentials = `${encodeURIComponent(this.client.clientId)}:${encodeURIComponent(secret)}`;
      headers['authorization'] = `Basic ${Buffer.from(credentials).toString('base64')}`;
    } else {
      form.set('client_id', this.client.clientId);
      form.set('client_secret', secret);
    }
    const response = await fetch(this.discovery.token_endpoint, { method: 'POST', headers, body: form.toString() });
    return { status: response.status, body: (await response.json()) as TokenResponse };
  }

  /** Verifies the signature against the published JWKS, the issuer and the audience. */
  verifyIdToken(idToken: string): Promise<JWTVerifyResult<JWTPayload>> {
    return jwtVerify(idToken, createRemoteJWKSet(new URL(this.discovery.jwks_uri)), {
      issuer: this.discovery.issuer,
      audience: this.client.clientId,
    });
  }

  async userinfo(accessToken: string): Promise<{ status: number; body: Record<string, unknown> }> {
    const response = await fetch(this.discovery.userinfo_endpoint, { headers: { authorization: `Bearer ${accessToken}` } });
    return { status: response.status, body: (await response.json()) as Record<string, unknown> };
  }
}
