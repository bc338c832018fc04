import { generateKeyPair, randomBytes, randomUUID } from 'node:crypto';
import { promisify } from 'node:util';
import type { UserDirectory } from '../accounts/user-directory';
import type { DevIdpClient } from '../config/dev-idp-config';
import { errorPage, loggedOutPage, logoutPage } from '../pages/html-pages';
import type { OidcAccount, OidcClient, OidcContext } from './oidc-provider';

export const SUPPORTED_SCOPES = ['openid', 'profile', 'email', 'groups'] as const;

const MINUTE = 60;
const HOUR = 60 * MINUTE;

/**
 * The oidc-provider configuration of a company-like IdP: confidential web clients using the
 * authorization-code flow, the user's groups in a `groups` claim, and fresh keys every start
 * (nothing it issued survives a restart, which is what a development IdP wants).
 */
export async function providerConfiguration(clients: readonly DevIdpClient[], users: UserDirectory): Promise<object> {
  return {
    clients: clients.map((client) => ({
      client_id: client.client_id,
      client_secret: client.client_secret,
      ...(client.client_name === undefined ? {} : { client_name: client.client_name }),
      redirect_uris: client.redirect_uris,
      post_logout_redirect_uris: client.post_logout_redirect_uris,
      grant_types: ['authorization_code'],
      response_types: ['code'],
      token_endpoint_auth_method: 'client_secret_basic',
    })),
    // client_secret_post is accepted for a client registered with client_secret_basic and vice versa.
    clientAuthMethods: ['client_secret_basic', 'client_secret_post'],
    responseTypes: ['code'],
    scopes: [...SUPPORTED_SCOPES],
    claims: {
      acr: null,
      auth_time: null,
      iss: null,
      sid: null,
      openid: ['sub'],
      profile: ['name', 'preferred_username'],
      email: ['email', 'email_verified'],
      groups: ['groups'],
    },
    // Company IdPs (Okta, Entra ID, Keycloak) put the granted profile claims and groups in the ID
    // token too; oidc-provider by default keeps them for userinfo only when an access token is issued.
    conformIdTokenClaims: false,
    async findAccount(_ctx: OidcContext, sub: string): Promise<OidcAccount | undefined> {
      const claims = users.claimsOf(sub);
      if (!claims) return undefined;
      return { accountId: sub, claims: async () => claims };
    },
    // PKCE stays mandatory for public clients only: confidential clients authenticate with their
    // secret and send state and nonce, and passport-openidconnect 0.1.x cannot send a code_challenge.
    pkce: { required: (_ctx: OidcContext, client: { clientAuthMethod: string }) => client.clientAuthMethod === 'none' },
    jwks: { keys: [await rsaSigningKey()] },
    cookies: {
      // Koa signs the cookies with these; `secure` follows the request, so the flow works over plain http.
      keys: [randomBytes(32).toString('base64url')],
    },
    features: {
      devInteractions: { enabled: false },
      userinfo: { enabled: true },
      rpInitiatedLogout: {
        enabled: true,
        async logoutSource(ctx: OidcContext, form: string) {
          ctx.type = 'html';
          ctx.body = logoutPage(form);
        },
        async postLogoutSuccessSource(ctx: OidcContext) {
          ctx.type = 'html';
          ctx.body = loggedOutPage();
        },
      },
    },
    interactions: { url: async (_ctx: OidcContext, interaction: { uid: string }) => `/interaction/${interaction.uid}` },
    async renderError(ctx: OidcContext, out: Record<string, string | undefined>) {
      ctx.type = 'html';
      ctx.body = errorPage(out);
    },
    // Only server-side (confidential) clients: no browser calls the token or userinfo endpoints.
    clientBasedCORS: (_ctx: OidcContext, _origin: string, _client: OidcClient) => false,
    ttl: {
      AccessToken: HOUR,
      AuthorizationCode: MINUTE,
      IdToken: HOUR,
      Interaction: 10 * MINUTE,
      Session: 12 * HOUR,
      Grant: 12 * HOUR,
    },
  };
}

/** RS256: the one signing algorithm every OpenID Connect client library supports. */
async function rsaSigningKey(): Promise<object> {
  const { privateKey } = await promisify(generateKeyPair)('rsa', { modulusLength: 2048 });
  return { ...privateKey.export({ format: 'jwk' }), kid: randomUUID(), alg: 'RS256', use: 'sig' };
}
