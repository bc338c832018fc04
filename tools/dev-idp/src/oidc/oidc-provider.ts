import type { IncomingMessage, ServerResponse } from 'node:http';

/*
 * oidc-provider ships no type declarations. These are the parts of its API the dev IdP uses,
 * typed from the installed version (9.x).
 */

/** The Koa context oidc-provider hands to configuration callbacks. */
export interface OidcContext {
  status: number;
  type: string;
  body: unknown;
  readonly oidc?: { readonly client?: OidcClient };
}

export interface OidcClient {
  readonly clientId: string;
  readonly clientName?: string;
}

export interface OidcAccount {
  readonly accountId: string;
  claims(use: 'id_token' | 'userinfo', scope: string): Promise<{ readonly sub: string }>;
}

export interface InteractionPrompt {
  readonly name: string;
  readonly reasons: readonly string[];
  readonly details: {
    readonly missingOIDCScope?: readonly string[];
    readonly missingOIDCClaims?: readonly string[];
    readonly missingResourceScopes?: Readonly<Record<string, readonly string[]>>;
  };
}

export interface Interaction {
  readonly uid: string;
  readonly prompt: InteractionPrompt;
  readonly params: Readonly<Record<string, unknown>>;
  readonly session?: { readonly accountId: string };
  readonly grantId?: string;
}

export type InteractionResult =
  | { login: { accountId: string } }
  | { consent: { grantId: string } }
  | { error: string; error_description?: string };

export interface Grant {
  addOIDCScope(scope: string): void;
  addOIDCClaims(claims: readonly string[]): void;
  addResourceScope(indicator: string, scope: string): void;
  save(): Promise<string>;
}

export interface GrantModel {
  new (properties: { accountId: string; clientId: string }): Grant;
  find(id: string): Promise<Grant | undefined>;
}

export interface Provider {
  readonly Grant: GrantModel;
  callback(): (req: IncomingMessage, res: ServerResponse) => void;
  interactionDetails(req: IncomingMessage, res: ServerResponse): Promise<Interaction>;
  interactionFinished(
    req: IncomingMessage,
    res: ServerResponse,
    result: InteractionResult,
    options: { mergeWithLastSubmission: boolean },
  ): Promise<void>;
  on(event: 'server_error', listener: (ctx: OidcContext, error: Error) => void): void;
}

export type ProviderConstructor = new (issuer: string, configuration: object) => Provider;

/**
 * Loads oidc-provider when a provider starts rather than at import, so that importing this
 * library under jest (which cannot load the ESM-only package) does not fail. require() of an ES
 * module works on Node.js 20.19+ and 22.12+.
 */
export function loadOidcProvider(): ProviderConstructor {
  const oidcProvider = require('oidc-provider') as { Provider: ProviderConstructor };
  return oidcProvider.Provider;
}
